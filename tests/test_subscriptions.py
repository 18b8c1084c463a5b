"""Subscriptions: the rules (pure), their storage (SQLite and PostgreSQL), and the commands over real HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.chat import CommandUsageError, parse
from bot.recaps import Rule, normalise_email, normalise_site, parse_rule, targets
from bot.storage import create_store
from tests.support.recaps_rig import recap_rig, subscribe, visible_text

pytest_plugins = ["tests.support.backends"]  # database_url: SQLite, then PostgreSQL


@pytest.mark.parametrize("kind, value, rule", [
    ("host", "Alice@Example.COM", Rule("host", "alice@example.com")),
    ("HOST", "<mailto:bob@corp.example.org>", Rule("host", "bob@corp.example.org")),
    ("site", "Example.webex.com", Rule("site", "example.webex.com")),
    ("site", "https://EXAMPLE.webex.com/meet/alice?x=1", Rule("site", "example.webex.com")),
    ("site", "example.webex.com.", Rule("site", "example.webex.com")),
    ("all", None, Rule("all")),
])
def test_rules_are_normalised(kind, value, rule):
    assert parse_rule(kind, value) == rule


@pytest.mark.parametrize("kind, value", [
    ("host", None), ("host", "alice"), ("host", "alice@localhost"), ("host", "a b@example.com"),
    ("site", None), ("site", "not a site"), ("site", "localhost"), ("site", "https://"), ("all", "everything"),
    ("room", "x"), ("", None),
])
def test_bad_rules_say_what_a_good_one_looks_like(kind, value):
    with pytest.raises(ValueError, match="subscribe"):
        parse_rule(kind, value)


def test_meeting_values_are_normalised_like_rules():
    assert normalise_email(" Admin@Example.com ") == "admin@example.com"
    assert normalise_site("HTTPS://Example.Webex.com:443/") == "example.webex.com"
    assert normalise_email(None) is None and normalise_site("") is None


def sub(id, room, kind, value="", room_type="group", by="admin@example.com"):
    return SimpleNamespace(id=id, room_id=room, kind=kind, value=value, room_type=room_type, created_by=by)


def test_one_target_per_space_however_many_rules_match():
    subs = [sub(1, "G", "all"), sub(2, "G", "host", "host@example.com"), sub(3, "D", "site", "example.webex.com",
                                                                                "direct", "ada@example.com"),
            sub(4, "X", "host", "other@example.com"), sub(5, "Y", "site", "other.webex.com")]
    found = targets(subs, host_email="HOST@example.com", site_url="https://example.webex.com")
    assert [(t.room_id, t.subscription_ids) for t in found] == [("G", (1, 2)), ("D", (3,))]
    assert found[1].room_type == "direct" and found[1].subscriber == "ada@example.com"
    assert targets(subs, host_email=None, site_url=None)[0].room_id == "G"  # only "all" matches a bare meeting


@pytest.mark.parametrize("text, rule, value", [
    ("subscribe host Alice@Example.com", "host", "alice@example.com"),
    ("/Subscribe site https://example.webex.com/meet", "site", "example.webex.com"),
    ("subscribe all", "all", None),
    ("follow all", "all", None),
])
def test_subscribe_parses(text, rule, value):
    command = parse(text)
    assert (command.name, command.rule, command.value) == ("subscribe", rule, value)


@pytest.mark.parametrize("text, value", [("unsubscribe", None), ("unsubscribe 7", "7"), ("unsubscribe #7", "7"),
                                         ("unsubscribe ALL", "all"), ("subscription", None)])
def test_unsubscribe_and_subscriptions_parse(text, value):
    command = parse(text)
    assert command.name in ("unsubscribe", "subscriptions") and command.value == value


@pytest.mark.parametrize("text", ["subscribe", "subscribe host", "subscribe host alice", "subscribe site x y z",
                                  "subscribe all now", "subscribe team", "unsubscribe seven", "unsubscribe 1 2",
                                  "unsubscribe 0", "unsubscribe 99999999999"])
def test_malformed_subscription_commands_are_usage_errors(text):
    with pytest.raises(CommandUsageError) as caught:
        parse(text)
    assert caught.value.usage.split()[0] in ("subscribe", "unsubscribe")


@pytest.fixture
def store(database_url):
    store = create_store(database_url)
    yield store
    store.engine.dispose()


def test_the_same_rule_twice_is_one_subscription(store):
    first, created = store.add_subscription("R1", "host", "a@example.com", room_type="group", by="x@example.com")
    again, created_again = store.add_subscription("R1", "host", "a@example.com", room_type="group", by="y@example.com")
    assert created and not created_again and again == first
    store.add_subscription("R1", "all", room_type="group", by=None)
    store.add_subscription("R2", "host", "a@example.com", room_type="direct", by=None)
    assert [(s.kind, s.value) for s in store.subscriptions("R1")] == [("host", "a@example.com"), ("all", "")]
    assert [s.room_id for s in store.subscriptions_matching("a@example.com", None)] == ["R1", "R1", "R2"]
    assert [s.kind for s in store.subscriptions_matching("b@example.com", "example.webex.com")] == ["all"]


def test_a_space_removes_only_its_own_subscriptions(store):
    mine, _ = store.add_subscription("R1", "all", room_type="group", by=None)
    theirs, _ = store.add_subscription("R2", "all", room_type="group", by=None)
    store.add_subscription("R1", "site", "example.webex.com", room_type="group", by=None)
    assert store.remove_subscriptions("R1", theirs.id) == []
    assert store.remove_subscriptions("R1", mine.id) == [mine]
    assert [s.kind for s in store.remove_subscriptions("R1")] == ["site"]
    assert store.subscriptions("R1") == [] and store.subscriptions("R2") == [theirs]


@pytest.fixture
def rig(tmp_path, emulator):
    with recap_rig(tmp_path, emulator[0]) as rig:
        yield rig


def test_subscribe_list_and_unsubscribe_over_http_with_cards_and_audit(rig):
    group = rig.group_room()
    answer = subscribe(rig, "subscribe host alice@example.com", group)
    assert "Subscribed" in visible_text(answer) and "hosted by a host (e-mail hidden)" in visible_text(answer)
    subscribe(rig, "subscribe host ALICE@example.com", group)  # the same rule: still one subscription
    subscribe(rig, "subscribe site example.webex.com", group)
    store = rig.jobs.services.store
    alice, site = store.subscriptions(group)
    listing = visible_text(subscribe(rig, "subscriptions", group))
    assert "2 subscriptions in this space" in listing and f"id {alice.id}" in listing and f"id {site.id}" in listing
    assert "How to use “unsubscribe”" in visible_text(subscribe(rig, "unsubscribe", group))  # which one?
    assert "no subscription 999" in visible_text(subscribe(rig, "unsubscribe 999", group))
    assert "Unsubscribed" in visible_text(subscribe(rig, f"unsubscribe {alice.id}", group))
    assert store.subscriptions(group) == [site]
    subscribe(rig, "unsubscribe", group)  # the only one left
    assert store.subscriptions(group) == []
    said = [m for m in rig.replies(group)]
    assert said and not [m for m in said if "alice@" in str(m)]  # a group space never sees the address (DESIGN §5)
    outcomes = [(a.command, a.outcome) for a in store.audit_log() if a.room_id == group]
    assert outcomes == [("subscribe", "ok: host alice@example.com"),
                        ("subscribe", "ok: host alice@example.com (already subscribed)"),
                        ("subscribe", "ok: site example.webex.com"),
                        ("unsubscribe", f"ok: removed host alice@example.com (id {alice.id})"),
                        ("unsubscribe", f"ok: removed site example.webex.com (id {site.id})")]


def test_the_admins_own_space_shows_the_hosts_address_whole(rig):
    direct = rig.direct_room()
    assert "hosted by alice@example.com" in visible_text(subscribe(rig, "subscribe host alice@example.com", direct))
    assert "Meetings hosted by alice@example.com" in visible_text(subscribe(rig, "subscriptions", direct))


def test_help_lists_the_subscription_commands(rig):
    text = visible_text(subscribe(rig, "help", rig.direct_room()))
    assert "subscribe host" in text and "unsubscribe" in text and "subscriptions" in text
