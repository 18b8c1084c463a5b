"""``recap webhooks``: create or repair (sync), list and delete Recap's own Webex webhooks."""

from __future__ import annotations

import click

from bot.errors import ConfigError


@click.group()
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
