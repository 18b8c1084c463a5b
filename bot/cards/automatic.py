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


def with_button(actions: list[dict], button: dict, *, row: int, most: int) -> list[dict]:
    """``actions`` (a row, maybe with a "More" holding the rest) with ``button`` always kept, last.

    Laid out again as ``view_actions`` does: up to ``row`` side by side, else the first ``row - 1`` and a
    "More"; at most ``most`` actions in all, "More" included, so a view button yields its place when full.
    """
    if any(a.get("pick") for a in actions):
        return _with_choice(actions, button, row=row, most=most)
    flat = [inner for a in actions for inner in (a.get("more") or [a])]
    if len(flat) + 1 <= row:
        return flat + [button]
    room = most - row  # the buttons "More" can hold
    kept = flat[:row - 1 + room - 1]
    return kept[:row - 1] + [{"title": "More", "more": kept[row - 1:] + [button]}]


def _with_choice(actions: list[dict], button: dict, *, row: int, most: int) -> list[dict]:
    """``actions`` holding a choice of part ("More" / "Export" with a table list) keep it whole, with ``button``.

    The choice's buttons only mean something beside its list, so it is never taken apart; plain view
    buttons yield their places instead (the list offers the same parts).
    """
    plain = [a for a in actions if not a.get("pick")]
    chosen = [a for a in actions if a.get("pick")]

    def count() -> int:
        return len(plain) + sum(1 + len(a.get("more") or ()) for a in chosen) + 1

    while plain and (count() > most or len(plain) + len(chosen) + 1 > row):
        plain.pop()
    return plain + chosen + [button]


def parts(automatic: dict | None, audience: str, actions: list[dict], *, row: int, most: int) -> dict:
    """The summary's ``sent`` line and ``actions``: with the Unsubscribe button when the recap is automatic."""
    if not automatic:
        return {"sent": None, "actions": actions, "stop": None}
    button = unsubscribe_button(automatic.get("id"))
    return {"sent": sent_because(automatic, audience), "actions": with_button(actions, button, row=row, most=most),
            "stop": f"To stop them, say **unsubscribe {literal(automatic.get('id'), 20)}**."}
