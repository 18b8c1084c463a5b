"""``recap render`` and ``recap export``: one view, or one export, of an archive-detail JSON file, offline."""

from __future__ import annotations

import json
from typing import IO

import click


@click.command()
@click.option("--archive", "archive_file", required=True, type=click.File("rb"),
              help="An archive-detail JSON file in the API's own format ('-' for stdin).")
@click.option("--view", type=click.Choice(["summary", "attendance", "polls", "qa", "chats"]), default="summary",
              show_default=True)
@click.option("--audience", type=click.Choice(["group", "direct"]), default="direct", show_default=True,
              help="group = privacy view for a group space; direct = full view for a 1:1 with an admin.")
@click.option("--timezone", "tz", default=None, help="IANA zone for times (default RECAP_TIMEZONE or UTC).")
@click.option("--format", "fmt", type=click.Choice(["card", "markdown"]), default="card", show_default=True)
def render(archive_file: IO[bytes], view: str, audience: str, tz: str | None, fmt: str) -> None:
    """Print the Adaptive Card JSON (or its markdown fallback) for one view of an archive, within RECAP_CARD_BUDGET."""
    from bot.cards import render_view
    from bot.config import Settings

    archive = _load_archive(archive_file)
    settings = Settings.from_env()
    card = render_view(view, archive, audience=audience, timezone=tz or settings.timezone,
                       budget_bytes=settings.card_budget_bytes)
    click.echo(card.markdown if fmt == "markdown" else json.dumps(card.content, indent=2, ensure_ascii=False))


@click.command("export")
@click.option("--archive", "archive_file", required=True, type=click.File("rb"),
              help="An archive-detail JSON file in the API's own format ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--table", type=click.Choice(["attendance", "joins", "chats", "polls", "qa"]), default="attendance",
              show_default=True, help="Which table, for CSV.")
@click.option("--timezone", "tz", default=None, help="IANA zone for times (default RECAP_TIMEZONE or UTC).")
def export_command(archive_file: IO[bytes], fmt: str, table: str, tz: str | None) -> None:
    """Print an export of an archive: one CSV table, or the whole archive as JSON."""
    from bot.chat import export_archive

    archive = _load_archive(archive_file)
    click.echo(export_archive(archive, fmt, table=table, timezone=tz or _default_timezone()), nl=False)


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
