"""Exports of an archive: CSV tables (attendance, joins, chats, polls, Q&A) and the whole archive as JSON.

Cells are text from meetings, so they are neutralised against spreadsheet formulas: a text cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's
advice for CSV injection). Commas, quotes and newlines are left to the ``csv`` module's quoting.
The bot writes an export into a file as the archive streams from Webex (``export_stream``), in the
same memory as a view; ``export_archive`` does the same for an archive already parsed (``recap export``).
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any, BinaryIO

from bot.cards import clean, zone
from bot.chat.export_stream import TABLES, ExportWriter, neutralise
from bot.digest import replay
from bot.meetings import Archive, feed_archive, parse_time
from bot.summaries import mask_emails

FORMATS = ("csv", "json")
TITLE_LENGTH = 40  # characters of the meeting title in a file name
_UNSAFE = re.compile(r"[^\w ,()&+'-]+")  # beyond letters, digits and these: path, quote, glob and control marks
__all__ = ["FORMATS", "TABLES", "export_archive", "export_filename", "export_stream", "file_title", "neutralise"]


class _Tee:
    """A binary source that copies every byte it hands the parser to ``out`` (the JSON export's raw archive)."""

    def __init__(self, source, out: BinaryIO):
        self.source, self.out = source, out

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.out.write(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 16):
            pass


def export_stream(source, out: BinaryIO, fmt: str, *, table: str = "attendance",
                  timezone: str = "UTC", insights: bytes | None = None) -> dict[str, Any]:
    """Write an export of the archive read from ``source`` (a binary stream of its JSON) to ``out``.

    Returns the archive's top-level fields (its title and id name the file). A JSON export ends with
    ``insights`` (JSON bytes, ``bot.chat.insight_exports.insights_json``) when given.
    """
    writer = ExportWriter(out, fmt, table=table, tz=zone(timezone))
    if fmt == "csv":
        feed_archive(source, writer)
        writer.finish()
        return writer.fields
    out.write(b'{"archive": ')
    tee = _Tee(source, out)
    feed_archive(tee, writer)
    tee.drain()
    out.write(b',\n"computed": ' + writer.computed(timezone))
    if insights is not None:
        out.write(b',\n"insights": ' + insights)
    out.write(b"}\n")
    return writer.fields


def export_archive(archive: Archive, fmt: str, *, table: str = "attendance", timezone: str = "UTC") -> str:
    """The export ``recap export`` prints: a CSV table, or the archive as JSON, of an archive parsed whole."""
    out = io.BytesIO()
    writer = ExportWriter(out, fmt, table=table, tz=zone(timezone))
    if fmt == "json":
        raw = archive.raw or {"archiveId": archive.archive_id, "title": archive.title}
        out.write(b'{"archive": ' + json.dumps(raw, ensure_ascii=False).encode("utf-8"))
    replay(archive, writer)
    if fmt == "csv":
        writer.finish()
    else:
        out.write(b',\n"computed": ' + writer.computed(timezone) + b"}\n")
    return out.getvalue().decode("utf-8")


def export_filename(archive: Archive | dict, fmt: str, table: str = "attendance", *, timezone: str = "UTC") -> str:
    """A short, readable file name: ``2026-12-05 Weekly sync - attendance.csv`` (``… Weekly sync.json``).

    The meeting's day is in ``timezone`` (the space's); the title keeps letters, digits and a few safe marks,
    loses any e-mail address, and is cut at a word. ``archive`` is a parsed archive, or the top-level fields
    an ``export_stream`` returned.
    """
    if isinstance(archive, dict):
        title, start = archive.get("title"), archive.get("start")
        start = parse_time(start) if isinstance(start, str) else None
    else:
        title, start = archive.title, archive.start
    day = start.astimezone(zone(timezone)).date().isoformat() if isinstance(start, datetime) else ""
    name = " ".join(part for part in (day, file_title(title if isinstance(title, str) else "")) if part)
    return f"{name} - {table}.csv" if fmt == "csv" else f"{name}.json"


def file_title(title: str, limit: int = TITLE_LENGTH) -> str:
    """A meeting title fit for a file name: no e-mail, nothing a file system or a header reads as special."""
    text = _UNSAFE.sub(" ", mask_emails(clean(title), " ")).strip(" .-")
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
        text = cut.strip(" .-")
    return text or "Meeting"
