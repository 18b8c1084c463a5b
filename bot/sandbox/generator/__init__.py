"""Realistic meeting data for the emulator and the benchmarks: archives, attendance, chats, names, insights."""

from bot.sandbox.generator.insights import attendees_of, generate_insights, insight_seed
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
    "attendees_of",
    "generate_archive",
    "generate_archive_summaries",
    "generate_insights",
    "generate_meeting_chats",
    "insight_seed",
    "meeting_chats_from_archive",
]
