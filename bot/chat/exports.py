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
from typing import Any, BinaryIO

from bot.cards import zone
from bot.chat.export_stream import TABLES, ExportWriter, neutralise
from bot.digest import replay
from bot.meetings import Archive, feed_archive

FORMATS = ("csv", "json")
__all__ = ["FORMATS", "TABLES", "export_archive", "export_filename", "export_stream", "neutralise"]


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
                  timezone: str = "UTC") -> dict[str, Any]:
    """Write an export of the archive read from ``source`` (a binary stream of its JSON) to ``out``.

    Returns the archive's top-level fields (its title and id name the file).
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
    out.write(b',\n"computed": ' + writer.computed(timezone) + b"}\n")
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


def export_filename(archive: Archive | dict, fmt: str, table: str = "attendance") -> str:
    """A safe file name such as ``recap-weekly-sync-4E32…_R_1000637312-attendance.csv``.

    ``archive`` is a parsed archive, or the top-level fields an ``export_stream`` returned.
    """
    title, archive_id = ((archive.get("title"), archive.get("archiveId")) if isinstance(archive, dict)
                         else (archive.title, archive.archive_id))
    title, archive_id = title if isinstance(title, str) else "", archive_id if isinstance(archive_id, str) else ""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-")
    ident = re.sub(r"[^A-Za-z0-9_]+", "", archive_id)[:80]
    stem = "-".join(part for part in ("recap", slug, ident) if part)
    return f"{stem}-{table}.csv" if fmt == "csv" else f"{stem}.json"
