"""Webex's limits: the Adaptive Cards 1.3 schema, ≤ 5 actions, no Media/backgroundImage/speak/iconUrl, the byte
budget (cut lists say so), and fallbacks under 7,439 bytes, for a huge generated archive as well."""

from __future__ import annotations

import functools
import json
import re

import pytest

from bot.cards import card_size, validate_card
from bot.cards import render as cards
from bot.config import Settings
from bot.digest import digest_of
from bot.errors import CardError
from bot.meetings import parse_archive
from bot.sandbox.generator import generate_archive
from tests.support.insights import huge_insights, with_insights

WEBEX_TEXT_LIMIT = 7_439


def card(*body, actions=None, **extra):
    content = {"type": "AdaptiveCard", "version": "1.3", "body": list(body) or [text("hello")], **extra}
    if actions is not None:
        content["actions"] = actions
    return content


def text(value, **extra):
    return {"type": "TextBlock", "text": value, "wrap": True, **extra}


def submit(n):
    return {"type": "Action.Submit", "title": f"Button {n}", "data": {"action": "summary"}}


@functools.cache
def huge_archive():
    """2,000 people, 10,000 chat lines, 50 polls, 1,000 questions, with hostile text (the sandbox generator),
    and insights far too long for a card (a 400-line note, 300 action items, 2,000 speakers, 500 no-shows)."""
    archive = parse_archive(generate_archive(seed=11, participants=2000, chats=10000, polls=50, questions=1000))
    return with_insights(digest_of(archive), huge_insights())


# --- validate_card ---------------------------------------------------------------------------------

def test_a_plain_card_is_valid():
    validate_card(card(text("ok", size="Large", weight="Bolder"), actions=[submit(n) for n in range(5)]))


@pytest.mark.parametrize(("content", "complaint"), [
    (card(version="1.4"), "version"),
    (card(version=None), "version"),
    (card(actions=[submit(n) for n in range(6)]), "6 actions"),
    (card(text("x"), {"type": "ActionSet", "actions": [submit(n) for n in range(3)]},
          actions=[submit(n) for n in range(3)]), "6 actions"),
    (card({"type": "Media", "sources": [{"mimeType": "video/mp4", "url": "https://example.com/v.mp4"}]}), "Media"),
    (card(backgroundImage="https://example.com/bg.png"), "backgroundImage"),
    (card(speak="hello"), "speak"),
    (card(actions=[{**submit(1), "iconUrl": "https://example.com/i.png"}]), "iconUrl"),
    (card(text("x", size="Gigantic")), "Gigantic"),
    (card(text("x", colour="Good")), "colour"),
    (card({"type": "Chart"}), "Chart"),
    (card(text(5)), "body/0"),
    ({"type": "AdaptiveCard", "version": "1.3", "body": "nope"}, "body"),
    ([], "JSON object"),
])
def test_cards_webex_would_refuse_are_errors(content, complaint):
    with pytest.raises(CardError, match=complaint):
        validate_card(content)


def test_every_rendered_card_passes_its_own_checks():
    """render_view validates; this makes sure the check really runs on what comes out."""
    for view in cards.VIEWS:
        content = cards.render_view(view, huge_archive(), audience="direct", timezone="UTC").content
        validate_card(content)
        assert sum(1 for a in content.get("actions", [])) <= 5


# --- budget and fallbacks --------------------------------------------------------------------------

@pytest.mark.parametrize("audience", ["group", "direct"])
@pytest.mark.parametrize("view", list(cards.VIEWS))
def test_huge_archive_fits_the_default_budget_and_says_what_was_cut(view, audience):
    result = cards.render_view(view, huge_archive(), audience=audience, timezone="Europe/Paris")
    size = card_size(result.content)
    assert size <= Settings().card_budget_bytes == 24_000
    assert len(result.markdown.encode("utf-8")) < WEBEX_TEXT_LIMIT
    shown = json.dumps(result.content, ensure_ascii=False)
    where = "use **export**" + (" in a 1:1 space" if audience == "group" else "")
    if view == "summary":
        assert "more questions — see Polls" in shown
        assert "more — see Notes" in shown and ("more — see Speakers" in shown) == (audience == "direct")
    elif view == "notes":  # the AI summary lives in Webex: the rest is there, no export holds it
        assert "more — the rest is in Webex" in shown and "more — the rest is in Webex" in result.markdown
    elif view == "speakers" and audience == "group":  # counts only: no list to cut
        assert "Talk time per person is shown only in a 1:1 space." in shown and "Speaker 1 " not in shown
    elif view == "chats":  # the most recent messages, and how many came before them
        kind = "messages" if audience == "direct" else "public messages"
        assert re.search(rf"Showing the last \d+ of [\d,]+ {kind} — {re.escape(where)} for all", shown), view
        assert re.search(rf"Showing the last \d+ of [\d,]+ {kind} — {re.escape(where)} for all", result.markdown)
    else:
        assert f"more — {where}" in shown, f"{view}: a cut list must say so"
        assert f"more — {where}" in result.markdown


@pytest.mark.parametrize("budget", [4_000, 8_000, 12_000])
def test_smaller_budgets_show_fewer_items_never_broken_json(budget):
    for view in cards.VIEWS:
        result = cards.render_view(view, huge_archive(), audience="direct", timezone="UTC", budget_bytes=budget)
        assert card_size(result.content) <= budget
        validate_card(result.content)
        assert json.loads(json.dumps(result.content)) == result.content


def test_a_budget_smaller_than_any_card_is_an_error():
    with pytest.raises(CardError, match="budget"):
        cards.render_view("summary", huge_archive(), audience="direct", timezone="UTC", budget_bytes=300)


def test_a_budget_too_small_for_the_real_card_gives_the_minimal_card_with_its_buttons():
    result = cards.render_view("summary", huge_archive(), audience="direct", timezone="UTC", budget_bytes=2_500)
    assert "would need more than 2,500 bytes" in json.dumps(result.content, ensure_ascii=False)
    assert len(result.content["actions"]) == 3 and card_size(result.content) <= 2_500
    assert "Use **export** for everything." in result.markdown


def test_card_size_counts_bytes_as_sent():
    assert card_size({"text": "é"}) == len('{"text":"\\u00e9"}')
