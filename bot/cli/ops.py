"""``recap audit``, ``recap doctor`` and ``recap status``: what an operator asks of a running deployment."""

from __future__ import annotations

import json
import sys

import click


@click.command()
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

    found = collect(Settings.from_env())
    click.echo(json.dumps(found.as_dict()) if fmt == "json" else "\n".join(found.lines()))
    if found.attention:
        sys.exit(1)


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
