"""Settings from the environment (and ``.env`` when present), validated once, with clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.errors import ConfigError

DEFAULT_API_URL = "https://webexapis.com/v1/"
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_DOMAIN = re.compile(r"^@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# SQLAlchemy's own URL pattern (sqlalchemy.engine.url._parse_url), so DATABASE_URL is judged as the engine will.
_DATABASE_URL = re.compile(r"""
    (?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)


class Secret(str):
    """A string that never shows itself in a repr, a log line or a traceback."""

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True)
class OAuthRefresh:
    """An integration's refresh credentials, used to mint admin access tokens."""

    client_id: str
    client_secret: Secret
    refresh_token: Secret


@dataclass(frozen=True)
class Settings:
    """Everything Recap reads from its environment; see README "Configuration"."""

    bot_token: Secret | None = None
    admin_token: Secret | None = None
    admin_oauth: OAuthRefresh | None = None
    compliance_token: Secret | None = None
    webhook_secret: Secret | None = None
    api_url: str = DEFAULT_API_URL
    public_url: str | None = None
    admins: tuple[str, ...] = ()
    timezone: str = "UTC"
    database_url: str = "sqlite:///recap.db"
    queue_url: str = "sqlite:///recap-queue.db"
    http_timeout: float = 30.0
    card_budget_bytes: int = 24_000
    recap_delay: float = 900.0  # seconds from "meeting ended" to the first look for its recap data
    recap_deadline: float = 86_400.0  # seconds after which an automatic recap gives up and says why
    job_lease: float = 60.0  # seconds a running job's claim lasts unless its worker renews it (a dead one cannot)
    webex_rate: float = 300.0  # Webex requests a minute per token, shared by every process (0: not paced)
    digest_ttl_days: float = 30.0  # how long a meeting's digest is kept (RECAP_DIGEST_TTL, in days)
    log_format: str = "text"  # RECAP_LOG_FORMAT: text, or json (one object a line)
    metrics_token: Secret | None = None  # RECAP_METRICS_TOKEN: when set, GET /metrics needs it as a Bearer token
    metrics_dir: str | None = None  # RECAP_METRICS_DIR: where the processes' counts meet (default: bot.metrics)
    extra: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sandbox(self) -> bool:
        """True when no bot token is configured: the bot runs against its own emulator."""
        return self.bot_token is None

    def is_admin(self, email: str | None) -> bool:
        """Whether ``email`` is an authorised admin (exact address or ``@domain`` entry)."""
        if not email:
            return False
        email = email.strip().lower()
        domain = "@" + email.rpartition("@")[2]
        return any(entry == email or entry == domain for entry in self.admins)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """Read and validate settings; the process environment wins over ``.env``."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls(**_parse(values))

    def replace(self, **changes) -> Settings:
        """A copy with some fields changed (tests use it to point at the emulator)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)


