"""Exports written as an archive streams past: each CSV row, or the raw JSON, goes to a file as it comes.

An export needs every row (all joins, every poll response), so it is the one thing that reads an archive
whole, and it does so without holding it: ``ExportWriter`` is a sink for ``bot.meetings``' stream parser
(or is fed an archive already parsed) and writes rows as records pass. Only the chat table (sorted by
time) and the attendance table (a person's time is known once all their joins are in) keep their rows
until the end, and those are small beside the archive.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from bot.digest import Joins, chat_line, chat_summary, qa_item, question_stat
from bot.errors import UsageError
from bot.meetings import ArchiveChat, Participant
from bot.meetings.records import Poll, Question, SystemInfo

TABLES = ("attendance", "joins", "chats", "polls", "qa")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = {
    "attendance": ["name", "email", "first_join", "last_leave", "seconds_attended", "joins", "rejoins",
                   "joined_late", "left_early"],
    "joins": ["name", "email", "correlation_id", "joined", "left", "seconds"],
    "chats": ["time", "type", "sender", "target", "text"],
    "polls": ["poll", "poll_start", "question_number", "question", "question_type", "respondent", "email",
              "answers", "correct"],
    "qa": ["question_time", "type", "status", "asker", "question", "seconds_to_first_answer", "answer_time",
           "answerer", "answerer_email", "answer", "response_mode"],
}


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``; numbers stay numbers."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def when(value, tz: ZoneInfo) -> str:
    """An ISO 8601 time in ``tz``, or "" for none."""
    return value.astimezone(tz).isoformat() if value else ""


class ExportWriter:
    """A sink that writes one CSV table (or, for JSON, the computed attendance) to a binary file."""

    def __init__(self, out: BinaryIO, fmt: str, *, table: str = "attendance", tz: ZoneInfo):
        if fmt not in ("csv", "json"):
            raise UsageError(f"unknown export format {fmt!r}: use csv or json")
        if fmt == "csv" and table not in TABLES:
            raise UsageError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
        self.out, self.fmt, self.table, self.tz = out, fmt, table if fmt == "csv" else "attendance", tz
        self.fields: dict[str, Any] = {}
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True) if fmt == "csv" else None
        self._csv = csv.writer(self._text, lineterminator="\r\n") if self._text else None
        self._joins, self._lines, self._polls = Joins(), [], 0
        if self._csv:
            self._row(HEADERS[self.table])

    def _row(self, cells: Iterable) -> None:
        self._csv.writerow([neutralise(cell) for cell in cells])

    def field(self, name: str, value: Any) -> None:
        """A top-level scalar (the title and id name the file; start and end time the attendance)."""
        self.fields[name] = value

    def participant(self, item: Participant) -> None:
        """One join: a row of ``joins`` now, or kept for ``attendance``."""
        if self.table == "joins" and self._csv:
            seconds = int((item.left - item.joined).total_seconds()) if item.joined and item.left else ""
            self._row([item.display_name, item.email or "", "" if item.correlation_id is None else item.correlation_id,
                       when(item.joined, self.tz), when(item.left, self.tz), seconds])
        elif self.table == "attendance":
            self._joins.participants.append(item)

    def chat(self, item: ArchiveChat) -> None:
        """One chat line (kept: the table is sorted by time)."""
        if self.table == "chats" and self._csv:
            self._lines.append(chat_line(item))

    def poll(self, item: Poll) -> None:
        """One poll: a row per respondent and question, written now."""
        self._polls += 1
        if self.table != "polls" or not self._csv:
            return
        for number, question in enumerate((question_stat(q) for q in item.questions), start=1):
            correct = set(question.correct_answers)
            for r in question.responses:
                verdict = (set(r.answers) == correct) if correct else ""
                self._row([self._polls, when(item.start, self.tz), number, question.text, question.type,
                           r.display_name, r.email or "", "; ".join(r.answers), verdict])

    def question(self, item: Question) -> None:
        """One Q&A question: a row per answer (or one row without), written now."""
        if self.table != "qa" or not self._csv:
            return
        q = qa_item(item)
        head = [when(q.time, self.tz), q.type, q.status, q.asker, q.text,
                "" if q.first_answer_seconds is None else q.first_answer_seconds]
        if not q.answers:
            self._row(head + ["", "", "", "", ""])
        for a in q.answers:
            self._row(head + [when(a.time, self.tz), a.display_name, a.email or "", a.text, a.response_mode or ""])

    def system_info(self, item: SystemInfo) -> None:
        """Not part of any table."""

    def people(self) -> list:
        """The attendance of the joins seen, one entry per person."""
        return list(self._joins.attendance(self.fields).people)

    def finish(self) -> None:
        """Write what had to wait for the last record (attendance, the sorted chat); flush."""
        if self.table == "attendance" and self._csv:
            for p in self.people():
                self._row([p.name, p.email or "", when(p.first_join, self.tz), when(p.last_leave, self.tz),
                           p.seconds, p.joins, p.rejoins, p.late, p.left_early])
        if self.table == "chats" and self._csv:
            for line in chat_summary(sorted(self._lines, key=lambda c: (c.time is None, c.time))).lines:
                self._row([when(line.time, self.tz), line.type, line.sender, line.target, line.text])
        if self._text:
            self._text.flush()
            self._text.detach()

    def computed(self, timezone: str) -> bytes:
        """The JSON export's ``computed`` part: the zone and the attendance per person."""
        people = [{**asdict(p), "first_join": when(p.first_join, self.tz), "last_leave": when(p.last_leave, self.tz)}
                  for p in self.people()]
        return json.dumps({"timezone": timezone, "attendance": people}, indent=2, ensure_ascii=False,
                          default=str).encode("utf-8")
