"""What cards say about a subscription: its rule in words, an automatic recap's "Sent because" line, Unsubscribe.

A host's address is a person's: outside the admin's 1:1 space (``direct``) it is masked whole,
domain included (DESIGN §5). Every Unsubscribe button first asks (``confirm: ask``); only the
confirmation card's own button removes the subscription (``bot.chat.subscriptions``).
"""

from __future__ import annotations

from bot.cards.markup import literal
from bot.summaries import mask_emails


def masked_email(address: str) -> str:
    """A host's address as a group space sees it: nothing of it, domain included (DESIGN §5)."""
    return "a host (e-mail hidden)" if address else "a host"


def plain_value(kind: str, value: object, audience: str) -> str:
    """A rule's value as typed, but with a host's address masked outside the admin's 1:1 (for plain-text fields)."""
    raw = "" if value is None else str(value)
    if audience == "direct":
        return raw
    return masked_email(raw) if kind == "host" else mask_emails(raw)  # any other address too, should one get in


def rule_value(kind: str, value: object, audience: str) -> str:
    """A rule's value as the card shows it: escaped, and a host's address masked outside the admin's 1:1."""
    return literal(plain_value(kind, value, audience), 80)


def describe_rule(kind: str, value: str) -> str:
    """``each meeting hosted by …``, ``each meeting on site …`` or ``each meeting in the organisation``."""
    if kind == "host":
        return f"each meeting hosted by {value}"
    if kind == "site":
        return f"each meeting on site {value}"
    return "each meeting in the organisation"


def subject(kind: str, value: object, audience: str) -> str:
    """What a subscription follows, in words, for this audience (``each meeting hosted by a host (e-mail hidden)``)."""
    return describe_rule(kind, rule_value(kind, value, audience))


def sent_because(automatic: dict, audience: str) -> str:
    """``Sent because this space subscribes to meetings hosted by … · subscription 3``."""
    kind = str(automatic.get("kind") or "all")
    what = "all meetings" if kind == "all" else subject(kind, automatic.get("value"), audience).removeprefix("each ")
    what = what.replace("meeting ", "meetings ", 1) if kind != "all" else what
    number = literal(automatic.get("id"), 20)
    return f"Sent because this space subscribes to {what}" + (f" · subscription {number}" if number else "")


def unsubscribe_button(subscription_id: object, title: str = "Unsubscribe") -> dict:
    """A button that asks to end one subscription (the confirmation card does it)."""
    return {"title": title, "data": {"action": "unsubscribe", "args": str(subscription_id), "confirm": "ask"}}


def parts(automatic: dict | None, audience: str) -> dict:
    """The summary's ``sent`` line, its text fallback's ``stop`` line, and the Unsubscribe button (``tail`` of
    ``view_actions``) when the recap is automatic; all None otherwise."""
    if not automatic:
        return {"sent": None, "stop": None, "button": None}
    return {"sent": sent_because(automatic, audience), "button": unsubscribe_button(automatic.get("id")),
            "stop": f"To stop them, say **unsubscribe {literal(automatic.get('id'), 20)}**."}
