"""Recap's own Webex webhooks: create or repair them idempotently, list them, delete them.

Recap names every webhook it creates ``recap: <resource>/<event>`` and recognises its own by
that prefix (plus resource and event); every other webhook belongs to someone else and is never
changed or deleted. The bot token owns ``messages/created`` and ``attachmentActions/created``;
the admin credential owns the org-wide (``ownedBy: org``) ``meetings/ended``. All point at
``RECAP_PUBLIC_URL`` + ``/webhooks/webex`` and are signed with ``WEBEX_WEBHOOK_SECRET``.
Secrets are compared, never shown.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import ConfigError
from bot.webex.client import WebexClient, segment
from bot.webex.clients import WebexClients

PREFIX = "recap:"
WEBHOOK_PATH = "/webhooks/webex"


@dataclass(frozen=True)
class WantedWebhook:
    """A webhook Recap needs: which credential owns it, and for which event."""

    role: str
    resource: str
    event: str
    org: bool = False  # ownedBy: org (every meeting of the organisation)

    @property
    def name(self) -> str:
        """The name Recap gives it (and recognises it by)."""
        return f"{PREFIX} {self.resource}/{self.event}"


WANTED = (WantedWebhook("bot", "messages", "created"), WantedWebhook("bot", "attachmentActions", "created"),
          WantedWebhook("admin", "meetings", "ended", org=True))


@dataclass(frozen=True)
class Webhook:
    """A webhook as Recap shows it: never its secret, only whether it matches ours."""

    role: str
    id: str
    name: str
    resource: str
    event: str
    target_url: str
    status: str
    owned_by: str
    secret_matches: bool | None  # None: Webex did not show the secret, or we have none to compare

    @property
    def mine(self) -> bool:
        """Whether Recap created it (by its name)."""
        return self.name.strip().lower().startswith(PREFIX)

    def serves(self, wanted: WantedWebhook) -> bool:
        """Whether this is Recap's webhook for ``wanted``."""
        same_event = (self.resource, self.event) == (wanted.resource, wanted.event)
        return self.mine and self.role == wanted.role and same_event and (self.owned_by == "org") == wanted.org

    def line(self) -> str:
        """One line for ``recap webhooks list``."""
        secret = {True: "secret ok", False: "SECRET DIFFERS", None: "secret unknown"}[self.secret_matches]
        owner = "recap" if self.mine else "foreign"
        return (f"{self.role:<5}  {self.status:<8}  {owner:<7}  {self.resource}/{self.event}  {self.name!r}  "
                f"ownedBy={self.owned_by}  -> {self.target_url}  {secret}  {self.id}")


@dataclass(frozen=True)
class Change:
    """What sync or delete did to one webhook."""

    action: str  # created | updated | re-activated | unchanged | deleted | skipped
    role: str
    name: str
    webhook_id: str = ""
    detail: str = ""

    def line(self) -> str:
        """One line of output."""
        extra = f"  ({self.detail})" if self.detail else ""
        return f"{self.action:<12}  {self.role:<5}  {self.name}  {self.webhook_id}{extra}".rstrip()


def target_url(settings: Settings) -> str:
    """Where Webex must post: ``RECAP_PUBLIC_URL`` + ``/webhooks/webex`` (a ``ConfigError`` when unset)."""
    if not settings.public_url:
        raise ConfigError("RECAP_PUBLIC_URL is required: the public https address Webex posts webhooks to, "
                          "e.g. https://recap.example.com/")
    return settings.public_url.rstrip("/") + WEBHOOK_PATH


def list_webhooks(clients: WebexClients, secret: str | None = None, *,
                  roles: tuple[str, ...] = ("bot", "admin")) -> list[Webhook]:
    """Every webhook the bot and the admin credential can see (the admin's org-wide ones included)."""
    found: dict[str, Webhook] = {}
    for role, queries in (("bot", ({},)), ("admin", ({}, {"ownedBy": "org"}))):
        endpoint = _endpoint(clients, role)
        if endpoint is None or role not in roles:
            continue
        for query in queries:
            for item in endpoint.webhooks(query):
                found.setdefault(str(item.get("id")), _webhook(role, item, secret))
    return list(found.values())


