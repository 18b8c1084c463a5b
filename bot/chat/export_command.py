"""The ``export`` command: a CSV table or JSON of a meeting (either id), posted as a file in a 1:1 space.

Archive tables are written as the archive streams from Webex (``bot.chat.exports``); the ``speakers``
and ``invitees`` tables, and the JSON's ``insights`` object, come from the digest's insights, fetched
once (``bot.chat.insight_exports``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot import meetings
from bot.cards import literal
from bot.chat.commands import Command
from bot.chat.exports import export_filename, export_stream
from bot.chat.insight_exports import INSIGHT_TABLES, insights_json, post_insight_table
from bot.chat.lookup import archive_of, view_digest
from bot.context import Context


def export(ctx: Context, command: Command) -> None:
    """A meeting as a CSV table or JSON, posted as a file (1:1 only: exports name people)."""
    if ctx.audience != "direct":
        ctx.audit("export", command.ids, "refused: exports are for 1:1 spaces")
        ctx.reply(ctx.card("error", title="Exports are for 1:1 spaces",
                           what_happened="An export lists e-mail addresses and private messages, so I post it "
                                         "only in a 1:1 space with an administrator.",
                           what_to_do="Send me the same export command in our 1:1 space."))
        return
    table, digest = command.table or "attendance", None
    what = f"the {table} table" if command.format == "csv" else "the whole archive"
    with tempfile.TemporaryDirectory(prefix="recap-export-") as folder, ctx.audited("export", command.ids):
        found = archive_of(ctx, command)  # either id; None once a card said the meeting has no archive
        if found is None:
            return
        archive_id, meeting = found
        if command.format == "json" or table in INSIGHT_TABLES:
            digest = view_digest(ctx, archive_id, meeting)
        if table in INSIGHT_TABLES and command.format == "csv":
            return post_insight_table(ctx, digest, table)
        path = Path(folder) / "export"
        # Written as the archive streams from Webex: an export needs every row, never the whole archive in memory.
        with path.open("wb") as out, meetings.archive_body(ctx.webex("admin"), archive_id,
                                                          timezone=ctx.timezone) as body:
            fields = export_stream(body, out, command.format, table=table, timezone=ctx.timezone,
                                   insights=insights_json(digest.insights) if digest else None)
        title = literal(fields.get("title"), 80, hide_emails=True) or "the meeting"
        ctx.reply_file(export_filename(fields, command.format, table, timezone=ctx.timezone), path,
                       markdown=f"Export of {what} of **{title}** (archive {literal(archive_id)}).")
