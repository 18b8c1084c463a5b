"""``recap sandbox``: the Webex emulator and the bot wired together on loopback, with the chat page in front.

Three servers in threads of one process: the emulator (its own port, always 127.0.0.1), the bot
(``create_app`` with the embedded job consumer, also 127.0.0.1: the emulator delivers webhooks to
this machine only) and the chat page (``--host``/``--port``). The bot is set up as in production,
only aimed at the emulator: sandbox tokens, a fresh webhook secret, ``RECAP_ADMINS`` = the
sandbox admin, SQLite state and queue in a temporary folder; it registers its two webhooks
through the emulator's real API with its bot token, then everything runs over HTTP. Before that, a first
run installs the page's card renderer into the user cache (``bot.sandbox.page.renderer_install``). The page has
no login: it answers only at its own address and takes changes only from itself
(``bot.sandbox.page.guard``); a ``--host`` beyond loopback gets a warning on stderr.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import create_app, jobs_of
from bot.config import Secret, Settings
from bot.jobs import Jobs
from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    USER_EMAIL,
    EmulatorState,
    create_emulator,
)
from bot.sandbox.page import (
    SANDBOX_RECAP_DEADLINE,
    SANDBOX_RECAP_DELAY,
    RendererSources,
    create_page_app,
    fetch_renderer,
    guard_of,
    is_loopback,
    serve_page,
)
from bot.sandbox.server import ServerThread, serve_in_thread
from bot.webex import Change, sync_webhooks

LOOPBACK = "127.0.0.1"
WEBHOOK_PATH = "/webhooks/webex"
log = logging.getLogger(__name__)


@dataclass
class Sandbox:
    """A running sandbox: its servers, the emulator's state, the bot's settings; ``stop()`` ends it all."""

    state: EmulatorState
    data_dir: Path
    own_data_dir: bool
    emulator: ServerThread | None = None
    bot: ServerThread | None = None
    page: ServerThread | None = None
    settings: Settings | None = None
    renderer: RendererSources | None = None
    webhooks: list[Change] = field(default_factory=list)
    consumer: object | None = None

    @property
    def url(self) -> str:
        """The chat page's address."""
        return self.page.url + "/"

    @property
    def token(self) -> str:
        """This run's page token: the page's API wants it in ``X-Recap-Sandbox-Token`` for every change."""
        return guard_of(self.page.app).token

    def stop(self) -> None:
        """Stop the page, the bot and its consumer (running jobs finish), the emulator; remove the temp folder."""
        for server in (self.page, self.bot):
            if server is not None:
                server.stop()
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        if self.emulator is not None:
            self.emulator.stop()
        if self.own_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def sandbox_settings(base: Settings, api_url: str, data_dir: Path) -> Settings:
    """``base`` (time zone, card budget, timeouts) with the sandbox's credentials, admins and storage."""
    return base.replace(bot_token=Secret(SANDBOX_BOT_TOKEN), admin_token=Secret(SANDBOX_ADMIN_TOKEN),
                        admin_oauth=None, compliance_token=Secret(SANDBOX_COMPLIANCE_TOKEN),
                        webhook_secret=Secret(secrets.token_hex(16)), api_url=api_url, public_url=None,
                        admins=(ADMIN_EMAIL,), database_url=f"sqlite:///{data_dir / 'recap.db'}",
                        queue_url=f"sqlite:///{data_dir / 'recap-queue.db'}",
                        recap_delay=SANDBOX_RECAP_DELAY, recap_deadline=SANDBOX_RECAP_DEADLINE)


def register_webhooks(jobs: Jobs, bot_url: str) -> list[Change]:
    """Register the bot's webhooks and the org's ``meetings/ended`` one exactly as ``recap webhooks sync`` does."""
    return sync_webhooks(jobs.services.webex, jobs.services.settings.replace(public_url=bot_url))


def start_sandbox(base: Settings | None = None, *, host: str = LOOPBACK, port: int = 8080, latency_ms: int = 0,
                  consumers: int = 2, renderer: RendererSources | None = None,
                  data_dir: Path | None = None, insights: str = "") -> Sandbox:
    """Start the emulator, the bot (with its consumer) and the chat page; port 0 picks a free one.

    ``insights`` switches insight sources off as ``recap emulator --insights`` does (``summaries=forbidden``).
    """
    base = base or Settings()
    folder = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="recap-sandbox-"))
    emulator_app = create_emulator(latency_ms=latency_ms)
    emulator_app.extensions["webex_emulator"].insights.apply_spec(insights)
    sandbox = Sandbox(emulator_app.extensions["webex_emulator"], folder, own_data_dir=data_dir is None)
    try:
        sandbox.renderer = renderer or RendererSources.resolve(base.extra)
        sandbox.emulator = serve_in_thread(emulator_app, LOOPBACK, 0)
        sandbox.settings = sandbox_settings(base, sandbox.emulator.api_url, folder)
        app = create_app(sandbox.settings)
        sandbox.bot = serve_in_thread(app, LOOPBACK, 0)
        # The embedded consumer, as `recap serve` starts it: jobs run in threads of this process.
        sandbox.consumer = jobs_of(app).start_consumer(consumers)
        sandbox.webhooks = register_webhooks(jobs_of(app), sandbox.bot.url)
        sandbox.page = serve_page(create_page_app(sandbox.state, sandbox.renderer), host, port)
    except BaseException:
        sandbox.stop()
        raise
    return sandbox


def banner(sandbox: Sandbox) -> str:
    """What ``recap sandbox`` prints: where to point the browser, and what runs behind it."""
    return "\n".join([
        "Recap sandbox: the bot and a built-in Webex emulator, offline on this machine.",
        f"  chat page:  {sandbox.url}   <- open this in your browser",
        f"  people:     {ADMIN_EMAIL} (authorised admin), {USER_EMAIL} (ordinary user)",
        f"  bot:        {sandbox.bot.url}{WEBHOOK_PATH} (its webhooks are registered with the emulator)",
        f"  emulator:   {sandbox.emulator.api_url} (state: {sandbox.emulator.url}/_emulator/state)",
        f"  cards:      drawn by Microsoft's Adaptive Cards renderer, {sandbox.renderer.describe()}",
        "Press Ctrl-C to stop.",
    ])


def exposure_warning(host: str) -> str | None:
    """What to say when the page listens beyond loopback (None when it does not)."""
    if is_loopback(host):
        return None
    return (f"WARNING: the chat page listens on {host}, not only on this machine's loopback, and it has no login: "
            "anyone who can reach it can drive the bot (post as the admin, press card buttons, end meetings). "
            f"It answers only to the Host {host} or a loopback name (localhost, 127.0.0.1, [::1]) with its port. "
            "Keep the default --host 127.0.0.1 unless you mean this.")


def run_sandbox(base: Settings, *, host: str, port: int, latency_ms: int = 0,
                echo: Callable[[str], object] = print, insights: str = "") -> None:
    """Start the sandbox, print the banner (and, on stderr, a warning for a non-loopback host), serve until stopped.

    On a first run without a local renderer it is fetched into the user cache first (one progress line, bounded).
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    renderer = fetch_renderer(base.extra)
    sandbox = start_sandbox(base, host=host, port=port, latency_ms=latency_ms, renderer=renderer, insights=insights)
    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        echo(banner(sandbox))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        echo("stopping…")
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()


def _interrupt(signum, frame) -> None:
    # SIGTERM (a process manager, a test) stops the sandbox the same way Ctrl-C does.
    raise KeyboardInterrupt
