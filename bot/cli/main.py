"""The ``recap`` command line: run the bot, its worker or its sandbox, serve the emulator; the other commands.

The commands that run something live here; ``files`` (render, export), ``ops`` (audit, doctor, status) and
``webhooks`` hold the rest, each added to the group below.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.db import db
from bot.cli.digests import digests
from bot.cli.files import export_command, render
from bot.cli.ops import audit, doctor, status
from bot.cli.webhooks import webhooks
from bot.errors import ConfigError, RecapError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="recap-bot", prog_name="recap")
def main() -> None:
    """Recap, the meeting-recap bot for Webex administrators."""


INSIGHTS_HELP = ("Make insight sources fail: summaries, transcripts, recordings, invitees or all, each "
                 "=forbidden (403), =missing (404), =empty or =late:SECONDS (none until then), e.g. "
                 "summaries=forbidden,recordings=late:600.")


def switch_insights(emulator_state, spec: str) -> None:
    """Apply ``--insights`` to an emulator's state (None: only check it); a bad value is a usage error."""
    from bot.sandbox.emulator.insight_store import InsightStore

    try:
        (emulator_state.insights if emulator_state is not None else InsightStore()).apply_spec(spec)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--insights") from None


for _command in (render, export_command, audit, doctor, status, webhooks, digests, db):
    main.add_command(_command)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--fixtures", "fixtures_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of archive-detail and post-meeting-chat JSON files (see README).")
@click.option("--latency-ms", default=0, show_default=True, type=int, help="Delay added to every response.")
@click.option("--rate-limit", default=0, show_default=True, type=click.IntRange(min=0),
              help="Requests per minute allowed to each token, then 429 with Retry-After (0: no limit).")
@click.option("--insights", "insight_switches", default="", metavar="SOURCE=MODE,…",
              help=INSIGHTS_HELP)
def emulator(host: str, port: int, fixtures_dir: Path | None, latency_ms: int, rate_limit: int,
             insight_switches: str) -> None:
    """Serve the Webex API emulator standalone (sandbox tokens in the README)."""
    from bot.sandbox.emulator import create_emulator
    from bot.sandbox.server import serve_forever

    try:
        app = create_emulator(fixtures_dir=fixtures_dir, latency_ms=latency_ms)
    except ValueError as exc:  # a fixture file that is not the API's JSON; the message names it
        raise click.BadParameter(str(exc), param_hint="--fixtures") from None
    switch_insights(app.extensions["webex_emulator"], insight_switches)
    if rate_limit:
        from bot.sandbox.emulator import RateLimit

        app.extensions["webex_emulator"].rate_limit = RateLimit(rate_limit)
    serve_forever(app, host, port, banner="Webex emulator")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for the webhook endpoint.")
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@click.option("--consumers", default=2, show_default=True, type=int,
              help="Job consumer threads inside the web process (0: run `recap worker` separately).")
def serve(host: str, port: int, threads: int, consumers: int) -> None:
    """Run the bot: webhooks under gunicorn, with the job consumer in the same process."""
    from bot import logs
    from bot.cli.ops import require_credentials, require_reachable
    from bot.cli.serve import serve as serve_forever
    from bot.config import Settings

    settings = Settings.from_env()
    require_credentials(settings, "`recap serve`")
    require_reachable(settings)  # here, before gunicorn forks: a worker that fails to boot says it ten times
    logs.configure(settings)
    serve_forever(settings, host=host, port=port, threads=threads, consumer_workers=consumers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface for the chat page (the bot and the emulator stay on 127.0.0.1).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port of the chat page (0 picks a free one).")
@click.option("--latency-ms", default=0, show_default=True, type=int,
              help="Delay the emulator adds to every Webex call.")
@click.option("--insights", "insight_switches", default="", metavar="SOURCE=MODE,…", help=INSIGHTS_HELP)
def sandbox(host: str, port: int, latency_ms: int, insight_switches: str = "") -> None:
    """Run the bot offline against the built-in Webex emulator, with a chat page in the browser."""
    import logging

    from bot import logs
    from bot.cli.sandbox import run_sandbox
    from bot.config import Settings

    settings = Settings.from_env()
    switch_insights(None, insight_switches)  # a bad value stops here, before anything starts
    logs.configure(settings, level=logging.WARNING)  # the banner stays readable: only what goes wrong
    try:
        run_sandbox(settings, host=host, port=port, latency_ms=latency_ms, echo=click.echo,
                    insights=insight_switches)
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
    import signal

    from bot import logs, metrics
    from bot.cli.ops import print_stacks, require_credentials, require_reachable
    from bot.config import Settings
    from bot.jobs import create_jobs

    settings = Settings.from_env()
    require_credentials(settings, "`recap worker`")
    require_reachable(settings)
    jobs = create_jobs(settings)
    if jobs.huey.immediate:
        raise ConfigError("QUEUE_URL=memory:// runs jobs inline; a worker needs sqlite:///FILE or redis://")
    logs.configure(settings)
    metrics.setup(settings, sweep=True)
    signal.signal(signal.SIGUSR1, print_stacks)  # `kill -USR1 PID`: where is a stuck worker stuck?
    jobs.consumer(workers).run()


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
