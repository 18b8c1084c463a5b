"""The ``recap`` command line: run the bot or its sandbox, serve the emulator, render and export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.errors import ConfigError, RecapError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Recap, the meeting-recap bot for Webex administrators."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of archive-detail and post-meeting-chat JSON files (see README).")
@click.option("--latency-ms", default=0, show_default=True, type=int, help="Delay added to every response.")
@click.option("--rate-limit", default=0, show_default=True, type=click.IntRange(min=0),
              help="Requests per minute allowed to each token, then 429 with Retry-After (0: no limit).")
def emulator(host: str, port: int, fixtures_dir: Path | None, latency_ms: int, rate_limit: int) -> None:
    """Serve the Webex API emulator standalone (sandbox tokens in the README)."""
    from bot.sandbox.emulator import create_emulator
    from bot.sandbox.server import serve_forever

    try:
        app = create_emulator(fixtures_dir=fixtures_dir, latency_ms=latency_ms)
    except ValueError as exc:  # a fixture file that is not the API's JSON; the message names it
        raise click.BadParameter(str(exc), param_hint="--fixtures") from None
    if rate_limit:
        from bot.sandbox.emulator import RateLimit

        app.extensions["webex_emulator"].rate_limit = RateLimit(rate_limit)
    serve_forever(app, host, port, banner="Webex emulator")


@main.command()
@click.option("--archive", "archive_file", required=True, type=click.File("rb"),
              help="An archive-detail JSON file in the API's own format ('-' for stdin).")
@click.option("--view", type=click.Choice(["summary", "attendance", "polls", "qa", "chats"]), default="summary",
              show_default=True)
@click.option("--audience", type=click.Choice(["group", "direct"]), default="direct", show_default=True,
              help="group = privacy view for a group space; direct = full view for a 1:1 with an admin.")
@click.option("--timezone", "tz", default=None, help="IANA zone for times (default RECAP_TIMEZONE or UTC).")
@click.option("--format", "fmt", type=click.Choice(["card", "markdown"]), default="card", show_default=True)
def render(archive_file, view: str, audience: str, tz: str | None, fmt: str) -> None:
    """Print the Adaptive Card JSON (or its markdown fallback) for one view of an archive."""
    from bot.cards import render_view

    archive = _load_archive(archive_file)
    card = render_view(view, archive, audience=audience, timezone=tz or _default_timezone())
    click.echo(card.markdown if fmt == "markdown" else json.dumps(card.content, indent=2, ensure_ascii=False))


@main.command("export")
@click.option("--archive", "archive_file", required=True, type=click.File("rb"),
              help="An archive-detail JSON file in the API's own format ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--table", type=click.Choice(["attendance", "joins", "chats", "polls", "qa"]), default="attendance",
              show_default=True, help="Which table, for CSV.")
@click.option("--timezone", "tz", default=None, help="IANA zone for times (default RECAP_TIMEZONE or UTC).")
def export_command(archive_file, fmt: str, table: str, tz: str | None) -> None:
    """Print an export of an archive: one CSV table, or the whole archive as JSON."""
    from bot.chat import export_archive

    archive = _load_archive(archive_file)
    click.echo(export_archive(archive, fmt, table=table, timezone=tz or _default_timezone()), nl=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for the webhook endpoint.")
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@click.option("--consumers", default=2, show_default=True, type=int,
              help="Job consumer threads inside the web process (0: run `recap worker` separately).")
def serve(host: str, port: int, threads: int, consumers: int) -> None:
    """Run the bot: webhooks under gunicorn, with the job consumer in the same process."""
    from bot.cli.serve import serve as serve_forever
    from bot.config import Settings

    serve_forever(Settings.from_env(), host=host, port=port, threads=threads, consumer_workers=consumers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface for the chat page (the bot and the emulator stay on 127.0.0.1).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port of the chat page (0 picks a free one).")
@click.option("--latency-ms", default=0, show_default=True, type=int,
              help="Delay the emulator adds to every Webex call.")
def sandbox(host: str, port: int, latency_ms: int) -> None:
    """Run the bot offline against the built-in Webex emulator, with a chat page in the browser."""
    from bot.cli.sandbox import run_sandbox
    from bot.config import Settings

    try:
        run_sandbox(Settings.from_env(), host=host, port=port, latency_ms=latency_ms, echo=click.echo)
    except OSError as exc:  # most often: the port is taken
        raise click.ClickException(f"cannot serve the chat page on {host}:{port}: {exc.strerror or exc}; "
                                   "try another --port (0 picks a free one)") from None


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=None, type=int,
              help="Port: default 8000 for the bot, 8080 for the sandbox's chat page; 0 picks a free one.")
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int | None) -> None:
    """Run the bot (as `serve`) when WEBEX_BOT_TOKEN is configured, else the offline sandbox."""
    from bot.config import Settings

    if Settings.from_env().sandbox:
        ctx.invoke(sandbox, host=host, port=8080 if port is None else port)
    else:
        ctx.invoke(serve, host=host, port=8000 if port is None else port)


@main.command()
@click.option("--workers", default=2, show_default=True, type=int, help="Consumer threads.")
def worker(workers: int) -> None:
    """Run the job consumer alone (the Procfile's ``worker:`` process); SIGUSR1 prints every thread's stack."""
    import faulthandler
    import logging
    import signal

    from bot.config import Settings
    from bot.jobs import create_jobs

    jobs = create_jobs(Settings.from_env())
    if jobs.huey.immediate:
        raise ConfigError("QUEUE_URL=memory:// runs jobs inline; a worker needs sqlite:///FILE or redis://")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: where is a stuck worker stuck?
    jobs.consumer(workers).run()


@main.command()
@click.option("--since", default=None, help="Only lines since: YYYY-MM-DD, an ISO time, or a span like 7d or 12h.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit(since: str | None, fmt: str) -> None:
    """Print the audit log: who read which meeting data, in which space, when, and the outcome."""
    from bot.config import Settings
    from bot.storage import create_store

    store = create_store(Settings.from_env())
    for record in store.audit_log(since=_since(since) if since else None):
        line = {"at": record.at.isoformat(timespec="seconds"), "person": record.person_email,
                "command": record.command, "ids": list(record.ids), "space": record.room_id,
                "outcome": record.outcome}
        click.echo(json.dumps(line) if fmt == "json" else "\t".join(
            [line["at"], line["person"] or "-", line["command"], ",".join(record.ids) or "-",
             line["space"] or "-", line["outcome"]]))


@main.group()
def webhooks() -> None:
    """Recap's Webex webhooks: sync (create or repair), list, delete --mine."""


@webhooks.command("sync")
def webhooks_sync() -> None:
    """Create or repair Recap's webhooks (idempotent); print what changed, one line each."""
    from bot.webex import sync_webhooks, target_url

    settings = _live_settings()
    target_url(settings)  # a missing RECAP_PUBLIC_URL stops here, before any call
    for change in sync_webhooks(_webex(settings), settings):
        click.echo(change.line())


@webhooks.command("list")
def webhooks_list() -> None:
    """Print the webhooks the bot and the admin credential see (secrets never shown)."""
    from bot.webex import list_webhooks

    settings = _live_settings()
    hooks = list_webhooks(_webex(settings), str(settings.webhook_secret or "") or None)
    for hook in hooks:
        click.echo(hook.line())
    if not hooks:
        click.echo("no webhooks")


@webhooks.command("delete")
@click.option("--mine", is_flag=True, help="Delete the webhooks Recap created (required: it never deletes others).")
def webhooks_delete(mine: bool) -> None:
    """Delete Recap's own webhooks (named "recap: …"); webhooks of anyone else are left alone."""
    from bot.webex import delete_mine

    if not mine:
        raise click.UsageError("say `recap webhooks delete --mine`: Recap only deletes the webhooks it created")
    changes = delete_mine(_webex(_live_settings()))
    for change in changes:
        click.echo(change.line())
    if not changes:
        click.echo("no Recap webhooks to delete")


@main.command()
def doctor() -> None:
    """Check the database, the queue, each credential and the webhooks; exit 1 when any check FAILs."""
    from bot.cli.doctor import diagnose, failed
    from bot.config import Settings

    findings = diagnose(Settings.from_env())
    for finding in findings:
        click.echo(finding.line())
    if failed(findings):
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(fmt: str) -> None:
    """Queue depth and both ledgers (jobs, recap deliveries); exit 1 when something is overdue."""
    import json

    from bot.cli.status import collect
    from bot.config import Settings

    found = collect(Settings.from_env())
    click.echo(json.dumps(found.as_dict()) if fmt == "json" else "\n".join(found.lines()))
    if found.attention:
        sys.exit(1)


def _live_settings():
    from bot.config import Settings

    settings = Settings.from_env()
    if settings.sandbox:
        raise ConfigError("WEBEX_BOT_TOKEN is not set: webhooks are managed for a real bot (the sandbox registers "
                          "its own)")
    return settings


def _webex(settings):
    from bot.storage import create_store
    from bot.webex import WebexClients, webex_clients

    # Only OAuth refresh needs the database (the shared token lives there).
    return webex_clients(settings, create_store(settings)) if settings.admin_oauth else WebexClients(settings)


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


def _load_archive(handle):
    from bot.meetings import parse_archive

    try:
        data = json.loads(handle.read())
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--archive") from None
    if not isinstance(data, dict):
        raise click.BadParameter("expected one archive-detail JSON object", param_hint="--archive")
    return parse_archive(data)


def _default_timezone() -> str:
    from bot.config import Settings

    return Settings.from_env().timezone


def run() -> None:
    """Entry point that turns Recap's own errors into a one-line message and exit code 2."""
    try:
        main(standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"configuration error: {exc}", err=True)
        sys.exit(2)
    except RecapError as exc:
        hint = getattr(exc, "hint", "")
        click.echo(f"error: {exc}" + (f"\n  hint: {hint}" if hint else ""), err=True)
        sys.exit(1)
