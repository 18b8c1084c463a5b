"""Handler of ``privacy``: show or set how much a group space sees (admins only, checked before; audited).

A group space's level is ``names`` (the default) or ``counts`` (numbers only); ``bot.summaries.Recap``
applies it to every view, automatic recaps included (DESIGN §5). A 1:1 space has no level: an admin's
1:1 always sees everything, so the command says that there and stores nothing.
"""

from __future__ import annotations

from bot.chat.commands import Command
from bot.context import DIRECT, Context

MEANING = {
    "names": "names of attendees, public chat and Q&A with who wrote them, poll results (never who chose what) "
             "and every count. Never anyone's e-mail address, private or group messages, join or leave times, "
             "or who voted what.",
    "counts": "numbers only: how many came, voted, asked and wrote, and the poll results. No one's name, no chat, "
              "Q&A or short-answer text. The meeting's title, its host and the poll questions and choices stay.",
}
OTHER = {"names": "counts", "counts": "names"}


def set_privacy(ctx: Context, command: Command) -> None:
    """``privacy`` shows this space's level and what it means; ``privacy names|counts`` sets it."""
    if ctx.room_type == DIRECT:
        ctx.audit("privacy", (), "ok: a 1:1 space always sees everything; nothing set")
        ctx.reply_text("This is a 1:1 space: it always sees everything (names, times, e-mail addresses and "
                       "private messages), so it has no privacy level. Say **privacy counts** or **privacy names** "
                       "in a group space to choose how much it sees.")
        return
    if command.value is None:
        level = ctx.privacy
        ctx.audit("privacy", (), f"ok: shown ({level})")
        ctx.reply_text(f"This space sees **{level}**: {MEANING[level]} "
                       f"Change it with **privacy {OTHER[level]}**.")
        return
    ctx.store.set_room_privacy(ctx.room_id, command.value, by=ctx.person_email)
    ctx.audit("privacy", (), f"ok: set to {command.value}")
    ctx.reply_text(f"Done: from now on this space sees **{command.value}**: {MEANING[command.value]}")
