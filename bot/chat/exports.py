"""Exports of an archive: CSV tables (attendance, joins, chats, polls, Q&A) and the whole archive as JSON.

Cells are text from meetings, so they are neutralised against spreadsheet formulas: a text cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's
advice for CSV injection). Commas, quotes and newlines are left to the ``csv`` module's quoting.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import summaries
from bot.cards import zone
from bot.errors import UsageError
from bot.meetings import Archive

FORMATS = ("csv", "json")
TABLES = ("attendance", "joins", "chats", "polls", "qa")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``; numbers stay numbers."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat() if value else ""


def _attendance(archive: Archive, tz: ZoneInfo) -> Iterable[list]:
    yield ["name", "email", "first_join", "last_leave", "seconds_attended", "joins", "rejoins", "joined_late",
           "left_early"]
    for p in summaries.attendance(archive).people:
        yield [p.name, p.email or "", _when(p.first_join, tz), _when(p.last_leave, tz), p.seconds, p.joins,
               p.rejoins, p.late, p.left_early]


def _joins(archive: Archive, tz: ZoneInfo) -> Iterable[list]:
    yield ["name", "email", "correlation_id", "joined", "left", "seconds"]
    for j in archive.participants:
        seconds = int((j.left - j.joined).total_seconds()) if j.joined and j.left else ""
        yield [j.display_name, j.email or "", "" if j.correlation_id is None else j.correlation_id,
               _when(j.joined, tz), _when(j.left, tz), seconds]


def _chats(archive: Archive, tz: ZoneInfo) -> Iterable[list]:
    yield ["time", "type", "sender", "target", "text"]
    for line in summaries.chat_stats(archive).lines:
        yield [_when(line.time, tz), line.type, line.sender, line.target, line.text]


def _polls(archive: Archive, tz: ZoneInfo) -> Iterable[list]:
    yield ["poll", "poll_start", "question_number", "question", "question_type", "respondent", "email", "answers",
           "correct"]
    for poll in summaries.polls(archive):
        for number, q in enumerate(poll.questions, start=1):
            correct = set(q.correct_answers)
            for r in q.responses:
                verdict = (set(r.answers) == correct) if correct else ""
                yield [poll.number, _when(poll.start, tz), number, q.text, q.type, r.display_name, r.email or "",
                       "; ".join(r.answers), verdict]


def _qa(archive: Archive, tz: ZoneInfo) -> Iterable[list]:
    yield ["question_time", "type", "status", "asker", "question", "seconds_to_first_answer", "answer_time",
           "answerer", "answerer_email", "answer", "response_mode"]
    for q in summaries.qa(archive).questions:
        head = [_when(q.time, tz), q.type, q.status, q.asker, q.text,
                "" if q.first_answer_seconds is None else q.first_answer_seconds]
        if not q.answers:
            yield head + ["", "", "", "", ""]
        for a in q.answers:
            yield head + [_when(a.time, tz), a.display_name, a.email or "", a.text, a.response_mode or ""]


_TABLES = {"attendance": _attendance, "joins": _joins, "chats": _chats, "polls": _polls, "qa": _qa}


def export_csv(archive: Archive, table: str = "attendance", *, timezone: str = "UTC") -> str:
    """One CSV table of the archive, times as ISO 8601 in ``timezone``."""
    if table not in _TABLES:
        raise UsageError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _TABLES[table](archive, zone(timezone)):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def export_json(archive: Archive, *, timezone: str = "UTC") -> str:
    """The whole archive in the API's own format, plus the computed attendance per person."""
    tz = zone(timezone)
    original = archive.raw or {k: v for k, v in asdict(archive).items() if k != "raw"}
    people = [{**asdict(p), "first_join": _when(p.first_join, tz), "last_leave": _when(p.last_leave, tz)}
              for p in summaries.attendance(archive).people]
    document = {"archive": original, "computed": {"timezone": timezone, "attendance": people}}
    return json.dumps(document, indent=2, ensure_ascii=False, default=_jsonable) + "\n"


def export_archive(archive: Archive, fmt: str, *, table: str = "attendance", timezone: str = "UTC") -> str:
    """The export ``recap export`` prints and the bot posts: a CSV table, or the archive as JSON."""
    if fmt == "csv":
        return export_csv(archive, table, timezone=timezone)
    if fmt == "json":
        return export_json(archive, timezone=timezone)
    raise UsageError(f"unknown export format {fmt!r}: use csv or json")


def export_filename(archive: Archive, fmt: str, table: str = "attendance") -> str:
    """A safe file name such as ``recap-weekly-sync-4E32…_R_1000637312-attendance.csv``."""
    slug = re.sub(r"[^a-z0-9]+", "-", archive.title.lower()).strip("-")[:40].strip("-")
    ident = re.sub(r"[^A-Za-z0-9_]+", "", archive.archive_id)[:80]
    stem = "-".join(part for part in ("recap", slug, ident) if part)
    return f"{stem}-{table}.csv" if fmt == "csv" else f"{stem}.json"
