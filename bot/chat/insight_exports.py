"""Exports of a meeting's insights: the ``notes``, ``speakers`` and ``invitees`` tables, from the digest.

Never from the archive: insights are not in it. Notes: one row per line of the AI note, then one per
action item (kind, text). Speakers: name, email, talk seconds, share of speaking time (%), snippets.
Invitees: name, email, cohost, attended (yes when they joined: not among the no-shows). Cells are
neutralised like every export's.
The JSON export carries the insights as an ``insights`` object (``bot.meetings.insights_to_json``).
"""

from __future__ import annotations

import csv
import io
import json

from bot.cards import Card, literal
from bot.chat.export_stream import neutralise
from bot.chat.exports import export_filename
from bot.context import Context
from bot.digest import Digest
from bot.meetings import Insights, Outcome, insights_to_json

INSIGHT_TABLES = {"notes": "summary", "speakers": "speakers", "invitees": "invitees"}  # table → its source
HEADERS = {
    "notes": ["kind", "text"],
    "speakers": ["name", "email", "talk_seconds", "share_percent", "snippets"],
    "invitees": ["name", "email", "cohost", "attended"],
}


def missing(insights: Insights | None, table: str) -> Outcome | None:
    """Why ``table`` cannot be exported (the source's outcome), or None when its data is there."""
    source = INSIGHT_TABLES[table]
    if insights is None:
        return Outcome(source, "failed", "Recap has not fetched this meeting's insights")
    outcome = insights.outcome(source)
    has = {"notes": insights.summary, "speakers": insights.speakers, "invitees": insights.invitees}[table]
    return None if outcome.available and has else outcome


def insight_table(insights: Insights, table: str) -> bytes:
    """The CSV of ``notes``, ``speakers`` or ``invitees`` (UTF-8, a header row first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[table])
    rows = {"notes": _notes, "speakers": _speakers, "invitees": _invitees}[table]
    for row in rows(insights):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _notes(insights: Insights):
    summary = insights.summary
    yield from (("note", line) for line in summary.note.splitlines() if line.strip())
    yield from (("action item", item) for item in summary.action_items)


def _speakers(insights: Insights):
    for speaker in insights.speakers.speakers:
        yield (speaker.name, speaker.email or "", round(speaker.talk_ms / 1000),
               round(speaker.share * 100, 1), speaker.snippets)


def _invitees(insights: Insights):
    absent = {(i.email.casefold(), i.display_name) for i in insights.no_shows or ()}
    for invitee in insights.invitees:
        attended = (invitee.email.casefold(), invitee.display_name) not in absent
        yield invitee.display_name, invitee.email, invitee.co_host, attended


def insights_json(insights: Insights | None) -> bytes:
    """The ``insights`` object of a JSON export (``null`` when Recap has none)."""
    return json.dumps(insights_to_json(insights) if insights is not None else None, ensure_ascii=False).encode()


def post_insight_table(ctx: Context, digest: Digest, table: str) -> None:
    """Post an insight table (``notes``, ``speakers``, ``invitees``) as CSV, or a card naming why it is unavailable."""
    why = missing(digest.insights, table)
    title = literal(digest.title, 80, hide_emails=True) or "the meeting"
    if why is not None:
        ctx.reply(unavailable_card(ctx, table, why))
        return
    start = digest.start.isoformat() if digest.start else None
    name = export_filename({"title": digest.title, "start": start}, "csv", table, timezone=ctx.timezone)
    ctx.reply_file(name, insight_table(digest.insights, table),
                   markdown=f"Export of the {table} table of **{title}** (archive {literal(digest.archive_id)}).")


def unavailable_card(ctx: Context, table: str, why: Outcome) -> Card:
    """The card for an insight table whose source is unavailable: which source, why, and what to do."""
    return ctx.card("error", title=f"No {table} table for this meeting",
                    what_happened=f"{why.line()}. Recap keeps what Webex gave when it first looked.",
                    what_to_do=TODO.get(why.status, TODO["other"]))


TODO = {
    "not_ready": "Webex publishes it some minutes after the meeting: type the export command again in 10 minutes.",
    "retry_later": "Webex asked to wait: type the export command again in 10 minutes.",
    "no_credential": "Ask the operator of Recap to configure the credential named above (README, Insight sources); "
                     "meetings recapped after that will have it.",
    "forbidden": "Ask the operator of Recap to grant the scope named above (README, Insight sources); meetings "
                 "recapped after that will have it.",
    "other": "The other tables are there: `export <id> csv attendance`, or JSON for everything.",
}
