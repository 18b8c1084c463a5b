"""The conversation: commands parsed from what people type, one handler per command or card action, exports."""

from bot.chat.commands import COMMANDS, Command, CommandUsageError, parse, parse_action, parse_words, split_words
from bot.chat.exports import TABLES, export_archive, export_filename, neutralise
from bot.chat.recovery import ABSENT, FOUND, UNKNOWABLE, answer_in_space
from bot.chat.text import mentions_in, same_person, strip_mention

__all__ = [
    "ABSENT",
    "COMMANDS",
    "Command",
    "CommandUsageError",
    "FOUND",
    "TABLES",
    "UNKNOWABLE",
    "answer_in_space",
    "export_archive",
    "export_filename",
    "mentions_in",
    "neutralise",
    "parse",
    "parse_action",
    "parse_words",
    "same_person",
    "split_words",
    "strip_mention",
]
