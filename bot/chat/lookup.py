"""Either id works: the archive of a typed id (an archive's, or an ended meeting instance's), and its digest.

A meeting instance id (``…_I_…``) is resolved to its archive (``bot.meetings.resolve``) and the instance is
remembered in the digest (``meeting_id``), so its insights need no second look-up. An instance with no
archive yet gets a card saying so and what to do. The digest comes with its insights, fetched once
(``bot.digest.with_insights``): a typed command may refresh the sources still pending, a button never.
"""

from __future__ import annotations

from bot import meetings
from bot.cards import Card, clean
from bot.chat.commands import Command
from bot.context import Context
from bot.digest import Digest, with_insights
from bot.meetings import Meeting
from bot.summaries import mask_emails


def archive_of(ctx: Context, command: Command) -> tuple[str, Meeting | None] | None:
    """The archive id the command is about and, for an instance id, its meeting; None once a card said why not."""
    if command.archive_id:
        return command.archive_id, None
    found = meetings.resolve(ctx.webex("admin"), command.meeting_id)
    if found.archive_id:
        return found.archive_id, found.meeting
    ctx.reply(no_archive_card(ctx, command, found.meeting))
    return None


def no_archive_card(ctx: Context, command: Command, meeting: Meeting | None) -> Card:
    """The card for a meeting instance Webex has no archive of (not recorded, or not published yet)."""
    name = clean(meeting.title if meeting else "", 80).replace("`", "'")  # a backtick would turn words bold
    name = mask_emails(name) if ctx.audience != "direct" else name
    title = f"“{name}”" if name else "This meeting"
    ended = meeting is not None and meeting.end is not None
    what = (f"{title} has no meeting archive in Webex{' yet' if ended else ''}. Webex makes an archive some "
            "minutes after a meeting ends, and only for meetings whose site keeps meeting reports.")
    # The id is not repeated: a phone would break it over two lines, and it is in the message just sent.
    todo = ("Try again in about 15 minutes, or pick the meeting in `archives`. Its post-meeting chat may be "
            "there already: `chats` with the same id.")
    return ctx.card("error", title="No archive for this meeting", what_happened=what, what_to_do=todo)


def view_digest(ctx: Context, archive_id: str, meeting: Meeting | None = None) -> Digest:
    """The archive's digest with its insights (stored once; ``ctx.typed`` lets pending sources be asked again)."""
    digest = ctx.digest(archive_id)
    return with_insights(ctx.store, ctx.services.webex, digest, meeting=meeting, refresh=ctx.typed)

