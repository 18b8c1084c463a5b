"""Automatic recaps say which subscription sent them and unsubscribe from a button, after a confirmation card.

End to end over real HTTP: subscribe, a meeting ends in the emulator, the recap arrives; people press its buttons
through the emulator (``attachmentActions``), and the store, the audit log and the answers are checked.
"""

from __future__ import annotations

import pytest

from bot.cards import render as cards
from bot.cards import validate_card
from bot.sandbox.emulator import ADMIN_EMAIL, USER_EMAIL
from tests.support.bot_rig import card_of
from tests.support.recaps_rig import DELAY, end_meeting, recap_messages, recap_rig, subscribe, visible_text


@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def recap_of(rig, room_id: str) -> dict:
    """End a meeting hosted by the admin, run the jobs, return the one automatic recap posted in ``room_id``."""
    meeting = end_meeting(rig)
    rig.run_jobs(after=DELAY + 1)
    (recap,) = recap_messages(rig, room_id, meeting["id"])
    return recap


def press(rig, message: dict, title: str, *, email: str = ADMIN_EMAIL, inputs: dict | None = None) -> dict:
    """Press a button of ``message``'s card, run the job, return the bot's one answer."""
    before = len(rig.replies(message["roomId"]))
    rig.press(message["id"], title, email=email, inputs=inputs)
    rig.run_jobs()
    answers = rig.replies(message["roomId"])[before:]
    assert len(answers) == 1, f"expected one answer to {title!r}, got {len(answers)}"
    return answers[0]


