"""Exports of a meeting's insights: the ``speakers`` and ``invitees`` tables, from the digest (never the archive).

Speakers: name, email, talk seconds, share of speaking time (%), snippets. Invitees: name, email, cohost,
attended (yes when they joined: not among the no-shows). Cells are neutralised like every export's.
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

INSIGHT_TABLES = {"speakers": "speakers", "invitees": "invitees"}  # table → the insight source it needs
HEADERS = {
    "speakers": ["name", "email", "talk_seconds", "share_percent", "snippets"],
    "invitees": ["name", "email", "cohost", "attended"],
}


def missing(insights: Insights | None, table: str) -> Outcome | None:
    """Why ``table`` cannot be exported (the source's outcome), or None when its data is there."""
    source = INSIGHT_TABLES[table]
    if insights is None:
        return Outcome(source, "failed", "Recap has not fetched this meeting's insights")
    outcome = insights.outcome(source)
    has = insights.speakers if table == "speakers" else insights.invitees
    return None if outcome.available and has else outcome


def insight_table(insights: Insights, table: str) -> bytes:
    """The CSV of ``speakers`` or ``invitees`` (UTF-8, a header row first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[table])
    for row in _speakers(insights) if table == "speakers" else _invitees(insights):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8")


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
    """Post the ``speakers`` or ``invitees`` CSV of a digest, or a card naming why that source is unavailable."""
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
