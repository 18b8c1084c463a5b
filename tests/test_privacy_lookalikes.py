"""Look-alike e-mail addresses never reach a group space, and right-to-left names keep their counts beside them.

DESIGN §5: a group space never sees anyone's e-mail address, "in any form, look-alikes included". Addresses
are planted, obfuscated (full-width ＠ and ．, zero-width characters, ``[at]`` / ``(at)`` / `` at `` forms,
full-width letters), in every place meeting text reaches a card: the title, the host, attendee names,
chat lines, poll questions and answers, Q&A questions and answers. The group cards and their markdown
fallbacks, read back the way a person would (NFKC, zero-width characters ignored, the spelled-out
forms read as ``@`` and ``.``), must not hold any of them; the 1:1 cards still do.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.cards import literal, render_view
from bot.meetings import parse_archive
from bot.summaries import EMAIL_HIDDEN, UNKNOWN_RECIPIENT, mask_emails, recap

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
AT_FORMS = ["@", "＠", "﹫", " @ ", "[at]", " [at] ", "(at)", " (at) ", " at ", " AT ", "{at}", " [@] "]
DOT_FORMS = [".", "．", "。", "[dot]", " [dot] ", "(dot)", " dot ", " DOT ", "[.]"]
WRAPPERS = [("", ""), ("Mallory ", ""), ("write to ", " please"), ("(", ")"), ("<", ">"), ("محمد ", " (5)")]
FSI, PDI = "\u2068", "\u2069"
RTL_NAME = "محمد الأحمد"

locals_ = st.from_regex(r"[a-z][a-z0-9]{3,8}(?:[._+-][a-z0-9]{2,5})?", fullmatch=True)
labels = st.from_regex(r"[a-z][a-z0-9]{3,8}", fullmatch=True)
tops = st.sampled_from(["com", "org", "io", "co.uk", "info", "de"])


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width look-alikes (NFKC folds them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@st.composite
def disguised(draw) -> tuple[str, str]:
    """(the address as ``local@domain``, the same address disguised as a person might type it)."""
    local, label, top = draw(locals_), draw(labels), draw(tops)
    dot = draw(st.sampled_from(DOT_FORMS))
    shown = local + draw(st.sampled_from(AT_FORMS)) + label + dot + top.replace(".", dot)
    if draw(st.booleans()):
        shown = full_width(shown)
    for _ in range(draw(st.integers(0, 3))):  # zero-width characters anywhere, even inside "at"
        at = draw(st.integers(0, len(shown)))
        shown = shown[:at] + draw(st.sampled_from(ZERO_WIDTH)) + shown[at:]
    before, after = draw(st.sampled_from(WRAPPERS))
    return f"{local}@{label}.{top}", before + shown + after


def normalised(text: str) -> str:
    """NFKC, without zero-width characters, isolates or markdown escapes."""
    text = unicodedata.normalize("NFKC", text).replace("\u3002", ".")
    return re.sub(f"[{ZERO_WIDTH}{FSI}{PDI}\\\\]", "", text)


def read_back(text: str) -> str:
    """What a person reads as an address: normalised, with the spelled-out forms read as @ and ."""
    text = re.sub(r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+|\s*@\s*", "@", normalised(text), flags=re.I)
    text = re.sub(r"\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+", ".", text, flags=re.IGNORECASE)
    return text.lower()


def archive_with(texts: list[str]) -> dict:
    """An archive whose every meeting-text field holds one of ``texts`` (cycled), chat and Q&A all public.

    Each text is also a whole chat message, where nothing clips it: the 1:1 view must show every one.
    """
    pick, n = (lambda i: texts[i % len(texts)]), max(3, len(texts))
    return {
        "archiveId": "ABCDEF12_R_1", "title": f"Sync {pick(0)}", "hostDisplayName": pick(1),
        "hostEmail": "host@example.com", "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
        "participants": [{"displayName": pick(i), "joinedTime": "2026-01-05T09:00:00Z",
                          "leftTime": "2026-01-05T09:50:00Z"} for i in range(n)],
        "chats": [{"type": "public", "senderName": pick(i + 1), "target": pick(i + 2), "text": pick(i),
                   "chatTime": f"2026-01-05T09:1{i}:00Z"} for i in range(n)],
        "polls": [{"content": {"userCount": 3, "votedUserCount": 2, "questions": [
            {"question": {"text": pick(i), "type": "single"},
             "answerSummary": [{"text": pick(i + 1), "totalRespondents": 1, "isCorrect": True,
                                "voteUsers": [{"displayName": pick(i + 2)}]}]} for i in range(2)]}}],
        "qas": [{"type": "public", "displayName": pick(i), "question": pick(i + 1),
                 "questionTime": "2026-01-05T09:20:00Z",
                 "answers": [{"displayName": pick(i + 2), "text": pick(i), "answerTime": "2026-01-05T09:21:00Z"}]}
                for i in range(2)],
    }


def rendered(data: dict, audience: str) -> str:
    """Every view's card JSON and markdown fallback, as one text."""
    archive = parse_archive(json.loads(json.dumps(data)))
    cards = [render_view(view, archive, audience=audience, timezone="UTC") for view in
             ("summary", "attendance", "polls", "qa", "chats")]
    return "\n".join(json.dumps(c.content, ensure_ascii=False) + "\n" + c.markdown for c in cards)