def actions_of(card: dict) -> list[dict]:
    """Every action of a card, those under "More" and in ActionSets included."""
    found, stack = [], [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_a_group_recap_says_why_it_came_without_the_hosts_address(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    subscribe(rig, "subscribe host Admin@Example.com", group)
    (sub,) = store.subscriptions(group)
    recap = recap_of(rig, group)
    text = visible_text(recap)
    assert (f"Sent because this space subscribes to meetings hosted by a host (e-mail hidden) · subscription {sub.id}"
            in text)
    assert ADMIN_EMAIL not in text.lower() and ADMIN_EMAIL not in recap["markdown"].lower()
    assert f"subscription {sub.id}" in recap["markdown"]  # the fallback says it too
    assert len(actions_of(card_of(recap))) <= 5 and "Unsubscribe" in [a["title"] for a in actions_of(card_of(recap))]


def test_a_1to1_recap_names_the_host_and_all_meetings_reads_plainly(rig):
    direct = rig.direct_room()
    subscribe(rig, "subscribe host Admin@Example.com", direct)
    assert "subscribes to meetings hosted by admin@example.com" in visible_text(recap_of(rig, direct)).lower()
    group = rig.group_room()
    subscribe(rig, "subscribe all", group)
    assert "Sent because this space subscribes to all meetings · subscription" in visible_text(recap_of(rig, group))


def test_unsubscribe_asks_first_then_ends_the_subscription_and_a_second_press_says_so(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    subscribe(rig, "subscribe host admin@example.com", group)
    (sub,) = store.subscriptions(group)
    recap = recap_of(rig, group)
    question = press(rig, recap, "Unsubscribe")
    asked = visible_text(question)
    assert "Stop recaps of each meeting hosted by a host (e-mail hidden) in this space?" in asked
    assert [a["title"] for a in card_of(question)["actions"]] == ["Unsubscribe", "Keep"]
    assert store.subscriptions(group) == [sub]  # asking removes nothing
    done = press(rig, question, "Unsubscribe")
    assert "Unsubscribed" in visible_text(done) and store.subscriptions(group) == []
    again = visible_text(press(rig, question, "Unsubscribe"))
    assert "Already unsubscribed" in again and "removed already" in again
    assert "Already unsubscribed" in visible_text(press(rig, recap, "Unsubscribe"))  # the recap's own button too
    outcomes = [a.outcome for a in store.audit_log() if a.command == "unsubscribe"]
    assert outcomes == [f"ok: removed host admin@example.com (id {sub.id})",
                        f"nothing to do: subscription {sub.id} is not in this space",
                        f"nothing to do: subscription {sub.id} is not in this space"]
    meeting = end_meeting(rig)  # the next meeting of that host: no recap here any more
    rig.run_jobs(after=DELAY + 1)
    assert recap_messages(rig, group, meeting["id"]) == []


def test_keep_keeps_it(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    subscribe(rig, "subscribe all", group)
    question = press(rig, recap_of(rig, group), "Unsubscribe")
    kept = visible_text(press(rig, question, "Keep"))
    assert "Kept" in kept and "still be posted here" in kept and len(store.subscriptions(group)) == 1


def test_someone_who_is_not_an_admin_cannot_unsubscribe_from_a_button(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    subscribe(rig, "subscribe all", group)
    recap = recap_of(rig, group)
    assert "only Recap's admins" in visible_text(press(rig, recap, "Unsubscribe", email=USER_EMAIL))
    question = press(rig, recap, "Unsubscribe")
    assert "only Recap's admins" in visible_text(press(rig, question, "Unsubscribe", email=USER_EMAIL))
    assert len(store.subscriptions(group)) == 1
    refused = [(a.person_email, a.outcome) for a in store.audit_log() if a.command == "unsubscribe"]
    assert refused == [(USER_EMAIL, "refused: not an authorised admin")] * 2


def test_the_subscriptions_card_has_an_unsubscribe_per_subscription_then_a_drop_down(rig):
    group, store = rig.group_room(), rig.jobs.services.store
    for rule in ("all", "site example.webex.com", "host alice@example.com"):
        subscribe(rig, f"subscribe {rule}", group)
    listing = subscribe(rig, "subscriptions", group)
    buttons = actions_of(card_of(listing))
    ids = sorted(int(b["data"]["args"]) for b in buttons)
    assert [b["title"] for b in buttons] == ["Unsubscribe"] * 3 and ids == [s.id for s in store.subscriptions(group)]
    alice = store.subscriptions(group)[2]
    question = press(rig, listing, "Unsubscribe", inputs={"args": str(alice.id)})  # the third row's button
    assert "hosted by a host (e-mail hidden)" in visible_text(question)
    press(rig, question, "Unsubscribe")
    assert [s.kind for s in store.subscriptions(group)] == ["all", "site"]
    for rule in ("host bob@example.com", "host carol@example.com"):
        subscribe(rig, f"subscribe {rule}", group)
    many = subscribe(rig, "subscriptions", group)
    assert [a["title"] for a in actions_of(card_of(many))] == ["Unsubscribe…"]
    (choice_set,) = [n for n in card_of(many)["body"] if n.get("type") == "Input.ChoiceSet"]
    assert choice_set["id"] == "args" and len(choice_set["choices"]) == 4
    assert "bob@" not in str(choice_set) and "(e-mail hidden)" in str(choice_set)
    bob = store.subscriptions(group)[2]
    question = press(rig, many, "Unsubscribe…", inputs={"args": str(bob.id)})
    assert f"Subscription id: {bob.id}" in visible_text(question)


@pytest.mark.parametrize("count", [1, 3, 4, 40])
def test_subscription_cards_stay_within_the_webex_limits(count):
    rows = [{"id": n, "kind": ("host", "site", "all")[n % 3], "value": f"h{n}@example.com"} for n in range(count)]
    for context in ({"action": "list", "subscriptions": rows}, {"action": "confirm", "kind": "host", "value": "a@b.co",
                                                                "id": 3}):
        card = cards.render_card("subscription", **context)
        validate_card(card.content)
        assert len(actions_of(card.content)) <= 5 and "`" not in card.markdown + str(card.content)
        assert "@example.com" not in str(card.content) + card.markdown  # a group audience by default
