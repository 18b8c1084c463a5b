"""Polls (issue 12, item 5): one base on a card, named (the people present while the poll ran), who did not
answer in a 1:1 (counted in a group), single and multiple choice said as such; the digest keeps what they need."""

from __future__ import annotations

import json

from bot.cards import render_view
from bot.digest import FORMAT_VERSION, decode, digest_of, encode
from bot.meetings import parse_archive
from bot.summaries import recap
from tests.test_cards import poll_rows, texts

BASE = {"archiveId": "ABCDEF12_R_1", "title": "Weekly sync", "start": "2026-01-05T09:00:00Z",
        "end": "2026-01-05T10:00:00Z", "hostDisplayName": "Host", "hostEmail": "host@example.com"}


def join(name, joined, left, email=None):
    return {"displayName": name, "joinedTime": f"2026-01-05T{joined}:00Z", "leftTime": f"2026-01-05T{left}:00Z",
            **({"email": email} if email else {})}


def question(respondents, kind="single", answers=(("yes", True), ("no", False))):
    """Everyone in ``respondents`` (name, e-mail) picks the first answer."""
    return {"question": {"type": kind, "text": "Ship it?"},
            "answerSummary": [{"text": t, "totalRespondents": len(respondents) if i == 0 else 0, "isCorrect": ok}
                              for i, (t, ok) in enumerate(answers)],
            "respondents": [{"displayName": n, "email": e, "answers": [answers[0][0]]} for n, e in respondents]}


def poll(*questions, start="09:10", end="09:12", users=0, voted=0):
    return {"startTime": f"2026-01-05T{start}:00Z", "endTime": f"2026-01-05T{end}:00Z",
            "content": {"userCount": users, "votedUserCount": voted, "questions": list(questions)}}


def meeting(participants, polls):
    return parse_archive({**BASE, "participants": participants, "polls": polls})


# Gone before the poll (09:00–09:05) and came after it (09:20–10:00): not present, so not "did not answer".
PRESENT = [join(f"Person {n}", "09:00", "10:00", f"p{n}@example.com") for n in range(5)] + [
    join("Gone Early", "09:00", "09:05", "gone@example.com"), join("Came Later", "09:20", "10:00"),
    join("Just In Time", "09:11", "10:00")]
VOTERS = [("Person 0", "p0@example.com"), ("Person 1", "p1@example.com"), ("Just In Time", None)]


def test_one_base_on_the_card_the_people_present_when_the_poll_ran():
    archive = meeting(PRESENT, [poll(question(VOTERS))])
    shown = texts(render_view("polls", archive, audience="direct", timezone="UTC"))
    # 6 present (Person 0–4 and Just In Time), not the 8 who came nor the 0 users the archive reported.
    assert "Poll 1: 09:10–09:12 · 3 of the 6 people present when the poll ran voted (50%)" in shown
    assert "3 of the 6 present answered (50%) · 3 did not · correct: yes" in shown
    assert "Every count and share is of the people present when the poll ran." in shown
    summary = texts(render_view("summary", archive, audience="direct", timezone="UTC"))
    line = "1 poll · 1 question · 3 of the 6 people present during the polls (50%) voted in at least one poll"
    assert line in summary
    # The bars too: "yes" got 3 of those 6.
    assert [r[1:3] for r in poll_rows(render_view("polls", archive, audience="group", timezone="UTC"))] == [
        (50.0, "3 · 50%"), (0.0, "0 · 0%")]


def test_a_1to1_names_who_was_present_and_did_not_answer():
    archive = meeting(PRESENT, [poll(question(VOTERS))])
    card = render_view("polls", archive, audience="direct", timezone="UTC")
    assert "Did not answer: Person 2, Person 3, Person 4" in texts(card)
    assert "Did not answer: Person 2, Person 3, Person 4" in card.markdown
    everything = json.dumps(card.content)
    assert "Gone Early" not in everything and "Came Later" not in everything


