"""Property tests: any archive — random structure, hostile text, missing fields, empty or huge lists — renders every
view into a schema-valid card within the budget, and the group view never shows private text or an e-mail address."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.cards import card_size, validate_card
from bot.cards import render as cards
from bot.meetings import parse_archive

PRIVATE = "⟦private⟧"  # marks every non-public chat line and question; no other text may contain "⟦"
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
HOSTILE = ["[click](http://x)", "<@all>", "<@personEmail:boss@example.com|Boss>", "**bold**", "_it_", "`code`",
           "<script>alert(1)</script>", '"quoted", \\ back', "# heading", "1. list", "- item", "> quote",
           "\u202eevil\u202c", "\x00\x07\x1b", "\ud800", "😀👍🏽", "mail carol@example.org now",
           "dave.o'neil+x@sub.example.co.uk", "=SUM(A1)",
           "line\nbreak\r\n", "  ", "", "a" * 600, "}\"]}", "{{ tojson }}", "{% raw %}"]

plain_text = st.one_of(st.text(max_size=40).filter(lambda s: "⟦" not in s), st.sampled_from(HOSTILE))
maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731
times = maybe(st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(["2026-01-05T09:00:00+08:00", "1970-01-01T00:00:00Z", "not a time", "", "2026-02-30T25:61:00Z"])))
emails = maybe(st.one_of(st.emails(), st.just("someone@example.com")))


def entry(**fields):
    """A dict strategy where each field may also be missing (optional fields go missing in real archives)."""
    return st.fixed_dictionaries({}, optional=fields)


participants = entry(displayName=plain_text, email=emails, correlationId=st.integers(-2**31, 2**31),
                     joinedTime=times, leftTime=times)
chat_type = st.sampled_from(["public", "private", "group", "", "PUBLIC", "weird"])


@st.composite
def chats(draw):
    kind = draw(chat_type)
    text = draw(plain_text)
    if kind.lower() != "public":
        text = PRIVATE + text
    return {**draw(entry(senderName=plain_text, chatTime=times, target=plain_text)), "type": kind, "text": text}


answers = entry(text=plain_text, totalRespondents=st.integers(-5, 5000), isCorrect=st.booleans(),
                voteUsers=st.lists(entry(displayName=plain_text, email=emails), max_size=5))
respondents = entry(displayName=plain_text, email=emails, answers=st.lists(plain_text, max_size=3))
poll_questions = entry(
    question=entry(text=plain_text, type=st.sampled_from(["single", "single answer", "Multiple Answers", "short",
                                                          "other"]), choiceCount=st.integers(0, 9)),
    answerSummary=st.lists(answers, max_size=8), respondents=st.lists(respondents, max_size=8),
    voteUsers=st.lists(entry(displayName=plain_text, email=emails), max_size=4))
polls = entry(startTime=times, endTime=times, content=entry(
    userCount=st.integers(-1, 10_000), votedUserCount=st.integers(-1, 10_000),
    questions=st.lists(poll_questions, max_size=4)))
qa_answers = entry(displayName=plain_text, email=emails, answerTime=times, text=plain_text,
                   responseMode=st.sampled_from(["private", "public"]))


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(["public", "private", "group", "dismissed", ""]))
    text = draw(plain_text)
    if kind != "public":
        text = PRIVATE + text
    return {**draw(entry(displayName=plain_text, questionTime=times, target=plain_text, priority=plain_text,
                         answers=st.lists(qa_answers, max_size=4))), "type": kind, "question": text}


@st.composite
def archives(draw):
    """An archive in the API's JSON, with lists sometimes repeated into the thousands."""
    data = draw(entry(title=plain_text, start=times, end=times, hostDisplayName=plain_text, hostEmail=emails,
                      serviceType=st.sampled_from(["MeetingCenter", "EventCenter", "", "x"])))
    data["archiveId"] = draw(st.from_regex(r"[0-9A-F]{8,32}_R_[0-9]{1,12}", fullmatch=True))
    for key, strategy, limit in (("participants", participants, 6), ("chats", chats(), 6),
                                 ("polls", polls, 3), ("qas", questions(), 5)):
        if draw(st.booleans()):
            items = draw(st.lists(strategy, max_size=limit))
            data[key] = items * draw(st.sampled_from([1, 1, 1, 40, 400])) if items else items
    return data


def strings(node, skip_data=True):
    """Every string a person can see in a card (button data is for the bot, not shown)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not (skip_data and key == "data"):
                yield from strings(value, skip_data)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, skip_data)
    elif isinstance(node, str):
        yield node


def raw_emails(data: dict) -> set[str]:
    found = set()
    for node in strings(data, skip_data=False):
        found.update(m.group(0).lower() for m in EMAIL.finditer(node))
    return {e for e in found if len(e) > 5}


E_MAILS_EVERYWHERE = {  # a fixed case, so the e-mail rule is exercised on every run, not only by luck
    "archiveId": "ABCDEF12_R_1", "title": "Sync with x@example.com", "hostDisplayName": "h@example.com",
    "hostEmail": "host@example.com", "start": "2026-01-05T09:00:00Z",
    "participants": [{"displayName": "p@example.com", "email": "p2@example.com"}],
    "chats": [{"type": "public", "senderName": "s@example.com", "target": "t@example.com", "text": "u@example.com"}],
    "polls": [{"content": {"questions": [{"question": {"text": "q@example.com"}, "answerSummary": [
        {"text": "a@example.com", "voteUsers": [{"displayName": "v@example.com", "email": "w@example.com"}]}]}]}}],
    "qas": [{"type": "public", "displayName": "k@example.com", "question": "m@example.com",
             "answers": [{"displayName": "n@example.com", "email": "o@example.com", "text": "r@example.com"}]}],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(E_MAILS_EVERYWHERE, "UTC")
@given(archives(), st.sampled_from(["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Kiritimati"]))
def test_every_view_renders_valid_within_budget_and_private_stays_private(data, zone):
    archive = parse_archive(json.loads(json.dumps(data)))  # through JSON, as the API delivers it
    secrets = raw_emails(data)
    for view in cards.VIEWS:
        for audience in ("group", "direct"):
            card = cards.render_view(view, archive, audience=audience, timezone=zone)
            validate_card(card.content)
            assert card_size(card.content) <= 24_000
            assert len(card.markdown.encode("utf-8")) < 7_439
            shown = list(strings(card.content)) + [card.markdown]
            assert not any("<@" in s for s in shown)
            if audience == "group":
                dumped = json.dumps(card.content, ensure_ascii=False).lower() + card.markdown.lower()
                assert PRIVATE not in dumped, (view, "private text in a group card")
                assert not any(EMAIL.search(s) for s in shown), (view, [s for s in shown if EMAIL.search(s)])
                assert not any(e in dumped for e in secrets), (view, "an archive e-mail in a group card")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(plain_text, st.sampled_from([None, "2026-01-05T09:50:11Z", "junk"])), max_size=300),
       st.integers(2_000, 30_000))
def test_archive_picker_renders_any_titles_within_any_budget(rows, budget):
    from bot.meetings import parse_archive_summary

    items = [parse_archive_summary({"archiveId": f"ABCDEF12_R_{n}", "title": t, "createTime": c})
             for n, (t, c) in enumerate(rows)]
    card = cards.render_card("archives", archives=items, timezone="Europe/Paris", budget_bytes=budget)
    validate_card(card.content)
    assert card_size(card.content) <= budget and len(card.markdown.encode("utf-8")) < 7_439
