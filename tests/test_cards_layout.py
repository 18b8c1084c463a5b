"""What a reader sees on the cards, as found on the screenshots: poll bars and participation, the header's span,
answer and attendance order, which chat messages a long chat shows, code spans, and the hints of cut lists."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from markdown_it import MarkdownIt

from bot.cards import render as cards
from bot.cards import render_card, render_view
from bot.meetings import ArchiveSummary, parse_archive
from bot.sandbox.generator import generate_archive
from tests.test_cards import buttons, poll_rows, shown_as, texts, tile_sets

BASE = {"archiveId": "ABCDEF12_R_1", "title": "Weekly sync", "start": "2026-01-05T09:00:00Z",
        "end": "2026-01-05T10:00:00Z", "hostDisplayName": "Host", "hostEmail": "host@example.com"}


def archive(**fields):
    return parse_archive({**BASE, **fields})


def join(name, joined, left, email=None):
    return {"displayName": name, "joinedTime": f"2026-01-05T{joined}:00Z", "leftTime": f"2026-01-05T{left}:00Z",
            **({"email": email} if email else {})}


def question(text, answers, respondents):
    """A single-choice question: ``answers`` are (text, votes, correct); ``respondents`` (name, e-mail) pairs."""
    return {"question": {"type": "single", "text": text},
            "answerSummary": [{"text": t, "totalRespondents": n, "isCorrect": ok} for t, n, ok in answers],
            "respondents": [{"displayName": n, "email": e, "answers": [answers[0][0]]} for n, e in respondents]}


PEOPLE = [(f"Person {n}", f"p{n}@example.com") for n in range(5)]


def polls_archive():
    """2 polls × 2 questions, 4 of the 5 attendees answering (Person 4 never votes): 14 respondent-question pairs."""
    qs = [question(f"Q{i}", [("yes", 3, True), ("no", 0, False)], PEOPLE[: 3 + i % 2]) for i in range(4)]
    return archive(participants=[join(n, "09:00", "10:00", e) for n, e in PEOPLE], polls=[
        {"startTime": "2026-01-05T09:10:00Z", "endTime": "2026-01-05T09:12:00Z",
         "content": {"userCount": 5, "votedUserCount": 4, "questions": qs[:2]}},
        {"startTime": "2026-01-05T09:30:00Z", "endTime": "2026-01-05T09:32:00Z",
         "content": {"userCount": 5, "votedUserCount": 4, "questions": qs[2:]}}])


# --- polls ----------------------------------------------------------------------------------------------

def test_participation_counts_people_not_respondent_question_pairs():
    shown = texts(render_view("summary", polls_archive(), audience="group", timezone="UTC"))
    # not "8 of 10"; and the same base as each poll's: who was present while the polls ran
    assert ("2 polls · 4 questions · 4 of the 5 people present during the polls (80%) voted in at least one poll"
            in shown)
    polls = texts(render_view("polls", polls_archive(), audience="direct", timezone="UTC"))
    assert "Poll 1: 09:10–09:12 · 4 of the 5 people present when the poll ran voted (80%)" in polls
    assert "3 of the 5 present answered (60%) · 2 did not · correct: yes" in polls
    assert "4 of the 5 present answered (80%) · 1 did not · correct: yes" in polls


def test_the_poll_number_is_said_once_per_poll():
    polls = texts(render_view("polls", polls_archive(), audience="direct", timezone="UTC"))
    assert [t for t in polls if re.match(r"(Poll \d|Q\d) ·|Poll \d:", t)] == [
        "Poll 1: 09:10–09:12 · 4 of the 5 people present when the poll ran voted (80%)",
        "Q1 · single choice (one answer)", "Q2 · single choice (one answer)",
        "Poll 2: 09:30–09:32 · 4 of the 5 people present when the poll ran voted (80%)",
        "Q1 · single choice (one answer)", "Q2 · single choice (one answer)"]
    summary = texts(render_view("summary", polls_archive(), audience="direct", timezone="UTC"))
    assert "Poll 1 · Q1 · single choice (one answer)" in summary  # the recap card has no poll heading to lean on


def test_bars_are_wide_under_their_answer_and_tell_close_shares_apart():
    voters = [(f"V{n}", None) for n in range(100)]
    qs = [question("Day?", [("Monday", 25, True), ("Wednesday", 26, False), ("Friday", 24, False),
                            ("No preference", 25, False)], voters)]
    a = archive(polls=[{"content": {"userCount": 120, "votedUserCount": 100, "questions": qs}}])
    rows = poll_rows(render_view("polls", a, audience="group", timezone="UTC"))  # checks each bar follows its row
    # Native bars weighted by the share to 0.1 %: 24, 25 and 26 votes differ (10 text cells once drew 2, 2, 3).
    # Shares are of the card's one base: no attendance here, so the 120 people Webex counted in the poll.
    assert rows == [("✓ Monday", 20.8, "25 · 21%", "Good"), ("Wednesday", 21.7, "26 · 22%", None),
                    ("Friday", 20.0, "24 · 20%", None), ("No preference", 20.8, "25 · 21%", None)]


def test_native_bar_weights_never_hide_a_vote_nor_fake_a_full_house():
    from bot.cards.format import bar_weights
    assert bar_weights(0) == (0.0, 100.0) and bar_weights(100) == (100.0, 0.0) and bar_weights(150) == (100.0, 0.0)
    assert bar_weights(0.01) == (0.5, 99.5) and bar_weights(99.99) == (99.5, 0.5)
    assert bar_weights(100 / 3) == (33.3, 66.7)


def test_durations_are_rounded_for_reading():
    from bot.cards.format import duration
    assert [duration(s) for s in (None, 0, 45, 89, 2571, 3599, 3960, 7199)] == [
        "–", "0 s", "45 s", "1 min", "43 min", "1 h 00 min", "1 h 06 min", "2 h 00 min"]


def test_bar_cells():
    from bot.cards import bar as text_bar
    assert text_bar(0, 10) == "░" * 10
    assert text_bar(0.1, 10) == "▌" + "░" * 9  # a vote is never drawn as none
    assert text_bar(99.9, 10) == "█" * 9 + "▌"  # nor almost everyone as everyone
    assert text_bar(100, 10) == "█" * 10 and text_bar(150, 10) == "█" * 10
    assert text_bar(24, 40) != text_bar(26, 40)


def test_percentages_near_the_ends_keep_a_decimal():
    from bot.cards import percent
    assert [percent(v) for v in (0, 0.04, 0.4, 50, 99.8, 99.96, 100)] == [
        "0%", "0.1%", "0.4%", "50%", "99.8%", "99.9%", "100%"]


# --- header, attendance, Q&A ------------------------------------------------------------------------

def test_header_falls_back_to_joins_when_end_is_not_after_start_and_widens_to_them():
    same = archive(end=BASE["start"], participants=[join("A", "08:30", "09:00"), join("B", "08:45", "08:50")])
    assert "Mon 5 Jan 2026 · 08:30–09:00 (UTC)" in texts(render_view("summary", same, audience="group",
                                                                        timezone="UTC"))
    early = archive(participants=[join("A", "08:55", "10:00"), join("B", "09:03", "10:00")])
    card = render_view("attendance", early, audience="group", timezone="UTC")
    assert "Mon 5 Jan 2026 · 08:55–10:00 (UTC)" in texts(card)
    assert tile_sets(card)[0]["joined late"] == "0"  # B came 3 min after the recorded start, 8 after A: on time
    lonely = archive(end=BASE["start"])
    assert "Mon 5 Jan 2026 · 09:00 (UTC)" in texts(render_view("summary", lonely, audience="group", timezone="UTC"))


def test_attendance_is_longest_time_first_and_says_so():
    a = archive(participants=[join("Short", "09:00", "09:10"), join("Long", "09:20", "10:00"),
                              join("Middle", "09:00", "09:30")])
    card = render_view("attendance", a, audience="direct", timezone="UTC")
    shown = texts(card)
    assert "Everyone · longest time in the meeting first" in shown
    everyone = shown[shown.index("Everyone · longest time in the meeting first"):]  # after late / early sections
    assert [t for t in everyone if t in ("Short", "Long", "Middle")] == ["Long", "Middle", "Short"]
    assert "**Everyone · longest time in the meeting first**" in card.markdown
    md = card.markdown[card.markdown.index("**Everyone"):]
    assert md.index("**Long**") < md.index("**Middle**") < md.index("**Short**")


def test_group_attendance_tells_apart_people_with_the_same_name():
    a = archive(participants=[join("Quentin Haddad", "09:00", "10:00", "q1@example.com"),
                              join("Quentin Haddad", "09:10", "09:40", "q2@example.com")])
    group = texts(render_view("attendance", a, audience="group", timezone="UTC"))
    assert [t for t in group if t.startswith("Quentin")] == ["Quentin Haddad (1)", "Quentin Haddad (2)"]
    direct = texts(render_view("attendance", a, audience="direct", timezone="UTC"))
    assert "q1@example.com" in direct and "Quentin Haddad (1)" not in direct


def test_qa_card_lists_answers_in_time_order():
    answers = [{"displayName": "H", "answerTime": f"2026-01-05T09:{m}:00Z", "text": f"at {m}"} for m in (36, 24, 12)]
    a = archive(qas=[{"type": "public", "displayName": "A", "questionTime": "2026-01-05T09:10:00Z",
                      "question": "q", "answers": answers + [{"displayName": "H", "text": "no time"}]}])
    shown = texts(render_view("qa", a, audience="group", timezone="UTC"))
    assert [t for t in shown if t.startswith(("at ", "no time"))] == ["at 12", "at 24", "at 36", "no time"]
    assert "Answered after 2 min" in shown


# --- chat ------------------------------------------------------------------------------------------------

def chat_archive(count=100):
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return archive(chats=[{"type": "private" if n % 10 == 9 else "public", "senderName": f"S{n % 3}",
                           "target": "All Participants", "text": f"message {n:03d}",
                           "chatTime": (start + timedelta(seconds=20 * n)).isoformat()} for n in range(count)])


def test_a_long_chat_shows_counts_and_senders_then_its_last_messages():
    card = render_view("chats", chat_archive(), audience="direct", timezone="UTC")
    shown = texts(card)
    messages = [t for t in shown if t.startswith("message ")]
    assert messages == [f"message {n:03d}" for n in range(60, 100)]  # the last 40, oldest first
    assert "Showing the last 40 of 100 messages — use **export** for all" in shown
    assert shown.index("Most active: S0 (34), S1 (33), S2 (33)") < shown.index("message 060")
    assert "Showing the last 40 of 100 messages" in card.markdown and "message 099" in card.markdown
    assert "message 059" not in card.markdown


def test_a_group_sees_the_last_public_messages_and_where_the_rest_is():
    shown = texts(render_view("chats", chat_archive(), audience="group", timezone="UTC"))
    messages = [t for t in shown if t.startswith("message ")]
    assert len(messages) == 40 and messages[-1] == "message 098" and "message 099" not in messages  # 099 is private
    assert "Showing the last 40 of 90 public messages — use **export** in a 1:1 space for all" in shown


def test_a_short_chat_is_shown_whole_without_a_window_line():
    shown = texts(render_view("chats", chat_archive(5), audience="direct", timezone="UTC"))
    assert [t for t in shown if t.startswith("message ")] == [f"message {n:03d}" for n in range(5)]
    assert not [t for t in shown if t.startswith("Showing")]


# --- commands in bold and cut lists --------------------------------------------------------------------

def test_refusal_shows_the_command_in_bold():
    card = render_card("refusal", command="summary 4E32_R_1")
    assert "**summary 4E32\\_R\\_1** shows meeting data, which only Recap's admins may see." in texts(card)[2]
    assert "summary 4E32_R_1 shows meeting data" in shown_as(texts(card)[2])
    assert "**summary 4E32\\_R\\_1**" in card.markdown


def bold_spans(markdown_text: str) -> list[str]:
    """What each bold span of a CommonMark text shows (the word joiner that breaks "<@" is invisible)."""
    rendered = MarkdownIt("commonmark").render(markdown_text)
    assert "<code>" not in rendered and "<a " not in rendered
    return [html.unescape(c).replace("\u2060", "") for c in re.findall(r"<strong>(.*?)</strong>", rendered)]


@pytest.mark.parametrize(("command", "shown"), [("x` **bold** `y", "x **bold** y"), ("``<@all>``", "<@all>"),
                                                ("[a](http://x) <@all>", "[a](http://x) <@all>")])
def test_user_text_cannot_close_the_bold_span_or_mention_anyone(command, shown):
    card = render_card("refusal", command=command)
    assert bold_spans(texts(card)[2]) == [shown]  # one span, showing the text as typed (minus backticks)
    assert "<@" not in json.dumps(card.content, ensure_ascii=False) + card.markdown
    assert "`" not in json.dumps(card.content, ensure_ascii=False)


def test_an_empty_command_gives_no_empty_bold_span():
    assert "****" not in texts(render_card("refusal", command="`"))[2]


def test_a_cut_archive_list_suggests_the_dates_of_what_was_left_out():
    newest = datetime(2026, 1, 31, 12, tzinfo=UTC)
    items = [ArchiveSummary(f"ABCDEF12_R_{n}", "MeetingCenter", "Meeting", newest - timedelta(hours=6 * n))
             for n in range(120)]  # newest first, 4 a day: 1 Jan to 31 Jan
    card = render_card("archives", archives=items, timezone="UTC")
    assert "\\+ 20 more — ask for fewer days, like “archives 2026-01-01 2026-01-06”" in texts(card)
    assert "export" not in json.dumps(card.content)  # an export is of one archive: no help here


def test_a_cut_subscription_list_says_why_without_pointing_at_export():
    rows = [{"id": n, "kind": "all"} for n in range(60)]
    card = render_card("subscription", action="list", subscriptions=rows)
    assert "\\+ 10 more — too many to list on one card" in texts(card)
    assert "export" not in json.dumps(card.content)


@pytest.fixture(scope="module")
def cut_cards() -> dict:
    """Every view of a big archive for both audiences, and the command cards with lists, all cut."""
    big = parse_archive(generate_archive(seed=3, participants=300, chats=500, polls=12, questions=80))
    found = {(v, a): render_view(v, big, audience=a, timezone="UTC") for v in cards.VIEWS for a in ("group", "direct")}
    found["archives"] = render_card("archives", archives=[ArchiveSummary(f"A_R_{n}", "", "M", None)
                                                          for n in range(150)])
    found["subscriptions"] = render_card("subscription", action="list", subscriptions=[{"id": n} for n in range(60)])
    return found


def test_more_lines_never_render_as_list_items(cut_cards):
    lines = [t for card in cut_cards.values() for t in texts(card) if re.search(r"\bmore\b", t)]
    assert len(lines) >= 10 and all(t.startswith("\\+ ") for t in lines if "more —" in t)
    for line in lines:
        html = MarkdownIt("commonmark").render(line)
        assert "<li>" not in html and "<ul>" not in html, line
    for card in cut_cards.values():  # the fallback's own bullets are "- " lines; a "more" line is never one
        for line in card.markdown.splitlines():
            if " more" in line and not line.startswith("- "):
                assert "<li>" not in MarkdownIt("commonmark").render(line), line


def test_only_a_1to1_gets_export_buttons_and_a_group_is_told_where_exports_go(cut_cards):
    for view in cards.VIEWS:
        group, direct = cut_cards[view, "group"], cut_cards[view, "direct"]
        # The recap card's five buttons go to the four views; attendance's sort its list; each other view exports,
        # but the AI notes (no table holds them).
        if view not in ("summary", "attendance", "notes"):
            assert [a["data"]["action"] for a in buttons(direct)][-1] == "export"
        # Recap posts exports only in a 1:1 space: in a group the button could only be refused.
        assert "export" not in [a["data"]["action"] for a in buttons(group)]
        if view not in ("summary", "notes", "speakers"):  # these two cut no list of people for a group
            assert "use **export** in a 1:1 space" in json.dumps(group.content, ensure_ascii=False), view


# --- where the meeting lives (issue 12, item 7) ---------------------------------------------------

def _instance(**fields):
    from bot.meetings import parse_meeting
    return parse_meeting({"id": "0ed74a1c_I_1", "title": "Weekly sync", "meetingNumber": "25551234567",
                          "siteUrl": "example.webex.com",
                          "webLink": "https://example.webex.com/example/j.php?MTID=m0ed74a1c", **fields})


def test_the_header_shows_the_meeting_number_site_and_a_link_when_recap_knows_the_meeting():
    from bot.digest import digest_of, with_meeting
    digest = with_meeting(digest_of(archive()), _instance())
    for audience in ("direct", "group"):  # the meeting's own link is no one's address: a group sees it too
        card = render_view("summary", digest, audience=audience, timezone="UTC")
        header = texts(card)[:7]
        assert "Meeting 2555 123 4567 · example.webex.com" in header
        assert "[Open in Webex](https://example.webex.com/example/j.php?MTID=m0ed74a1c)" in header
        assert "[Open in Webex](https://example.webex.com/example/j.php?MTID=m0ed74a1c)" in card.markdown
        assert ("host@example.com" in json.dumps(card.content)) == (audience == "direct")
    for view in ("summary", "attendance", "polls"):  # a link in the text, not one more button
        linked, plain = (render_view(view, d, audience="direct", timezone="UTC").content["actions"]
                         for d in (digest, digest_of(archive())))
        assert linked == plain


def test_without_the_meeting_instance_the_header_has_no_link_and_a_bad_link_is_dropped():
    from bot.digest import digest_of, with_meeting
    plain = texts(render_view("summary", archive(), audience="direct", timezone="UTC"))
    assert not [t for t in plain if "Open in Webex" in t or t.startswith("Meeting ")]
    for bad in ("javascript:alert(1)", "https://example.webex.com/x) [click](http://evil", "http://plain.example"):
        card = render_view("summary", with_meeting(digest_of(archive()), _instance(webLink=bad, meetingNumber=None)),
                           audience="group", timezone="UTC")
        assert "Open in Webex" not in json.dumps(card.content) and "example.webex.com" in texts(card)


def test_meeting_numbers_are_grouped_as_webex_writes_them():
    from bot.cards.format import meeting_number, site
    assert [meeting_number(n) for n in ("25551234567", "1348422712", "123456789", "2555-123-4567", "12")] == [
        "2555 123 4567", "134 842 2712", "123 456 789", "2555 123 4567", "12"]
    assert [site(u) for u in ("example.webex.com", "https://example.webex.com/", None)] == [
        "example.webex.com", "example.webex.com", None]