ISSUE_EXAMPLE = [("mallory@example.com", "mallory＠example.com")]  # the issue's own case, on every run


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(ISSUE_EXAMPLE)
@given(st.lists(disguised(), min_size=1, max_size=4))
def test_no_disguised_address_reaches_a_group_card_and_a_1to1_still_shows_it(addresses):
    data = archive_with([shown for _, shown in addresses])
    group_text = rendered(data, "group")
    assert not re.search(r"[^\s@]+@[^\s@]+\.[^\s@]+", normalised(group_text))
    group, direct = read_back(group_text), read_back(rendered(data, "direct"))
    for address, _ in addresses:
        local, domain = address.split("@")
        assert address not in group and f"{local}@" not in group and domain not in group, address
        assert address in direct, address


@pytest.mark.parametrize("text", [
    "mallory＠example.com", "mal\u200blory@exam\u00adple.com", "name [at] domain [dot] com", "name(at)domain.com",
    "name at domain dot com", "Name AT Domain DOT org", "ｍａｌｌｏｒｙ＠ｅｘａｍｐｌｅ．ｃｏｍ", "a.b@mail.xn--p1ai",
    "x@sub.example.co.uk", "mallory @ example.com", "name [@] example [.] com", "محمد@example.com",
])
def test_each_form_is_masked_whole_domain_included(text):
    masked = mask_emails(f"before {text} after")
    assert masked == f"before {EMAIL_HIDDEN} after"


@pytest.mark.parametrize("text", [
    "Meet at 10.30 today", "see you @ 5pm", "Let's talk at noon. Then lunch", "3 @ 4.5 each",
    "Look at this: it works.", "Q3 at 12.5% growth", "v2.0 at last", "ping me at standup",
])
def test_ordinary_sentences_are_left_alone(text):
    assert mask_emails(text) == text


def test_a_clipped_address_is_still_masked():
    shown = literal("x" * 50 + " mallory@example.com", 60, hide_emails=True)  # "…mallory@exam…" would leak
    assert shown.startswith("x" * 50 + " (e-mail") and "mallory" not in shown and "@" not in shown


def test_the_group_recap_masks_at_the_data_level_too():
    data = archive_with(["mallory＠example.com"])
    group = recap(parse_archive(data), audience="group")
    values = [group.title, group.host_name, *(p.name for p in group.attendance.people),
              *(line.text for line in group.chats.lines), *(q.text for q in group.qa.questions),
              *(a.text for p in group.polls for q in p.questions for a in q.answers)]
    assert all("＠" not in v and EMAIL_HIDDEN in v for v in values), values


def test_right_to_left_names_are_isolated_so_counts_stay_beside_them():
    data = archive_with(["Alice"])
    data["participants"].append({"displayName": RTL_NAME, "joinedTime": "2026-01-05T09:00:00Z",
                                 "leftTime": "2026-01-05T09:55:00Z"})
    data["chats"] += [{"type": "public", "senderName": RTL_NAME, "text": f"hello {n}",
                       "chatTime": f"2026-01-05T09:3{n}:00Z"} for n in range(5)]
    for audience in ("group", "direct"):
        text = rendered(data, audience)
        assert f"{FSI}{RTL_NAME}{PDI}" in text, audience
        assert not re.search(f"(?<!{FSI}){RTL_NAME}|{RTL_NAME}(?!{PDI})", text), audience
    assert literal(RTL_NAME) == f"{FSI}{RTL_NAME}{PDI}" and literal("Alice (5)") == "Alice (5)"
    assert literal("[x] محمد") == f"{FSI}\\[x\\] محمد{PDI}"  # escaped first, then isolated


def test_an_unknown_recipient_is_named_unknown():
    data = archive_with(["Alice"])
    data["chats"] = [{"type": "private", "senderName": "Bob", "text": "psst", "chatTime": "2026-01-05T09:10:00Z"},
                     {"type": "private", "senderName": "Bob", "target": "?", "text": "again",
                      "chatTime": "2026-01-05T09:11:00Z"}]
    lines = recap(parse_archive(data), audience="direct").chats.lines
    assert [line.target for line in lines] == [UNKNOWN_RECIPIENT, UNKNOWN_RECIPIENT]
    assert f"Bob → {UNKNOWN_RECIPIENT}" in rendered(data, "direct")
