"""Handlers of ``subscribe``, ``subscriptions`` and ``unsubscribe``: admins only (checked before), carded, audited.

A subscription belongs to the space it was made in. Its audience is fixed by that space: a 1:1
space with the admin gets the full recap, any other space the group view (DESIGN §5). The cards
answering these commands follow the same rule: a group space sees a host's address masked.
"""

from __future__ import annotations

from bot.chat.commands import COMMANDS, Command
from bot.context import Context
from bot.recaps import Rule


def subscribe(ctx: Context, command: Command) -> None:
    """Store the rule for this space (the same rule twice is one subscription) and confirm it."""
    rule = Rule(command.rule or "all", command.value or "")
    subscription, created = ctx.store.add_subscription(ctx.room_id, rule.kind, rule.value,
                                                       room_type=ctx.room_type or "group", by=ctx.person_email)
    ctx.audit("subscribe", (), f"ok: {rule.describe()}" + ("" if created else " (already subscribed)"))
    ctx.reply(ctx.card("subscription", action="subscribed", kind=rule.kind, value=rule.value or None,
                          id=subscription.id, audience=ctx.audience))


def list_subscriptions(ctx: Context, command: Command) -> None:
    """The subscriptions of this space, with their ids."""
    ctx.reply(ctx.card("subscription", action="list", subscriptions=ctx.store.subscriptions(ctx.room_id),
                          audience=ctx.audience))


def unsubscribe(ctx: Context, command: Command) -> None:
    """Remove one subscription of this space (by id), all of them, or the only one; a button asks first."""
    current = ctx.store.subscriptions(ctx.room_id)
    spec = COMMANDS["unsubscribe"]
    if command.confirm and not _pressed(ctx, command, current):  # a button names one id: never "all", never none
        return
    if not current:
        ctx.reply(ctx.card("subscription", action="list", subscriptions=[]))
        return
    if command.value is None and len(current) > 1:
        raise spec.refuse(f"This space has {len(current)} subscriptions: give the id of one (`subscriptions` "
                          "lists them), or say `unsubscribe all`.")
    wanted = None if command.value in (None, "all") else int(command.value)
    removed = ctx.store.remove_subscriptions(ctx.room_id, wanted)
    if not removed:
        raise spec.refuse(f"This space has no subscription {wanted}; `subscriptions` lists its ids.")
    ctx.audit("unsubscribe", (), "ok: removed " + ", ".join(f"{Rule(s.kind, s.value).describe()} (id {s.id})"
                                                          for s in removed))
    if len(removed) == 1:
        only = removed[0]
        ctx.reply(ctx.card("subscription", action="unsubscribed", kind=only.kind, value=only.value or None,
                              id=only.id, audience=ctx.audience))
    else:
        ctx.reply(ctx.card("subscription", action="unsubscribed", kind="all"))


def _pressed(ctx: Context, command: Command, current: list) -> bool:
    """An Unsubscribe or Keep button: answer it; True when the subscription is to be removed now.

    ``ask`` (the button on a recap or the list) shows the confirmation card, ``keep`` says nothing changed,
    ``yes`` (the confirmation's Unsubscribe) goes on to remove it. A button whose subscription is no longer in
    this space (removed meanwhile, or a second press) says so, rather than a usage card.
    """
    found = next((s for s in current if str(s.id) == command.value), None)
    if found is None:
        ctx.audit("unsubscribe", (), f"nothing to do: subscription {command.value} is not in this space")
        ctx.reply(ctx.card("subscription", action="gone"))
        return False
    if command.confirm == "yes":
        return True
    ctx.reply(ctx.card("subscription", action="confirm" if command.confirm == "ask" else "kept", kind=found.kind,
                       value=found.value or None, id=found.id, audience=ctx.audience))
    return False
