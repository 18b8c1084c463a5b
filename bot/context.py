"""The collaborators a handler talks through: ``Services`` (one per process) and ``Context`` (one per job).

A handler never imports a Webex client or the queue: it replies with ``ctx.reply(card)`` or
``ctx.reply_file(...)``, fetches through ``ctx.webex("admin")``, schedules with ``ctx.schedule(...)``
and audits with ``ctx.audited(...)``. Replies go into the thread of the command (``parentId``).
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import WebexError
from bot.storage import Store, create_store
from bot.webex import WebexClient, WebexClients, bot_sdk, sdk_errors, webex_clients

log = logging.getLogger(__name__)
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
Scheduler = Callable[[str, dict, float | None], None]


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is (``GET /people/me``): to drop its own messages and strip its @mention."""

    id: str
    display_name: str
    emails: tuple[str, ...] = ()


class Services:
    """Process-wide collaborators built once from settings: the store, the Webex clients, the bot's identity."""

    def __init__(self, settings: Settings, *, store: Store | None = None, webex: WebexClients | None = None):
        self.settings = settings
        self.store = store or create_store(settings)
        # With OAuth refresh configured, the admin client refreshes its token through the database.
        self.webex = webex or webex_clients(settings, self.store)
        self._lock = threading.Lock()
        self._sdk = None
        self._identity: BotIdentity | None = None

    def bot_sdk(self):
        """The bot's webexpythonsdk client (used for multipart file uploads), created on first use."""
        with self._lock:
            if self._sdk is None:
                self._sdk = bot_sdk(self.settings)
            return self._sdk

    def bot_identity(self) -> BotIdentity:
        """The bot's own person record, fetched once per process."""
        if self._identity is None:
            me = self.webex.require("bot").get_json("people/me")
            self._identity = BotIdentity(str(me.get("id") or ""), str(me.get("displayName") or ""),
                                         tuple(me.get("emails") or ()))
        return self._identity

    def known_bot_id(self) -> str | None:
        """The bot's id when this process already knows it (never calls Webex)."""
        return self._identity.id if self._identity else None


@dataclass
class Context:
    """One job's view of the world: who asked, in which space and thread, and how to answer."""

    services: Services
    room_id: str | None = None
    person_id: str | None = None
    person_email: str | None = None
    room_type: str | None = None  # "direct" | "group", known once the message is fetched
    thread_id: str | None = None  # the thread's first message, used as parentId
    scheduler: Scheduler | None = field(default=None, repr=False)
    replies: list[str] = field(default_factory=list)  # ids of the messages posted by this job
    on_post: Callable[[], None] | None = field(default=None, repr=False)  # told before each post (job ledger)

    @property
    def settings(self) -> Settings:
        """The process settings."""
        return self.services.settings

    @property
    def store(self) -> Store:
        """The database."""
        return self.services.store

    @property
    def is_admin(self) -> bool:
        """Whether the person who asked is an authorised admin (``RECAP_ADMINS``)."""
        return self.settings.is_admin(self.person_email)

    @property
    def audience(self) -> str:
        """``direct`` (full view) only in a 1:1 space with an authorised admin; ``group`` everywhere else."""
        return "direct" if self.room_type == "direct" and self.is_admin else "group"

    @property
    def timezone(self) -> str:
        """The space's chosen time zone, else the default (``RECAP_TIMEZONE``)."""
        chosen = self.store.room_timezone(self.room_id) if self.room_id else None
        return chosen or self.settings.timezone

    def webex(self, role: str) -> WebexClient:
        """The Webex client for ``bot``, ``admin`` or ``compliance`` (a ``WebexAuthError`` when not configured)."""
        return self.services.webex.require(role)

    def has_credential(self, role: str) -> bool:
        """Whether a credential for ``role`` is configured."""
        return getattr(self.services.webex, role, None) is not None

    def bot_identity(self) -> BotIdentity:
        """Who the bot is."""
        return self.services.bot_identity()

    def reply(self, card: Any) -> str:
        """Post a card (its markdown as the fallback text) into the command's thread; return the message id."""
        body = {"roomId": self.room_id, "markdown": card.markdown,
                "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card.content}]}
        self._before_post()
        return self._posted(self.webex("bot").post_json("messages", self._threaded(body)))

    def reply_text(self, markdown: str) -> str:
        """Post a plain markdown message into the command's thread."""
        self._before_post()
        return self._posted(self.webex("bot").post_json("messages", self._threaded({"roomId": self.room_id,
                                                                                   "markdown": markdown})))

    def reply_file(self, filename: str, data: bytes, *, markdown: str) -> str:
        """Upload ``data`` as a file named ``filename`` (multipart) into the command's thread."""
        with tempfile.TemporaryDirectory(prefix="recap-upload-") as folder:
            path = Path(folder) / safe_filename(filename)
            path.write_bytes(data)
            self._before_post()
            with sdk_errors("bot"):
                message = self.services.bot_sdk().messages.create(
                    roomId=self.room_id, parentId=self.thread_id or None, markdown=markdown, files=[str(path)])
        return self._posted({"id": message.id})

    def schedule(self, task: str, payload: dict, delay: float | None = None) -> None:
        """Queue another job (by its name in the task table), optionally ``delay`` seconds from now."""
        if self.scheduler is None:
            raise RuntimeError("this context cannot schedule jobs")
        self.scheduler(task, payload, delay)

    def audit(self, command: str, ids: Iterable[str], outcome: str) -> None:
        """Write one audit line for this person and space."""
        self.store.audit(person_email=self.person_email, command=command, ids=ids, room_id=self.room_id,
                         outcome=outcome)

    @contextmanager
    def audited(self, command: str, ids: Iterable[str] = ()) -> Iterator[None]:
        """Audit the data access inside the block: ``ok``, or the error that ended it (then re-raised)."""
        ids = tuple(ids)
        try:
            yield
        except Exception as exc:
            self.audit(command, ids, outcome_of(exc))
            raise
        self.audit(command, ids, "ok")

    def _before_post(self) -> None:
        if self.on_post is not None:
            self.on_post()

    def _threaded(self, body: dict) -> dict:
        return {**body, "parentId": self.thread_id} if self.thread_id else body

    def _posted(self, message: dict) -> str:
        message_id = str(message.get("id") or "")
        self.replies.append(message_id)
        return message_id


def outcome_of(exc: BaseException) -> str:
    """A short audit outcome for an exception: its class, and the HTTP status for Webex errors."""
    if isinstance(exc, WebexError) and exc.status:
        return f"error: {type(exc).__name__} (HTTP {exc.status})"
    return f"error: {type(exc).__name__}"


def safe_filename(name: str) -> str:
    """A file name with only letters, digits, dot, dash and underscore (it becomes a path and a header)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "export"
    return cleaned[:120]
