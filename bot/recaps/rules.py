"""Subscription rules: what ``subscribe host|site|all`` stores, and which spaces a meeting's recap goes to.

Pure functions, no I/O. A rule is ``host`` + the host's e-mail address, ``site`` + the Webex site
(``example.webex.com``), or ``all``. Values are normalised the same way when a rule is stored and
when a meeting is matched (lowercase; a site without scheme, path or port), so
``subscribe site https://Example.webex.com/meet`` matches a meeting on ``example.webex.com``.
A space holding several rules that match one meeting is still one target: one recap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

KINDS = ("host", "site", "all")
_EMAIL = re.compile(r"^[^@\s<>\"'`,;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_SITE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
MAX_VALUE = 320


@dataclass(frozen=True)
class Rule:
    """A validated, normalised subscription rule."""

    kind: str
    value: str = ""

    def describe(self) -> str:
        """``host alice@example.com``, ``site example.webex.com`` or ``all``."""
        return f"{self.kind} {self.value}" if self.value else self.kind


@dataclass(frozen=True)
class Target:
    """A space that gets the recap of one meeting, and the subscriptions that put it there.

    ``rule`` is the first one's (``subscription_ids[0]``): the recap names it in its "Sent because" line.
    """

    room_id: str
    room_type: str
    subscriber: str | None
    subscription_ids: tuple[int, ...]
    rule: Rule = Rule("all")

    def sent_by(self) -> dict:
        """The subscription an automatic recap names (``bot.cards.render_view``'s ``automatic``)."""
        return {"kind": self.rule.kind, "value": self.rule.value, "id": self.subscription_ids[0]}


def normalise_email(value: str | None) -> str | None:
    """A lowercase e-mail address, or None when ``value`` is not one."""
    value = (value or "").strip().strip("<>").lower()
    if value.startswith("mailto:"):
        value = value[len("mailto:"):]
    return value if len(value) <= MAX_VALUE and _EMAIL.match(value) else None


def normalise_site(value: str | None) -> str | None:
    """A Webex site as a lowercase host name (``https://Example.webex.com/meet`` → ``example.webex.com``)."""
    value = (value or "").strip().strip("<>").lower()
    if not value:
        return None
    host = urlsplit(value if "//" in value else "//" + value).hostname or ""
    host = host.rstrip(".")
    return host if len(host) <= 253 and _SITE.match(host) else None


def parse_rule(kind: str, value: str | None = None) -> Rule:
    """The rule for ``subscribe <kind> [value]``; ``ValueError`` saying what a good value looks like."""
    kind = (kind or "").strip().lower()
    if kind == "all":
        if value:
            raise ValueError("`subscribe all` takes no value.")
        return Rule("all")
    if kind == "host":
        email = normalise_email(value)
        if email is None:
            raise ValueError("`subscribe host` needs the host's e-mail address, like `alice@example.com`.")
        return Rule("host", email)
    if kind == "site":
        site = normalise_site(value)
        if site is None:
            raise ValueError("`subscribe site` needs a Webex site, like `example.webex.com`.")
        return Rule("site", site)
    raise ValueError("subscribe to `host <email>`, `site <siteUrl>` or `all`.")


def matches(kind: str, value: str, *, host_email: str | None, site_url: str | None) -> bool:
    """Whether a rule matches a meeting of this host and site (raw values; they are normalised here)."""
    if kind == "all":
        return True
    if kind == "host":
        return bool(value) and value == normalise_email(host_email)
    if kind == "site":
        return bool(value) and value == normalise_site(site_url)
    return False


def targets(subscriptions: Iterable, *, host_email: str | None, site_url: str | None) -> list[Target]:
    """One target per space among ``subscriptions`` (records with room_id, room_type, kind, value, created_by, id).

    The subscriber of a space's oldest matching rule decides the audience (a 1:1 holds one person).
    """
    rooms: dict[str, Target] = {}
    for sub in subscriptions:
        if not matches(sub.kind, sub.value, host_email=host_email, site_url=site_url):
            continue
        known = rooms.get(sub.room_id)
        if known is None:
            rooms[sub.room_id] = Target(sub.room_id, sub.room_type, sub.created_by, (sub.id,),
                                        Rule(sub.kind, sub.value))
        else:
            rooms[sub.room_id] = Target(known.room_id, known.room_type, known.subscriber,
                                        known.subscription_ids + (sub.id,), known.rule)
    return list(rooms.values())
