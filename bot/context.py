"""The collaborators a handler talks through: ``Services`` (one per process) and ``Context`` (one per job).

A handler never imports a Webex client or the queue: it renders with ``ctx.card(...)`` or
``ctx.view(...)``, replies with ``ctx.reply(card)`` or ``ctx.reply_file(...)``, fetches through
``ctx.webex("admin")`` and ``ctx.bot``, schedules with ``ctx.schedule(...)`` and audits with
``ctx.audited(...)``. Replies go into the thread of the command (``parentId``).

A context is immutable: once a job knows who asked and where (the message it fetched, the
subscription it serves), it makes a new one with ``ctx.about(...)``. The audience of what it
shows follows from that (``audience_of``), or is given explicitly.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.cards import Card, render_card, render_view
from bot.config import Settings
from bot.digest import ChatTally, Digest, digest_for
from bot.errors import WebexError
from bot.meetings import Archive, MeetingChat
from bot.storage import Store, create_store
from bot.webex import Messaging, WebexClient, WebexClients, webex_clients

log = logging.getLogger(__name__)
Scheduler = Callable[[str, dict, float | None, str | None], None]  # (task, payload, delay, key)
DIRECT, GROUP = "direct", "group"


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
        self._identity: BotIdentity | None = None

    def bot_identity(self) -> BotIdentity:
        """The bot's own person record, fetched once per process."""
        with self._lock:
            if self._identity is None:
                me = self.webex.messaging().me()
                self._identity = BotIdentity(str(me.get("id") or ""), str(me.get("displayName") or ""),
                                             tuple(me.get("emails") or ()))
            return self._identity

    def known_bot_id(self) -> str | None:
        """The bot's id when this process already knows it (never calls Webex)."""
        return self._identity.id if self._identity else None


def audience_of(settings: Settings, room_type: str | None, person_email: str | None) -> str:
    """``direct`` (the full view) only in a 1:1 space with an authorised admin; ``group`` everywhere else."""
    return DIRECT if room_type == DIRECT and settings.is_admin(person_email) else GROUP