def test_the_did_not_answer_line_is_capped_and_keeps_the_count():
    people = [join(f"Member {n:02d}", "09:00", "10:00", f"m{n}@example.com") for n in range(14)]
    archive = meeting(people, [poll(question([("Member 00", "m0@example.com")]))])
    shown = texts(render_view("polls", archive, audience="direct", timezone="UTC"))
    names = ", ".join(f"Member {n:02d}" for n in range(1, 9))
    assert f"Did not answer: {names} + 5 more" in shown
    assert "1 of the 14 present answered (7%) · 13 did not · correct: yes" in shown


def test_a_group_gets_the_count_of_who_did_not_answer_never_the_names():
    archive = meeting(PRESENT, [poll(question(VOTERS))])
    card = render_view("polls", archive, audience="group", timezone="UTC")
    shown = texts(card)
    assert "3 of the 6 present answered (50%) · 3 did not · correct: yes" in shown
    assert not [t for t in shown if t.startswith("Did not answer")]
    for name in ("Person 0", "Person 2", "Just In Time"):  # neither who voted nor who did not
        assert name not in json.dumps(card.content, ensure_ascii=False) + card.markdown
    # The group filter drops the names itself, so no view can show them; the count stays.
    (q,) = recap(archive, audience="group").polls[0].questions
    assert (q.missing, q.missing_count, q.responses) == ((), 3, ())
    assert recap(archive, audience="direct").polls[0].questions[0].missing == ("Person 2", "Person 3", "Person 4")


def test_a_respondent_the_attendance_lacks_still_counts_in_the_base():
    archive = meeting(PRESENT, [poll(question([*VOTERS, ("Dial In", "dial@example.com")]))])
    shown = texts(render_view("polls", archive, audience="direct", timezone="UTC"))
    assert "Poll 1: 09:10–09:12 · 4 of the 7 people present when the poll ran voted (57%)" in shown


def test_without_named_respondents_nobody_is_said_not_to_have_answered():
    totals = {"question": {"type": "single", "text": "Q"}, "answerSummary": [{"text": "yes", "totalRespondents": 2}]}
    digest = digest_of(meeting(PRESENT, [poll(totals, voted=2)]))
    (q,) = digest.polls[0].questions
    assert (q.missing, q.missing_count) == ((), None)
    shown = texts(render_view("polls", digest, audience="direct", timezone="UTC"))
    assert "2 of the 6 present answered (33%)" in shown and not [t for t in shown if "did not" in t.lower()]


def test_a_poll_without_times_is_of_everyone_in_the_meeting_and_says_so():
    untimed = {"content": {"userCount": 0, "votedUserCount": 0, "questions": [question(VOTERS)]}}
    shown = texts(render_view("polls", meeting(PRESENT, [untimed]), audience="direct", timezone="UTC"))
    assert [t for t in shown if t.startswith("Poll 1")] == ["Poll 1: 3 of the 8 people in the meeting voted (38%)"]
    assert "Every count and share is of the people present when the poll ran." not in shown


def test_single_and_multiple_choice_are_said_as_such():
    archive = meeting(PRESENT, [poll(question(VOTERS), question(VOTERS, kind="multiple answers"))])
    shown = texts(render_view("polls", archive, audience="direct", timezone="UTC"))
    assert "Q1 · single choice (one answer)" in shown and "Q2 · multiple choice (several answers)" in shown


def test_the_digest_keeps_who_did_not_answer_through_its_codec():
    digest = digest_of(meeting(PRESENT, [poll(question(VOTERS))]))
    assert FORMAT_VERSION >= 2  # 2 added who did not answer
    (stat,) = digest.polls
    assert (stat.eligible, stat.base, digest.poll_present) == (6, "present", 6)
    assert (stat.questions[0].missing, stat.questions[0].missing_count) == (("Person 2", "Person 3", "Person 4"), 3)
    assert decode(encode(digest)) == digest
