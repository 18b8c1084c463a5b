"""``recap digests``: the stored meeting digests (what they are: README "Data retention"); purge them."""

from __future__ import annotations

import click


@click.group()
def digests() -> None:
    """The meeting digests Recap keeps so views and buttons need no new archive fetch."""


@digests.command("purge")
@click.option("--all", "everything", is_flag=True, help="Drop every digest, not only those past RECAP_DIGEST_TTL.")
def purge(everything: bool) -> None:
    """Drop digests older than RECAP_DIGEST_TTL (or all of them); the next view of such a meeting fetches it again."""
    from datetime import timedelta

    from bot.config import Settings
    from bot.storage import create_store

    settings = Settings.from_env()
    store = create_store(settings)
    try:
        dropped = store.purge_digests(older_than=None if everything else timedelta(days=settings.digest_ttl_days))
        click.echo(f"dropped {dropped} digest(s); {store.digest_count()} kept")
    finally:
        store.close()