@dataclass(frozen=True)
class Context:
    """One job's view of the world: who asked, in which space and thread, and how to answer."""

    services: Services
    room_id: str | None = None
    person_id: str | None = None
    person_email: str | None = None
    room_type: str | None = None  # "direct" | "group", known once the message is fetched
    thread_id: str | None = None  # the thread's first message, used as parentId
    scheduler: Scheduler | None = field(default=None, repr=False)
    on_post: Callable[[], None] | None = field(default=None, repr=False)  # told before each post (job ledger)
    progress: dict = field(default_factory=dict, repr=False)  # what earlier attempts of this job got done
    typed: bool = False  # the command was typed (not a card button): it may refresh pending insights

    def about(self, **where) -> Context:
        """The same job, now knowing more of who asked and where (``room_id``, ``room_type``, ``thread_id``, …)."""
        return dataclasses.replace(self, **where)

    @property
    def settings(self) -> Settings:
        """The process settings."""
        return self.services.settings

    @property
    def store(self) -> Store:
        """The database."""
        return self.services.store

    @property
    def bot(self) -> Messaging:
        """The bot's Webex client: messages, card actions, people, rooms."""
        return self.services.webex.messaging()

    @property
    def is_admin(self) -> bool:
        """Whether the person who asked is an authorised admin (``RECAP_ADMINS``)."""
        return self.settings.is_admin(self.person_email)

    @property
    def audience(self) -> str:
        """Who sees what this job posts: ``direct`` or ``group`` (see ``audience_of``)."""
        return audience_of(self.settings, self.room_type, self.person_email)

    @property
    def timezone(self) -> str:
        """The space's chosen time zone, else the default (``RECAP_TIMEZONE``)."""
        chosen = self.store.room_timezone(self.room_id) if self.room_id else None
        return chosen or self.settings.timezone

    @property
    def privacy(self) -> str:
        """How much this space sees when it is a group space: ``names`` (the default) or ``counts``."""
        chosen = self.store.room_privacy(self.room_id) if self.room_id else None
        return chosen or "names"

    def webex(self, role: str) -> WebexClient:
        """The meeting-side client for ``admin`` or ``compliance`` (a ``WebexAuthError`` when not configured)."""
        return self.services.webex.require(role)

    def has_credential(self, role: str) -> bool:
        """Whether a credential for ``role`` is configured."""
        return getattr(self.services.webex, role, None) is not None

    def bot_identity(self) -> BotIdentity:
        """Who the bot is."""
        return self.services.bot_identity()

    def digest(self, archive_id: str) -> Digest:
        """The digest of an archive: stored once, then every view and button reads it (no new fetch)."""
        return digest_for(self.store, self.webex("admin"), archive_id,
                          ttl=timedelta(days=self.settings.digest_ttl_days), timezone=self.timezone)

    def card(self, kind: str, /, **context) -> Card:
        """A card answering a command (help, error, archives, refusal, subscription) within ``RECAP_CARD_BUDGET``."""
        return render_card(kind, budget_bytes=self.settings.card_budget_bytes, **context)

    def view(self, view: str, archive: Digest | Archive, *, audience: str | None = None,
             chats: ChatTally | Iterable[MeetingChat] | None = None, automatic: dict | None = None,
             sort: str | None = None) -> Card:
        """One view of a meeting for this space (or the ``audience`` given), at its privacy level, in its zone.

        ``automatic`` names the subscription that sent an automatic recap (``bot.cards.render_view``);
        ``sort`` orders the attendance view.
        """
        return render_view(view, archive, audience=audience or self.audience, timezone=self.timezone,
                           budget_bytes=self.settings.card_budget_bytes, chats=chats, privacy=self.privacy,
                           automatic=automatic, sort=sort)

    def reply(self, card: Card) -> str:
        """Post a card (its markdown as the fallback text) into the command's thread; return the message id."""
        self._before_post()
        return _id_of(self.bot.post(self.room_id, markdown=card.markdown, card=card.content,
                                    parent_id=self.thread_id))

    def reply_text(self, markdown: str) -> str:
        """Post a plain markdown message into the command's thread."""
        self._before_post()
        return _id_of(self.bot.post(self.room_id, markdown=markdown, parent_id=self.thread_id))

    def reply_file(self, filename: str, data: bytes | Path, *, markdown: str) -> str:
        """Upload ``data`` (bytes, or a file written already) as ``filename`` (multipart) into the command's thread."""
        with tempfile.TemporaryDirectory(prefix="recap-upload-") as folder:
            path = Path(folder) / safe_filename(filename)
            if isinstance(data, Path):
                data.replace(path)  # the same file system (the temporary folder): no copy of a large export
            else:
                path.write_bytes(data)
            self._before_post()
            return _id_of(self.bot.post_file(self.room_id, path, markdown=markdown, parent_id=self.thread_id))

    def schedule(self, task: str, payload: dict, delay: float | None = None, *, key: str | None = None) -> None:
        """Queue another job (by its name in the task table), optionally ``delay`` seconds from now.

        A ``key`` makes scheduling it again safe: the job of a key is queued once (``bot.jobs.runner``).
        """
        if self.scheduler is None:
            raise RuntimeError("this context cannot schedule jobs")
        self.scheduler(task, payload, delay, key)

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

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Run a command in this context: a failure that ends its job is reported here (``failed_in``)."""
        try:
            yield
        except Exception as exc:
            if not hasattr(exc, "recap_context"):
                exc.recap_context = self  # the innermost context knows the space and thread to answer in
            raise

    def _before_post(self) -> None:
        if self.on_post is not None:
            self.on_post()


def failed_in(exc: BaseException, default: Context) -> Context:
    """The context a failed command ran in (its space and thread), else ``default`` (the job's)."""
    found = getattr(exc, "recap_context", None)
    return found if isinstance(found, Context) else default


def _id_of(message: dict) -> str:
    return str(message.get("id") or "")


def outcome_of(exc: BaseException) -> str:
    """A short audit outcome for an exception: its class, and the HTTP status for Webex errors."""
    if isinstance(exc, WebexError) and exc.status:
        return f"error: {type(exc).__name__} (HTTP {exc.status})"
    return f"error: {type(exc).__name__}"


def safe_filename(name: str) -> str:
    """A file name with only letters, digits, spaces and ``._-,()&+'`` (it becomes a path and a header)."""
    cleaned = re.sub(r"[^\w .,()&+'-]+", "-", name).strip(". -") or "export"
    return cleaned[:120]
