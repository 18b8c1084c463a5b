"""Attendance, polls, Q&A and chat analysis, and the privacy view for group spaces."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot import summaries
from bot.meetings import parse_archive, parse_meeting_chat

DOC_EXAMPLE = Path(__file__).parent / "data" / "doc_example_archive.json"


def doc_archive():
    return parse_archive(json.loads(DOC_EXAMPLE.read_text()))


def archive(**fields):
    base = {"archiveId": "ABCDEF12_R_1", "title": "Weekly sync", "start": "2026-01-05T09:00:00Z",
            "end": "2026-01-05T10:00:00Z", "hostDisplayName": "Host", "hostEmail": "host@example.com"}
    base.update(fields)
    return parse_archive(base)


def join(name, joined, left, email=None):
    entry = {"displayName": name, "joinedTime": f"2026-01-05T{joined}:00Z" if joined else None,
             "leftTime": f"2026-01-05T{left}:00Z" if left else None}
    if email:
        entry["email"] = email
    return entry


def test_documented_example_hand_count():
    """Hand count of the documented example: 3 people, votes 1/2/0, answer "3" correct, 1 answered + 1 dismissed."""
    recap = summaries.recap(doc_archive())
    people = recap.attendance
    assert [p.name for p in people.people] == ["Antoine Griezmann", "Marco Reus", "Marcos Alonso"]
    assert (people.joins, people.peak, people.median_seconds) == (3, 3, 5 * 60 + 23)
    assert (people.late_joiners, people.early_leavers) == (0, 0)
    (poll,) = recap.polls
    (question,) = poll.questions
    assert [(a.text, a.count) for a in question.answers] == [("1", 1), ("2", 2), ("3", 0)]
    assert [a.percent for a in question.answers] == [33.3, 66.7, 0.0]
    assert question.correct_answers == ("3",)
    assert (question.respondents, poll.voters, poll.participation) == (3, 3, 100.0)
    qa = recap.qa
    assert (qa.total, qa.answered, qa.unanswered, qa.dismissed) == (2, 1, 0, 1)
    assert len(qa.questions[0].answers) == 3
    # The first answer is stamped 6 s before its question: clock drift, counted as immediate.
    assert qa.questions[0].first_answer_seconds == 0
    assert recap.chats.by_type == {"public": 1, "group": 0, "private": 0}
    assert recap.chats.top_senders == (("Marcos Alonso", 1),)


def test_people_grouped_by_email_then_name_with_overlaps_merged_and_rejoins_counted():
    a = archive(participants=[
        join("Alice", "09:00", "09:20", "alice@example.com"),
        join("Alice (phone)", "09:10", "09:30", "ALICE@example.com"),  # overlaps: merged, not a rejoin
        join("Alice", "09:40", "09:50"),  # no e-mail, same name as the e-mail group: same person
        join("Bob", "09:02", "09:59"),
        join("Bob", "09:02", "09:59", "bob2@example.com"),  # name seen with an e-mail: grouped there
    ])
    people = {p.name: p for p in summaries.attendance(a).people}
    alice = people["Alice"]
    assert (alice.joins, alice.rejoins, alice.seconds) == (3, 1, 40 * 60)
    assert alice.email == "alice@example.com"
    assert (alice.first_join.minute, alice.last_leave.minute) == (0, 50)
    assert people["Bob"].joins == 2 and people["Bob"].seconds == 57 * 60
    assert len(people) == 2


def test_late_joiners_early_leavers_peak_and_median():
    a = archive(participants=[
        join("On time", "09:00", "10:00"),
        join("Five minutes", "09:05", "09:55"),  # exactly 5 min: neither late nor early
        join("Late", "09:06", "10:00"),
        join("Early", "09:00", "09:54"),
        join("Hand-over", "10:00", "10:00"),  # zero length at the very end
    ])
    result = summaries.attendance(a)
    flags = {p.name: (p.late, p.left_early) for p in result.people}
    assert flags["Five minutes"] == (False, False)
    assert flags["Late"] == (True, False) and flags["Early"] == (False, True)
    assert (result.late_joiners, result.early_leavers) == (2, 1)  # "Hand-over" joined at the very end
    assert result.peak == 4 and result.peak_time.minute == 6
    assert result.median_seconds == 54 * 60


def test_peak_does_not_double_count_a_hand_over_and_open_joins_last_until_the_end():
    a = archive(participants=[join("A", "09:00", "09:30"), join("B", "09:30", None), join("C", None, None)])
    result = summaries.attendance(a)
    assert result.peak == 2  # C is there all along (no times: the whole meeting), A hands over to B
    b = next(p for p in result.people if p.name == "B")
    assert b.seconds == 30 * 60 and b.last_leave.hour == 10 and not b.left_early


def test_empty_archive():
    result = summaries.recap(parse_archive({}))
    assert result.attendance.people == () and result.attendance.peak == 0
    assert result.attendance.median_seconds is None
    assert result.polls == () and result.qa.total == 0 and result.chats.total == 0
    assert result.chats.first is None


def test_multiple_choice_percentages_are_of_respondents_and_voters_fill_in_missing_respondents():
    poll = {"startTime": "2026-01-05T09:10:00Z", "content": {"userCount": 10, "votedUserCount": 4, "questions": [
        {"question": {"type": "Multiple Answers", "text": "Pick"},
         "answerSummary": [
             {"text": "A", "totalRespondents": 3, "isCorrect": True,
              "voteUsers": [{"displayName": "x"}, {"displayName": "y"}, {"displayName": "z"}]},
             {"text": "B", "totalRespondents": 2, "isCorrect": True,
              "voteUsers": [{"displayName": "x"}, {"displayName": "w", "email": "w@example.com"}]},
             {"text": "C", "totalRespondents": 0}]}]}}
    (stat,) = summaries.polls(archive(polls=[poll]))
    (question,) = stat.questions
    assert question.type == "multiple" and question.respondents == 4
    assert [a.percent for a in question.answers] == [75.0, 50.0, 0.0]
    assert question.correct_answers == ("A", "B")
    assert {r.display_name: r.answers for r in question.responses}["x"] == ("A", "B")
    assert (stat.voters, stat.eligible, stat.participation) == (4, 10, 40.0)


def test_participation_falls_back_to_attendance_when_user_count_is_too_small():
    poll = {"content": {"userCount": 1, "votedUserCount": 2, "questions": []}}
    (stat,) = summaries.polls(archive(polls=[poll]), attendees=5)
    assert (stat.voters, stat.eligible, stat.participation) == (2, 5, 40.0)
    (stat,) = summaries.polls(archive(polls=[poll]))
    assert (stat.eligible, stat.participation) == (2, 100.0)


def test_qa_statuses_and_median_time_to_first_answer():
    qas = [
        {"type": "public", "displayName": "A", "questionTime": "2026-01-05T09:10:00Z", "question": "one",
         "answers": [{"displayName": "H", "answerTime": "2026-01-05T09:12:00Z", "text": "later"},
                     {"displayName": "H", "answerTime": "2026-01-05T09:11:00Z", "text": "first"}]},
        {"type": "private", "displayName": "B", "questionTime": "2026-01-05T09:20:00Z", "question": "two",
         "answers": [{"displayName": "H", "answerTime": "2026-01-05T09:30:00Z", "text": "x"}]},
        {"type": "group", "displayName": "C", "question": "three"},
        {"type": "dismissed", "displayName": "D", "question": "four"},
    ]
    stats = summaries.qa(archive(qas=qas))
    assert (stats.total, stats.answered, stats.unanswered, stats.dismissed) == (4, 2, 1, 1)
    assert [q.first_answer_seconds for q in stats.questions] == [60, 600, None, None]
    assert stats.median_first_answer_seconds == 330


def test_chat_stats_from_post_meeting_chats():
    items = [
        {"id": "1", "chatTime": "2026-01-05T09:06:30Z", "text": "Sent!", "type": "private",
         "sender": {"displayName": "Host", "email": "host@example.com"},
         "receivers": [{"displayName": "Alice", "email": "alice@example.com"}]},
        {"id": "2", "chatTime": "2026-01-05T09:05:00Z", "text": "Slides please", "type": "public",
         "sender": {"displayName": "Alice", "email": "alice@example.com"}, "receivers": []},
        {"id": "3", "chatTime": "2026-01-05T09:07:00Z", "text": "Thanks", "type": "public",
         "sender": {"displayName": "Alice"}, "receivers": []},
    ]
    stats = summaries.chat_stats([parse_meeting_chat(i) for i in items])
    assert stats.total == 3 and stats.by_type == {"public": 2, "group": 0, "private": 1}
    assert stats.top_senders == (("Alice", 2), ("Host", 1))
    assert [line.text for line in stats.lines] == ["Slides please", "Sent!", "Thanks"]
    assert stats.lines[1].target == "Alice" and stats.lines[0].target == "All Participants"
    assert (stats.first.minute, stats.last.minute) == (5, 7)


def everything(recap):
    return (recap.host_email, recap.attendance, recap.polls, recap.qa, recap.chats)


def test_group_view_keeps_counts_but_drops_private_text_and_every_email():
    a = archive(
        participants=[join("Alice", "09:00", "10:00", "alice@example.com")],
        chats=[{"type": "public", "senderName": "Alice", "text": "hello all"},
               {"type": "private", "senderName": "Bob", "text": "secret plan"},
               {"type": "group", "senderName": "Bob", "text": "panel only"}],
        qas=[{"type": "public", "displayName": "A", "question": "open question",
              "answers": [{"displayName": "H", "email": "h@example.com", "text": "ok"}]},
             {"type": "private", "displayName": "B", "question": "private question"}],
        polls=[{"content": {"questions": [{"question": {"text": "Q"}, "answerSummary": [
            {"text": "yes", "totalRespondents": 1, "voteUsers": [{"displayName": "V", "email": "v@example.com"}]}],
            "respondents": [{"displayName": "V", "email": "v@example.com", "answers": ["yes"]}]}]}}])
    group = summaries.recap(a, audience="group")
    assert group.chats.total == 3 and group.chats.by_type["private"] == 1 and group.chats.hidden == 2
    assert [line.text for line in group.chats.lines] == ["hello all"]
    assert group.chats.top_senders == (("Alice", 1),)
    assert group.qa.total == 2 and group.qa.hidden == 1 and [q.text for q in group.qa.questions] == ["open question"]
    assert group.polls[0].questions[0].answers[0].count == 1
    dumped = repr(everything(group))
    for secret in ("@example.com", "secret plan", "panel only", "private question"):
        assert secret not in dumped
    direct = repr(everything(summaries.recap(a, audience="direct")))
    assert "secret plan" in direct and "alice@example.com" in direct and "v@example.com" in direct


def test_unknown_audience_is_refused():
    with pytest.raises(ValueError):
        summaries.recap(doc_archive(), audience="everyone")


# --- regressions found on the screenshots ------------------------------------------------------------

def at(hhmm):
    return datetime.fromisoformat(f"2026-01-05T{hhmm}:00+00:00")


@pytest.mark.parametrize("start, end", [("2026-01-05T10:00:00Z", "2026-01-05T10:00:00Z"),  # the documented case
                                        ("2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z"),  # inverted
                                        (None, None)])
def test_span_falls_back_to_first_join_and_last_leave_when_the_recorded_one_is_unusable(start, end):
    a = archive(start=start, end=end, participants=[
        join("First", "09:00", "10:00"), join("Late", "09:20", "10:00"), join("Early", "09:00", "09:40")])
    assert summaries.reference_span(a) == summaries.meeting_span(a) == (at("09:00"), at("10:00"))
    assert (summaries.recap(a).start, summaries.recap(a).end) == (at("09:00"), at("10:00"))
    # Against a 10:00–10:00 meeting nobody would be late (all joined before 10:05) and nobody early.
    flags = {p.name: (p.late, p.left_early) for p in summaries.attendance(a).people}
    assert flags == {"First": (False, False), "Late": (True, False), "Early": (False, True)}


def test_a_missing_end_falls_back_to_the_last_leave_and_open_joins_end_there():
    a = archive(end=None, participants=[join("A", "09:00", "09:50"), join("B", "09:00", None)])
    assert summaries.reference_span(a) == (at("09:00"), at("09:50"))
    b = next(p for p in summaries.attendance(a).people if p.name == "B")
    assert b.seconds == 50 * 60 and not b.left_early


def test_joins_outside_the_recorded_span_widen_what_is_shown_but_not_who_counts_as_late():
    a = archive(participants=[join("Early bird", "08:50", "10:00"), join("On time", "09:03", "10:00"),
                              join("Late", "09:06", "10:10")])
    assert summaries.meeting_span(a) == (at("08:50"), at("10:10"))  # every join falls inside what the card shows
    assert summaries.reference_span(a) == (at("09:00"), at("10:00"))  # the recorded span still judges lateness
    flags = {p.name: p.late for p in summaries.attendance(a).people}
    assert flags == {"Early bird": False, "On time": False, "Late": True}  # "On time" is 13 min after the bird


def poll_of(*questions, users=5, voted=0):
    return {"startTime": "2026-01-05T09:10:00Z", "endTime": "2026-01-05T09:12:00Z",
            "content": {"userCount": users, "votedUserCount": voted, "questions": list(questions)}}


def question(text, *respondents):
    """A single-choice question answered "yes" by each (name, email) in ``respondents``."""
    return {"question": {"type": "single", "text": text},
            "answerSummary": [{"text": "yes", "totalRespondents": len(respondents), "isCorrect": True},
                              {"text": "no", "totalRespondents": 0}],
            "respondents": [{"displayName": n, **({"email": e} if e else {}), "answers": ["yes"]}
                            for n, e in respondents]}


ANN, ANN_AGAIN, BOB, CAROL = ("Ann", "ann@example.com"), ("Ann Smith", "ANN@example.com"), ("Bob", None), \
    ("Carol", "carol@example.com")


def test_poll_participation_counts_people_not_respondent_question_pairs():
    """4 questions over 2 polls, 10 answers in all, from 3 people: Ann (by e-mail, under two names), Bob (by name,
    no e-mail) and Carol (once)."""
    a = archive(polls=[poll_of(question("Q1", ANN, BOB), question("Q2", ANN, BOB, CAROL), voted=3),
                       poll_of(question("Q3", ANN_AGAIN, BOB), question("Q4", ANN_AGAIN, BOB, CAROL), voted=3)])
    assert sum(q.respondents for p in summaries.polls(a) for q in p.questions) == 10
    assert summaries.poll_voters(a) == (3, True)
    assert summaries.recap(a, audience="group").poll_voters == (3, True)  # counted before the group view drops names


def test_poll_participation_without_names_is_a_lower_bound():
    def totals_only(count):
        return {"question": {"type": "single", "text": "Q"},
                "answerSummary": [{"text": "yes", "totalRespondents": count}]}

    a = archive(polls=[poll_of(totals_only(4), voted=4), poll_of(totals_only(2), voted=2)])
    assert summaries.poll_voters(a) == (4, False)  # the biggest poll's voters, not 6: the same people may vote twice
    assert summaries.poll_voters(archive()) == (0, True)


def test_group_view_numbers_people_who_share_a_display_name():
    a = archive(participants=[join("Quentin Haddad", "09:00", "10:00", "q1@example.com"),
                              join("quentin haddad", "09:10", "10:00", "q2@example.com"),
                              join("Alice", "09:05", "10:00", "alice@example.com")])
    group = [p.name for p in summaries.recap(a, audience="group").attendance.people]
    # By name, and numbered in that order: an order of arrival would tell who came first.
    assert group == ["Alice", "Quentin Haddad (1)", "quentin haddad (2)"]
    direct = [p.name for p in summaries.recap(a, audience="direct").attendance.people]
    assert direct == ["Quentin Haddad", "Alice", "quentin haddad"]  # a 1:1 shows their e-mails instead


def test_people_count_groups_joins_like_attendance():
    a = archive(participants=[join("Alice", "09:00", "09:20", "alice@example.com"), join("Alice", "09:40", "09:50"),
                              join("Bob", "09:02", "09:59"), join("bob", "09:30", "09:40"), join("Carol", None, None)])
    assert summaries.people_count(a) == len(summaries.attendance(a).people) == 3
    recap = summaries.recap(a)
    assert recap.people == 3 and "attendance" not in vars(recap)  # counted without timing anyone
