"""Log lines in one place: ``RECAP_LOG_FORMAT`` (text or json), the ids of what is being done, secrets redacted.

``configure(settings)`` gives the root logger one handler on stderr; ``recap serve`` (with gunicorn's error and
access logs, through ``adopt``), ``recap worker``, ``recap run``/``sandbox`` and ``create_app`` (when nothing
configured logging yet) all go through it. In json each line is one object: ``time``, ``level``, ``logger``,
``message``, then ``request_id`` (a web request), ``job_id`` and ``event_id`` (a job, a webhook event) when
known, and ``exception`` (the traceback). ``bound(...)`` sets those ids for the block it wraps, in this thread.

Whatever the format, every configured token and secret, any ``Bearer …`` value and a URL's password are
replaced by ``***`` before a line is written, tracebacks included.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TextIO

from bot.config import Settings

FORMATS = ("text", "json")
CONTEXT_FIELDS = ("request_id", "job_id", "event_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[^\s\"',;]+")
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):([^@/\s]+)@")
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("recap_log_context",
                                                                             default=MappingProxyType({}))


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """Every token and secret ``settings`` holds, longest first (each is replaced by ``***`` in a line)."""
    oauth = settings.admin_oauth
    values = (settings.bot_token, settings.admin_token, settings.compliance_token, settings.webhook_secret,
              settings.metrics_token, oauth.client_secret if oauth else None, oauth.refresh_token if oauth else None)
    # A secret of a few characters would mask those characters everywhere: such a value protects nothing anyway.
    return tuple(sorted({str(value) for value in values if value and len(str(value)) >= 4}, key=len, reverse=True))


class Redactor:
    """Replaces known secrets, ``Bearer`` values and URL passwords in a piece of text."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        self.secrets = secrets

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _BEARER.sub(rf"\g<1>{MASK}", text)
        return _URL_PASSWORD.sub(rf"\g<1>:{MASK}@", text)


class TextFormatter(logging.Formatter):
    """``TIME LEVEL logger: message [job_id=… event_id=…]``, the traceback below, secrets masked."""

    def __init__(self, redact: Redactor):
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The line (and traceback) for ``record``."""
        line = super().format(record)
        ids = " ".join(f"{name}={value}" for name, value in ids_of(record).items())
        if ids:
            first, newline, rest = line.partition("\n")
            line = f"{first} [{ids}]{newline}{rest}"
        return self.redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the ids bound now, the exception; secrets masked."""

    def __init__(self, redact: Redactor):
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The JSON line for ``record``."""
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": self.redact(record.getMessage())}
        line.update(ids_of(record))
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            line["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def ids_of(record: logging.LogRecord) -> Mapping[str, str]:
    """The ids bound where ``record`` was logged; for a gunicorn access line, the answer's ``X-Request-Id``."""
    ids = _context.get()
    atoms = record.args if isinstance(record.args, Mapping) else {}  # gunicorn's access-log values
    echoed = atoms.get("{x-request-id}o")
    if "request_id" not in ids and isinstance(echoed, str) and echoed not in ("", "-"):
        return {**ids, "request_id": echoed}
    return ids


class RecapHandler(logging.StreamHandler):
    """The handler ``configure`` puts on the root logger (recognised by its class, to replace it once)."""


def formatter_for(settings: Settings) -> logging.Formatter:
    """The formatter ``RECAP_LOG_FORMAT`` names, masking ``settings``' secrets."""
    redact = Redactor(secrets_of(settings))
    return JsonFormatter(redact) if settings.log_format == "json" else TextFormatter(redact)


def configure(settings: Settings, *, level: int = logging.INFO, stream: TextIO | None = None) -> RecapHandler:
    """Send every log record at ``level`` and above to ``stream`` (stderr) in the configured format; return the handler.

    Calling it again replaces the handler it added before (never one another library or pytest added).
    """
    handler = RecapHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(settings))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, RecapHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))  # its INFO is a page per start; ours says it
    return handler


def configure_once(settings: Settings, *, level: int = logging.INFO) -> None:
    """``configure`` unless the root logger has a handler already (a command, gunicorn's hook or pytest set one)."""
    if not logging.getLogger().handlers:
        configure(settings, level=level)


def adopt(*loggers: logging.Logger) -> None:
    """Give the handlers of ``loggers`` (gunicorn's error and access logs) the root handler's format and masking."""
    ours = next((h for h in logging.getLogger().handlers if isinstance(h, RecapHandler)), None)
    if ours is None:
        return
    for logger in loggers:
        for handler in logger.handlers:
            handler.setFormatter(ours.formatter)


@contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Within the block, this thread's lines carry ``ids`` (``request_id``, ``job_id``, ``event_id``; None: none)."""
    token = bind(**ids)
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: str | None) -> contextvars.Token:
    """Add ``ids`` to this thread's lines until ``unbind(token)`` (``bound`` is the block form)."""
    unknown = set(ids) - set(CONTEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown log fields: {', '.join(sorted(unknown))}")
    return _context.set(MappingProxyType({**_context.get(), **{name: str(v) for name, v in ids.items() if v}}))


def unbind(token: contextvars.Token) -> None:
    """Undo the ``bind`` that returned ``token``."""
    _context.reset(token)


def event_id_of(payload: Mapping) -> str | None:
    """The webhook event's data id in a job payload (an envelope), if it is one."""
    data = payload.get("data")
    event_id = data.get("id") if isinstance(data, dict) else None
    return event_id if isinstance(event_id, str) else None
