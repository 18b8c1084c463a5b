"""Realistic meeting data for the emulator and the benchmarks: archives, attendance, chats, names."""

from bot.sandbox.generator.meetings import (
    generate_archive,
    generate_archive_summaries,
    generate_meeting_chats,
    meeting_chats_from_archive,
)
from bot.sandbox.generator.text import HOSTILE_NAMES, HOSTILE_TEXTS

__all__ = [
    "HOSTILE_NAMES",
    "HOSTILE_TEXTS",
    "generate_archive",
    "generate_archive_summaries",
    "generate_meeting_chats",
    "meeting_chats_from_archive",
]
