"""The conversation: commands parsed from what people type, one handler per command or card action, exports."""

from bot.chat.arguments import CommandUsageError
from bot.chat.commands import COMMANDS, Command, parse, parse_action, parse_words, split_words
from bot.chat.exports import TABLES, export_archive, export_filename, neutralise
from bot.chat.handlers import handle_event, report_failure
from bot.chat.recovery import ABSENT, FOUND, UNKNOWABLE, answer_in_space
from bot.chat.text import mentions_in, strip_mention

__all__ = [
    "ABSENT", "COMMANDS", "FOUND", "TABLES", "UNKNOWABLE", "Command", "CommandUsageError", "answer_in_space",
    "export_archive", "export_filename", "handle_event", "mentions_in", "neutralise", "parse", "parse_action",
    "parse_words", "report_failure", "split_words", "strip_mention",
]
