"""Insights on the cards (issue 13 §3–4): the summary's AI note, action items, who spoke, recording and no-shows; the
notes and speakers views; the group filter per privacy level; each source missing; the 1:1's unavailable line."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import render as cards
from bot.cards import validate_card
from bot.cards.format import duration, percent
from bot.digest import digest_of
from bot.meetings import Insights, Invitee, MeetingSummary, Outcome, Recording, Speaker, Speakers, parse_archive
from bot.sandbox.generator import generate_archive
from bot.summaries import recap
from tests.support.insights import FORBIDDEN_SUMMARY, generated_insights, with_insights, without

AUDIENCES = [("direct", "names"), ("group", "names"), ("group", "counts")]
INSIGHT_VIEWS = ("summary", "notes", "speakers")
SCOPE_LINE = "AI summary: not available (the compliance credential is missing the scope"


@pytest.fixture(scope="module")
def raw() -> dict:
    return generate_archive(seed=11, participants=60, chats=120, polls=3, questions=12)


@pytest.fixture(scope="module")
def insights(raw) -> Insights:
    return generated_insights(raw)


@pytest.fixture(scope="module")
def digest(raw, insights):
    return with_insights(digest_of(parse_archive(raw)), insights)


def render(view, digest, audience="direct", privacy="names", **options):
    card = cards.render_view(view, digest, audience=audience, privacy=privacy, timezone="Europe/Berlin", **options)
    validate_card(card.content)  # the schema and Webex's limits: five actions at most, body ones included
    return card


def shown(card) -> str:
    return json.dumps(card.content, ensure_ascii=False) + "\n" + card.markdown


def actions(content) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(content)
    return found


# --- the filter ---------------------------------------------------------------------------------------------

def test_the_admins_1to1_sees_every_insight(digest, insights):
    view = recap(digest).insights
    assert view.speakers == insights.speakers.speakers and view.no_shows == insights.no_shows
    assert view.note and view.action_items == insights.summary.action_items
    assert view.recording_url == insights.recording.playback_url and not view.withheld


def test_a_group_sees_the_note_and_counts_but_no_ones_talk_time_nor_who_did_not_come(digest, insights):
    leaky = replace(insights, summary=replace(insights.summary, note="Ask ann@example.com\nThen decide",
                                              action_items=("Mail bo＠example.com",)))
    view = recap(replace(digest, insights=leaky), audience="group").insights
    assert view.note == ("Ask (e-mail hidden)", "Then decide") and view.action_items == ("Mail (e-mail hidden)",)
    assert view.speakers == () and view.no_shows == ()
    assert (view.speaker_count, view.talk_ms) == (insights.speakers.count, insights.speakers.total_ms)
    assert (view.no_show_count, view.invited) == (len(insights.no_shows), insights.invited)
    assert view.recording_url == insights.recording.playback_url and view.unavailable == ""


def test_privacy_counts_leaves_numbers_only_and_no_recording_link(digest, insights):
    view = recap(digest, audience="group", privacy="counts").insights
    assert view.note is None and view.action_items == () and view.withheld
    assert view.speakers == () and view.no_shows == () and view.recording_url is None
    assert view.action_count == len(insights.summary.action_items) and view.speaker_count == insights.speakers.count
    assert view.recording_seconds == insights.recording.duration_seconds


def test_a_digest_without_insights_has_none(digest):
    assert recap(replace(digest, insights=None)).insights is None


# --- the summary card ---------------------------------------------------------------------------------------

def test_the_1to1_summary_shows_note_action_items_speakers_with_bars_recording_and_no_shows(digest, insights):
    card = render("summary", digest)
    text = shown(card)
    for heading in ("Summary", "Action items", "Who spoke", "invited, never came"):
        assert heading in text
    first = insights.speakers.speakers[0]
    assert f"{duration(first.talk_ms // 1000)} · {percent(100 * first.share)}" in text
    assert text.count('"minHeight": "12px"') >= len(insights.speakers.speakers[:5])  # native bars, not characters
    assert "Never came: " + insights.no_shows[0].display_name in text
    urls = [a["url"] for a in actions(card.content) if a["type"] == "Action.OpenUrl"]
    assert urls == [insights.recording.playback_url] or f"[Recording]({insights.recording.playback_url})" in text
    more = [a for a in actions(card.content["body"]) if a["type"] == "Action.ShowCard"]
    assert [a["title"] for a in more] == ["More"]  # the rest of the note, in the body
    assert len(actions(card.content)) <= 5 and "`" not in text
    assert "not available" not in text  # every source came: no line about missing ones


@pytest.mark.parametrize("automatic", [None, {"kind": "host", "value": "alice@example.com", "id": 12}])
@pytest.mark.parametrize("audience, privacy", AUDIENCES)
def test_the_summary_keeps_five_actions_at_most_and_reaches_the_new_views(digest, audience, privacy, automatic):
    card = render("summary", digest, audience, privacy, automatic=automatic)
    assert len(actions(card.content)) <= 5
    reachable = {a["data"]["action"] for a in actions(card.content) if a.get("data")}
    choices = {c["value"] for n in json.loads(json.dumps(card.content["actions"])) for c in
               ((n.get("card") or {}).get("body") or [{}])[0].get("choices", [])}
    wanted = {"notes"} if privacy == "names" else set()
    wanted |= {"speakers"} if audience == "direct" else set()
    assert wanted <= reachable | choices
    if automatic:
        assert "unsubscribe" in reachable


def test_a_group_summary_says_how_many_spoke_but_names_nobody(digest, insights):
    text = shown(render("summary", digest, "group"))
    assert f"{insights.speakers.count} speakers · " in text
    first = insights.speakers.speakers[0]  # (names may be in the AI note; the property test below covers them)
    assert f"{duration(first.talk_ms // 1000)} · {percent(100 * first.share)}" not in text
    assert all(p.display_name not in text for p in insights.no_shows)
    assert f"{len(insights.no_shows)} invited people never came (of {insights.invited} invited)" in text


def test_privacy_counts_shows_no_note_text_and_says_so(digest, insights):
    text = shown(render("summary", digest, "group", "counts"))
    assert all(line not in text for line in insights.summary.note.splitlines()[1:])
    assert all(item[:20] not in text for item in insights.summary.action_items)
    assert "are not shown here: this space shows counts only" in text and "playback" not in text


@pytest.mark.parametrize("source", ["summary", "speakers", "recording", "invitees"])
@pytest.mark.parametrize("audience, privacy", AUDIENCES)
def test_each_source_missing_still_gives_valid_cards_and_the_1to1_says_why(digest, insights, source, audience,
                                                                             privacy):
    partial = with_insights(digest, without(insights, source, outcome=FORBIDDEN_SUMMARY))
    for view in INSIGHT_VIEWS:
        text = shown(render(view, partial, audience, privacy))
        said = SCOPE_LINE if source == "summary" else "not available (refused)"
        assert (said in text) == (audience == "direct"), (view, text[:300])
        assert "Error" not in text[:200]


def test_every_source_missing_leaves_only_the_line(digest, insights):
    bare = with_insights(digest, without(insights, "summary", "speakers", "recording", "invitees"))
    text = shown(render("summary", bare))
    for absent in ("Who spoke", "Action items", "OpenUrl", "[Recording]"):
        assert absent not in text
    line = "AI summary: not available (refused); Speakers: not available (refused); Recording: not available " \
           "(refused); Invitees: not available (refused)"
    assert text.count(line) == 2  # one line in the card, and in its fallback
    assert "not available" not in shown(render("summary", bare, "group"))


def test_a_digest_without_insights_shows_none_of_it(digest):
    for audience, privacy in AUDIENCES:
        text = shown(render("summary", replace(digest, insights=None), audience, privacy))
        for absent in ("Who spoke", "Action items", "invited, never came", "not available", "OpenUrl"):
            assert absent not in text


def test_a_recording_link_that_is_not_plain_https_is_never_a_button_nor_a_link(digest, insights):
    bad = replace(insights.recording, playback_url="javascript:alert(1)")
    text = shown(render("summary", with_insights(digest, replace(insights, recordings=(bad,)))))
    assert "javascript" not in text and "OpenUrl" not in text


# --- the notes and speakers views ---------------------------------------------------------------------------

def test_notes_show_the_whole_note_and_every_action_item(digest, insights):
    card = render("notes", digest)
    lines = insights.summary.note.splitlines()
    assert card.content["body"][0]["items"][0]["text"] == "AI SUMMARY"
    texts = shown(card)
    assert all(line.split("“")[0].strip()[:12] in texts for line in lines)
    assert all(item.split("“")[0][:15] in texts for item in insights.summary.action_items)
    assert {a["data"]["action"] for a in actions(card.content) if a.get("data")} == {"summary"}  # back to Recap
    assert "`" not in texts


def test_speakers_list_everyone_in_a_1to1_and_counts_in_a_group(digest, insights):
    direct = shown(render("speakers", digest))
    for s in insights.speakers.speakers:
        assert f"{duration(s.talk_ms // 1000)} · {percent(100 * s.share)}" in direct
        assert f"{s.snippets} snippets" in direct
    group = shown(render("speakers", digest, "group"))
    assert "Talk time per person is shown only in a 1:1 space." in group and "snippets" not in group
    assert f'"{insights.speakers.count}"' in group  # the tile
    missing = shown(render("speakers", with_insights(digest, without(insights, "speakers"))))
    assert "no transcript" in missing


# --- the property: a group card never leaks -----------------------------------------------------------------

NAME = "⟪"  # starts every speaker's and no-show's name: a group card may show none of them
WORDS = "⟦"  # starts every note line and action item: a counts-only card may show none of them
names = st.text(min_size=1, max_size=20).filter(lambda s: NAME not in s and WORDS not in s).map(lambda s: NAME + s)
words = st.text(max_size=60).filter(lambda s: NAME not in s and WORDS not in s).map(lambda s: WORDS + s)


@st.composite
def random_insights(draw) -> Insights:
    talk = draw(st.lists(st.integers(1, 5_000_000), min_size=1, max_size=12))
    total = sum(talk)
    speakers = tuple(Speaker(draw(names), draw(st.one_of(st.none(), st.emails())), ms, ms / total,
                             draw(st.integers(1, 400))) for ms in talk)
    absent = tuple(Invitee(draw(st.emails()), draw(names)) for _ in range(draw(st.integers(0, 6))))
    summary = MeetingSummary("s", "M_I_1", "available", "\n".join(draw(st.lists(words, max_size=8))),
                             tuple(draw(st.lists(words, max_size=8))))
    recording = Recording("r", "M_I_1", "t", "https://example.webex.com/play/r", None, draw(st.integers(0, 9000)),
                          None, None, None, "available")
    return Insights("M_I_1", summary, Speakers("t", speakers, total), (recording,), absent, absent,
                    len(absent) + draw(st.integers(0, 5)),
                    tuple(Outcome(s, "ok") for s in ("summary", "speakers", "recording", "invitees")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_insights())
def test_a_group_card_never_shows_a_speakers_talk_time_nor_a_no_shows_name(digest, insights):
    kept = with_insights(digest, insights)
    for view in INSIGHT_VIEWS:
        for privacy in ("names", "counts"):
            text = shown(render(view, kept, "group", privacy))
            assert NAME not in text, (view, privacy)
            for s in insights.speakers.speakers:
                assert f"{duration(s.talk_ms // 1000)} · {percent(100 * s.share)}" not in text
            if privacy == "counts":
                assert WORDS not in text, view


@pytest.mark.parametrize("audience, privacy", AUDIENCES)
def test_the_markdown_fallbacks_carry_the_same_insights_without_backticks(digest, insights, audience, privacy):
    summary, notes, speakers = (render(v, digest, audience, privacy).markdown for v in INSIGHT_VIEWS)
    assert "`" not in summary + notes + speakers
    assert "**Who spoke:** 5 speakers · " in summary and "invited, never came" in summary
    playback = f"[Recording]({insights.recording.playback_url})"
    assert (playback in summary and playback in notes) == (privacy == "names")  # a fallback has no buttons
    first = insights.speakers.speakers[0]
    assert (f"- **{first.name}** {duration(first.talk_ms // 1000)}" in speakers) == (audience == "direct")
    assert ("**Action items:**" in summary and "**Action items:**" in notes) == (privacy == "names")
    assert ("Never came: " in summary) == (audience == "direct")