def sync_webhooks(clients: WebexClients, settings: Settings) -> list[Change]:
    """Create, repair or re-activate Recap's webhooks so each exists once, active, at our target."""
    target, secret = target_url(settings), _secret(settings)
    hooks = list_webhooks(clients, secret)
    changes: list[Change] = []
    for wanted in WANTED:
        endpoint = _endpoint(clients, wanted.role)
        if endpoint is None:
            changes.append(Change("skipped", wanted.role, wanted.name, detail=f"no {wanted.role} credential "
                                  "configured (WEBEX_ADMIN_TOKEN or the WEBEX_ADMIN_CLIENT_* trio)"))
            continue
        ours = sorted((h for h in hooks if h.serves(wanted)), key=lambda h: (h.target_url != target,
                                                                             h.status != "active"))
        if not ours:
            changes.append(_create(endpoint, wanted, target, secret))
            continue
        changes.append(_repair(endpoint, wanted, ours[0], target, secret))
        for duplicate in ours[1:]:  # left over from an interrupted sync: ours, so safe to remove
            endpoint.delete_webhook(duplicate.id)
            changes.append(Change("deleted", wanted.role, duplicate.name, duplicate.id, "duplicate"))
    return changes


def delete_mine(clients: WebexClients) -> list[Change]:
    """Delete every webhook Recap created (by its name), and nothing else."""
    changes = []
    for hook in list_webhooks(clients):
        if hook.mine:
            _endpoint(clients, hook.role).delete_webhook(hook.id)
            changes.append(Change("deleted", hook.role, hook.name, hook.id))
    return changes


class AdminWebhooks:
    """The admin credential's webhooks through its HTTP client (the org-wide one needs ``ownedBy: org``)."""

    def __init__(self, client: WebexClient):
        self.client = client

    def webhooks(self, query: dict | None = None):
        """The webhooks the admin credential owns (``ownedBy=org`` for the organisation's)."""
        return self.client.paginate("webhooks", query or {})

    def create_webhook(self, body: dict) -> dict:
        """Create a webhook."""
        return self.client.post_json("webhooks", body)

    def update_webhook(self, webhook_id: str, body: dict) -> dict:
        """Change a webhook's name, targetUrl, secret or status."""
        return self.client.put_json(f"webhooks/{segment(webhook_id)}", body)

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook."""
        self.client.delete(f"webhooks/{segment(webhook_id)}")


def _endpoint(clients: WebexClients, role: str):
    """Where ``role``'s webhooks are managed: the bot's messaging client, the admin's HTTP client, or None."""
    if role == "bot":
        return clients.bot
    return AdminWebhooks(clients.admin) if clients.admin is not None else None


def _create(endpoint, wanted: WantedWebhook, target: str, secret: str) -> Change:
    body = {"name": wanted.name, "targetUrl": target, "resource": wanted.resource, "event": wanted.event,
            "secret": secret}
    if wanted.org:
        body["ownedBy"] = "org"
    created = endpoint.create_webhook(body)
    return Change("created", wanted.role, wanted.name, str(created.get("id") or ""), f"-> {target}")


def _repair(endpoint, wanted: WantedWebhook, hook: Webhook, target: str, secret: str) -> Change:
    fixes = [label for label, wrong in (("name", hook.name != wanted.name), ("targetUrl", hook.target_url != target),
                                        ("secret", hook.secret_matches is False)) if wrong]
    inactive = hook.status != "active"
    if not fixes and not inactive:
        return Change("unchanged", wanted.role, wanted.name, hook.id)
    # PUT changes only name, targetUrl, secret and status; status may only be set back to active.
    body = {"name": wanted.name, "targetUrl": target, "secret": secret}
    if inactive:
        body["status"] = "active"
    endpoint.update_webhook(hook.id, body)
    action = "re-activated" if inactive and not fixes else "updated"
    detail = ", ".join(fixes + (["re-activated"] if inactive and fixes else []))
    return Change(action, wanted.role, wanted.name, hook.id, detail)


def _webhook(role: str, item: dict, secret: str | None) -> Webhook:
    shown = item.get("secret")
    matches = None if not isinstance(shown, str) or not secret else hmac.compare_digest(shown.encode(), secret.encode())
    return Webhook(role, str(item.get("id") or ""), str(item.get("name") or ""), str(item.get("resource") or ""),
                   str(item.get("event") or ""), str(item.get("targetUrl") or ""), str(item.get("status") or "active"),
                   str(item.get("ownedBy") or "creator"), matches)


def _secret(settings: Settings) -> str:
    if not settings.webhook_secret:
        raise ConfigError("WEBEX_WEBHOOK_SECRET is required: Recap refuses unsigned webhook deliveries")
    return str(settings.webhook_secret)
