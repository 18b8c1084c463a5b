"""``recap audit``, ``recap doctor`` and ``recap status``: what an operator asks of a running deployment.

Also the start-up checks of ``serve``, ``worker``, ``status`` and ``audit`` (``require_credentials``,
``require_reachable``): a missing token or an unreachable database or queue stops them with one line that
names the variable, in ``recap doctor``'s words, instead of a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from bot.errors import ConfigError, RecapError

if TYPE_CHECKING:
    from bot.config import Settings


@click.command()
@click.option("--since", default=None, help="Only lines since: YYYY-MM-DD, an ISO time, or a span like 7d or 12h.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit(since: str | None, fmt: str) -> None:
    """Print the audit log: who read which meeting data, in which space, when, and the outcome."""
    from bot.config import Settings
    from bot.storage import create_store

    settings = Settings.from_env()
    require_reachable(settings, queue=False)  # the audit log is in the database only
    store = create_store(settings)
    for record in store.audit_log(since=_since(since) if since else None):
        line = {"at": record.at.isoformat(timespec="seconds"), "person": record.person_email,
                "command": record.command, "ids": list(record.ids), "space": record.room_id,
                "outcome": record.outcome}
        click.echo(json.dumps(line) if fmt == "json" else "\t".join(
            [line["at"], line["person"] or "-", line["command"], ",".join(record.ids) or "-",
             line["space"] or "-", line["outcome"]]))


@click.command()
def doctor() -> None:
    """Check the database, the queue, each credential and the webhooks; exit 1 when any check FAILs."""
    from bot.cli.doctor import diagnose, failed
    from bot.config import Settings

    findings = diagnose(Settings.from_env())
    for finding in findings:
        click.echo(finding.line())
    if failed(findings):
        sys.exit(1)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(fmt: str) -> None:
    """Queue depth and both ledgers (jobs, recap deliveries); exit 1 when something is overdue."""
    from bot.cli.status import collect
    from bot.config import Settings

    settings = Settings.from_env()
    require_reachable(settings)
    found = collect(settings)
    click.echo(json.dumps(found.as_dict()) if fmt == "json" else "\n".join(found.lines()))
    if found.attention:
        sys.exit(1)


def require_credentials(settings: Settings, who: str) -> None:
    """Refuse to start ``who`` (``recap serve``…) without the bot's token and webhook secret, in one line."""
    for name, value in (("WEBEX_BOT_TOKEN", settings.bot_token), ("WEBEX_WEBHOOK_SECRET", settings.webhook_secret)):
        if not value:
            raise ConfigError(f"{name} is not set: {who} answers Webex and needs it (without a bot token, "
                              "`recap run` starts the offline sandbox)")


def require_reachable(settings: Settings, *, queue: bool = True) -> None:
    """Stop with one line (``recap doctor``'s, naming DATABASE_URL or QUEUE_URL) unless database and queue answer."""
    from bot.cli.doctor import FAIL, check_database, check_queue, check_schema
    from bot.storage import display_url

    finding, store = check_database(settings)
    if store is not None:
        try:
            finding = check_schema(store)  # SQLite upgrades itself here, once, before any fork
        finally:
            store.close()  # a server forks after this: no pooled connection may cross the fork
    if finding.verdict != FAIL and queue:
        finding = check_queue(settings)
    if finding.verdict == FAIL and finding.topic == "database schema" and finding.fix:
        raise ConfigError(f"DATABASE_URL {display_url(settings.database_url)}: the schema is {finding.message}: "
                          f"{finding.fix}")
    if finding.verdict == FAIL:
        raise RecapError(f"{finding.topic}: {finding.message} — {finding.fix}")


def _since(value: str):
    import re
    from datetime import UTC, datetime, timedelta

    span = re.fullmatch(r"(\d+)([dhm])", value.strip())
    if span:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[span.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(span.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, an ISO date-time, or a span like 7d, 12h, 30m",
                                 param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def print_stacks(signum: int | None = None, frame: object = None, *, out=None) -> None:
    """Every thread's stack, most recent call first, to stderr: ``recap worker``'s SIGUSR1 handler.

    A Python-level handler, not ``faulthandler.register``: that one walks other threads' frames from inside
    the C signal handler, which can crash the process when a thread is starting or ending at that moment
    (the consumer's threads, the HTTP pools' and the insight fetches' come and go). This one runs in the main
    thread between two bytecodes, where reading ``sys._current_frames()`` is safe.
    """
    import threading
    import traceback

    out = out or sys.stderr
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, top in sys._current_frames().items():
        print(f"Thread 0x{ident:016x} ({names.get(ident, '?')}) (most recent call first):", file=out)
        for entry in reversed(traceback.extract_stack(top)):
            print(f'  File "{entry.filename}", line {entry.lineno} in {entry.name}', file=out)
        print(file=out)
    out.flush()
