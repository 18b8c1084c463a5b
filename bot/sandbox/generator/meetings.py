"""Deterministic generator of realistic Webex meeting data (archives, post-meeting chats, archive summaries).

Same seed, same output. Meetings look like real ones: people who rejoin several times (one
``correlationId`` per join), guests without e-mail, late joiners, early leavers; public, private
and group chats; single- and multiple-answer polls (spelt ``single``/``single answer``,
``multiple``/``multiple answers``) whose tallies, voters and respondents agree, most with a
correct answer; Q&A answered, unanswered (``answers: []``) and dismissed (no ``answers``). Names
and texts include quotes, backslashes, emoji, Arabic and Hebrew, markdown, ``<@all>`` and HTML
(see :mod:`bot.sandbox.generator.text`). Times are UTC with a ``Z``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta

import bot.sandbox.generator.text as words
from bot.sandbox.generator.attendance import (
    Clock,
    Person,
    attend,
    email_for,
    hostile_slots,
    make_people,
    participants_json,
    present,
)
from bot.sandbox.ids import ORG_ID, person_id, webex_id

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PUBLIC_TARGET = "All Participants"
GROUP_TARGETS = ("Host & Presenter", "All Panelists")
QA_TARGETS = {"public": "All Panelists", "private": "Host", "group": "Host & Presenter"}


def _chats(rng: random.Random, people: list[Person], count: int, duration: int, clock: Clock) -> list[dict]:
    hostile = hostile_slots(rng, count)
    chats = []
    for i, second in enumerate(sorted(rng.randint(0, duration) for _ in range(count))):
        sender, _ = present(rng, people, second)
        roll = rng.random()
        if roll < 0.7:
            kind, target = "public", PUBLIC_TARGET
        elif roll < 0.9:
            kind, target = "private", present(rng, people, second)[0].name
        else:
            kind, target = "group", rng.choice(GROUP_TARGETS)
        text = hostile.get(i) or rng.choice(words.CHAT_TEXTS)
        chats.append({"type": kind, "senderName": sender.name, "chatTime": clock(second), "target": target,
                      "text": text})
    return chats


def _poll_question(rng: random.Random, present: list[tuple[Person, int]], quiz: bool) -> dict:
    text, options = rng.choice(words.POLL_QUESTIONS)
    multiple = rng.random() < 0.35
    kind = rng.choice(("multiple", "multiple answers") if multiple else ("single", "single answer"))
    n = len(options)
    correct = set(rng.sample(range(n), rng.randint(1, min(2, n)) if multiple else 1)) if quiz else set()
    respondents = rng.sample(present, max(1, int(len(present) * rng.uniform(0.5, 0.95)))) if present else []
    voters: list[list[dict]] = [[] for _ in options]
    rows = []
    for person, cid in respondents:
        picks = sorted(rng.sample(range(n), rng.randint(1, min(3, n)))) if multiple else [rng.randrange(n)]
        for pick in picks:
            voters[pick].append(person.user(cid))
        rows.append({**person.user(cid), "answers": [options[p] for p in picks]})
    summary = []
    for i, option in enumerate(options):
        entry = {"totalRespondents": len(voters[i]), "isCorrect": i in correct, "text": option}
        if voters[i]:
            entry["voteUsers"] = voters[i]
        summary.append(entry)
    return {"voteUsers": [person.user(cid) for person, cid in respondents],
            "question": {"choiceCount": n, "type": kind, "text": text}, "answerSummary": summary,
            "respondents": rows}


def _polls(rng: random.Random, people: list[Person], count: int, duration: int, clock: Clock) -> list[dict]:
    polls = []
    for k in range(count):
        opened = duration * (k + 1) // (count + 1)
        present = [(p, cid) for p in people if (cid := p.cid_at(opened)) is not None]
        questions = [_poll_question(rng, present, quiz=(k == 0 and q == 0) or rng.random() < 0.7)
                     for q in range(rng.randint(1, 3))]
        voted = {r["correlationId"] for q in questions for r in q["respondents"]}
        polls.append({"type": "public", "startTime": clock(opened),
                      "endTime": clock(min(duration, opened + rng.randint(60, 180))),
                      "content": {"questionCount": len(questions), "userCount": len(present),
                                  "votedUserCount": len(voted), "questions": questions}})
    return polls


def _qas(rng: random.Random, people: list[Person], count: int, duration: int, clock: Clock) -> list[dict]:
    forced = ("public", "public-unanswered", "dismissed")
    entries = []
    for i, second in enumerate(sorted(rng.randint(0, duration - 60) for _ in range(count))):
        asker, _ = present(rng, people, second)
        roll = rng.random()
        kind = forced[i] if i < len(forced) else (
            "dismissed" if roll < 0.2 else "public" if roll < 0.7 else "private" if roll < 0.85 else "group")
        text = rng.choice(words.QA_QUESTIONS + words.HOSTILE_TEXTS[:4])
        if kind == "dismissed":
            entries.append({"type": "dismissed", "displayName": asker.name, "questionTime": clock(second),
                            "question": words.DISMISSED_TEXT if rng.random() < 0.5 else text})
            continue
        unanswered = kind.endswith("-unanswered") or (i >= len(forced) and rng.random() < 0.35)
        kind = kind.split("-")[0]
        entry = {"priority": "NA" if rng.random() < 0.8 else rng.choice(("High", "Medium", "Low")), "type": kind,
                 "displayName": asker.name, "questionTime": clock(second), "target": QA_TARGETS[kind],
                 "question": text, "answers": []}
        for _ in range(0 if unanswered else rng.randint(1, 3)):
            at = rng.randint(second, duration)
            who, cid = present(rng, people[: max(1, min(4, len(people)))], at)
            answer = {"displayName": who.name, "correlationId": cid, "answerTime": clock(at),
                      "text": rng.choice(words.QA_ANSWERS)}
            if who.email:
                answer["email"] = who.email
            if rng.random() < 0.3:
                answer["responseMode"] = "private" if kind == "private" else "public"
            entry["answers"].append(answer)
        entries.append(entry)
    return entries


def generate_archive(seed: int = 0, *, participants: int = 50, chats: int = 200, polls: int = 3,
                     questions: int = 20, start: datetime | None = None, title: str | None = None,
                     host: tuple[str, str] | None = None, service_type: str = "MeetingCenter") -> dict:
    """An archive-detail JSON object (API format) of a generated meeting; ``host`` is (name, email)."""
    rng = random.Random(seed)
    duration = rng.randint(30, 120) * 60
    clock = Clock(start or DEFAULT_START)
    people = make_people(rng, max(1, participants), host)
    attend(rng, people, duration)
    archive_id = f"{rng.getrandbits(128):032X}_R_{rng.randrange(10**9, 10**10)}"
    return {
        "archiveId": archive_id, "serviceType": service_type, "title": title or rng.choice(words.TITLES),
        "start": clock(0), "end": clock(duration), "hostDisplayName": people[0].name,
        "hostEmail": people[0].email,
        "participants": participants_json(people, clock),
        "chats": _chats(rng, people, chats, duration, clock),
        "polls": _polls(rng, people, polls, duration, clock),
        "qas": _qas(rng, people, questions, duration, clock),
    }


def _chat_person(name: str, email: str | None, index: int) -> dict:
    record = {"email": email} if email else {}
    record.update(displayName=name, personId=person_id(email) if email else webex_id("PEOPLE", f"guest:{index}"),
                  orgId=ORG_ID)
    return record


def _chat_receivers(rng: random.Random, roster: list[dict], sender: dict, kind: str) -> list[dict]:
    """Private: one person; group: a few; public: none (everyone, so Webex lists no one)."""
    others = [p for p in rng.sample(roster, min(len(roster), 5)) if p is not sender]
    return others[:1] if kind == "private" else others[: rng.randint(2, 4)] if kind == "group" else []


def generate_meeting_chats(meeting_id: str, count: int, seed: int = 0, *, start: datetime | None = None) -> list[dict]:
    """``count`` post-meeting chat items (API format) of one meeting instance, oldest first."""
    rng = random.Random(seed)
    size = max(3, min(200, count // 20 + 5))
    roster = [_chat_person(n, None if i == 2 or rng.random() < 0.1 else email_for(n, i), i)
              for i, n in enumerate(words.HOSTILE_NAMES[:size] + tuple(
                  f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
                  for _ in range(max(0, size - len(words.HOSTILE_NAMES)))))]
    clock, second, hostile, items = Clock(start or DEFAULT_START), 0, hostile_slots(rng, count), []
    for i in range(count):
        second += rng.randint(0, 20)
        sender = rng.choice(roster)
        roll = rng.random()
        kind = "public" if roll < 0.7 else "private" if roll < 0.9 else "group"
        items.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "chatTime": clock(second),
                      "text": hostile.get(i) or rng.choice(words.CHAT_TEXTS), "meetingId": meeting_id,
                      "type": kind, "sender": sender, "receivers": _chat_receivers(rng, roster, sender, kind)})
    return items


def meeting_chats_from_archive(archive: dict, meeting_id: str) -> list[dict]:
    """The archive's chats as post-meeting chat items (same texts and times), for seeding."""
    emails = {p.get("displayName"): p.get("email") for p in archive.get("participants") or [] if p.get("email")}
    if archive.get("hostEmail"):
        emails.setdefault(archive.get("hostDisplayName"), archive["hostEmail"])
    people: dict[str, dict] = {}

    def who(name: str) -> dict:
        if name not in people:
            people[name] = _chat_person(name, emails.get(name), len(people) + 1000)
        return people[name]

    items = []
    for i, chat in enumerate(archive.get("chats") or []):
        kind, target = chat.get("type", "public"), chat.get("target", "")
        digest = hashlib.sha256(f"{meeting_id}:{i}".encode()).hexdigest()
        items.append({"id": str(uuid.UUID(digest[:32])), "chatTime": chat.get("chatTime"), "text": chat.get("text", ""),
                      "meetingId": meeting_id, "type": kind, "sender": who(chat.get("senderName", "")),
                      "receivers": [who(target)] if kind == "private" and target in emails else []})
    return items


def generate_archive_summaries(count: int, start: datetime, end: datetime, seed: int = 0) -> list[dict]:
    """``count`` archive-summary items created in ``[start, end)``, newest first, unique ids."""
    rng = random.Random(seed)
    seconds = max(1, int((end - start).total_seconds()))
    items = []
    for i in range(count):
        created = start.astimezone(UTC) + timedelta(seconds=rng.randrange(seconds))
        items.append({"archiveId": f"{rng.getrandbits(128):032X}_R_{1_000_000_000 + i}",
                      "serviceType": rng.choice(("MeetingCenter",) * 8 + ("EventCenter", "TrainingCenter")),
                      "title": rng.choice(words.TITLES), "createTime": created.strftime("%Y-%m-%dT%H:%M:%SZ")})
    items.sort(key=lambda item: item["createTime"], reverse=True)
    return items