def _parse(env: Mapping[str, str]) -> dict:
    get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
    parsed = {
        "bot_token": _token(get, "WEBEX_BOT_TOKEN"),
        "admin_token": _token(get, "WEBEX_ADMIN_TOKEN"),
        "admin_oauth": _oauth(get),
        "compliance_token": _token(get, "WEBEX_COMPLIANCE_TOKEN"),
        "webhook_secret": _token(get, "WEBEX_WEBHOOK_SECRET"),
        "api_url": _url(get("WEBEX_API_URL") or DEFAULT_API_URL, "WEBEX_API_URL", trailing_slash=True),
        "public_url": _url(get("RECAP_PUBLIC_URL"), "RECAP_PUBLIC_URL") if get("RECAP_PUBLIC_URL") else None,
        "admins": _admins(get("RECAP_ADMINS") or ""),
        "timezone": _timezone(get("RECAP_TIMEZONE") or "UTC", "RECAP_TIMEZONE"),
        "database_url": _database_url(get("DATABASE_URL") or "sqlite:///recap.db"),
        "queue_url": _queue_url(get("QUEUE_URL") or "sqlite:///recap-queue.db"),
        "http_timeout": _number(get("RECAP_HTTP_TIMEOUT"), "RECAP_HTTP_TIMEOUT", 30.0, float, 1, 600),
        "card_budget_bytes": _number(get("RECAP_CARD_BUDGET"), "RECAP_CARD_BUDGET", 24_000, int, 2_000, 100_000),
        "recap_delay": _number(get("RECAP_RECAP_DELAY"), "RECAP_RECAP_DELAY", 900.0, float, 0, 86_400),
        "recap_deadline": _number(get("RECAP_RECAP_DEADLINE"), "RECAP_RECAP_DEADLINE", 86_400.0, float, 1,
                                  30 * 86_400),
        "job_lease": _number(get("RECAP_JOB_LEASE"), "RECAP_JOB_LEASE", 60.0, float, 2, 3600),
        "webex_rate": _number(get("RECAP_WEBEX_RATE"), "RECAP_WEBEX_RATE", 300.0, float, 0, 1_000_000),
        "digest_ttl_days": _number(get("RECAP_DIGEST_TTL"), "RECAP_DIGEST_TTL", 30.0, float, 0.01, 3660),
        "log_format": _choice(get("RECAP_LOG_FORMAT") or "text", "RECAP_LOG_FORMAT", ("text", "json")),
        "metrics_token": _token(get, "RECAP_METRICS_TOKEN"),
        "metrics_dir": get("RECAP_METRICS_DIR"),
        "extra": {k: v for k, v in env.items() if k.startswith("RECAP_")},
    }
    if parsed["admin_token"] and parsed["admin_oauth"]:
        raise ConfigError("set either WEBEX_ADMIN_TOKEN or the WEBEX_ADMIN_CLIENT_ID/_CLIENT_SECRET/_REFRESH_TOKEN "
                          "trio, not both")
    if parsed["recap_deadline"] < parsed["recap_delay"]:
        raise ConfigError(f"RECAP_RECAP_DEADLINE ({parsed['recap_deadline']:g} s) must not be shorter than "
                          f"RECAP_RECAP_DELAY ({parsed['recap_delay']:g} s)")
    if parsed["bot_token"] and not parsed["webhook_secret"]:
        raise ConfigError("WEBEX_WEBHOOK_SECRET is required when WEBEX_BOT_TOKEN is set: unsigned webhooks are refused")
    return parsed


def _token(get, name: str) -> Secret | None:
    value = get(name)
    if value is None:
        return None
    if any(ch.isspace() for ch in value) or len(value) < 8:
        # Never echo the value: it is a credential.
        raise ConfigError(f"{name} looks malformed (expected one unbroken token of at least 8 characters)")
    return Secret(value)


def _oauth(get) -> OAuthRefresh | None:
    names = ("WEBEX_ADMIN_CLIENT_ID", "WEBEX_ADMIN_CLIENT_SECRET", "WEBEX_ADMIN_REFRESH_TOKEN")
    present = [n for n in names if get(n)]
    if not present:
        return None
    if len(present) != len(names):
        missing = ", ".join(n for n in names if n not in present)
        raise ConfigError(f"admin OAuth refresh needs all of {', '.join(names)}; missing: {missing}")
    return OAuthRefresh(get(names[0]), _token(get, names[1]), _token(get, names[2]))


def _url(value: str, name: str, trailing_slash: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as https://example.com/, got {value!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def _admins(value: str) -> tuple[str, ...]:
    entries = [e.strip().lower() for e in re.split(r"[,\s;]+", value) if e.strip()]
    for entry in entries:
        if not (_EMAIL.match(entry) or _DOMAIN.match(entry)):
            raise ConfigError(f"RECAP_ADMINS entry {entry!r} is neither an e-mail address nor an @domain")
    return tuple(entries)


def _timezone(value: str, name: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} must be an IANA time zone such as Europe/Paris, got {value!r}") from None
    return value


def _database_url(value: str) -> str:
    # The shape SQLAlchemy's make_url accepts (bot.storage alone imports SQLAlchemy): scheme[+driver]://… with,
    # if present, a numeric port. Only the backend name is echoed, never the URL (it may hold a password).
    url = _DATABASE_URL.match(value)
    if url is None or url.group("port") is not None and not _is_int(url.group("port")):
        raise ConfigError("DATABASE_URL must be a SQLAlchemy URL such as sqlite:///recap.db or "
                          "postgresql+psycopg://user@host/db")
    backend = url.group("name").split("+")[0]
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must use sqlite or postgresql, got {backend!r}")
    return value


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _queue_url(value: str) -> str:
    scheme = urlsplit(value).scheme
    if scheme not in ("sqlite", "redis", "rediss", "memory"):
        raise ConfigError(f"QUEUE_URL must be sqlite:///FILE, redis://HOST:PORT/DB or memory://, got {value!r}")
    return value


def _choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value.lower() not in choices:
        raise ConfigError(f"{name} must be {' or '.join(choices)}, got {value!r}")
    return value.lower()


def _number(value, name, default, kind, low, high):
    if value is None:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name} must be a {kind.__name__} between {low} and {high}, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value!r}")
    return number
