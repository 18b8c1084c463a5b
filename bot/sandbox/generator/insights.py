"""Post-meeting insights of a generated (or documented) meeting: AI summary, transcript snippets, recording, invitees.

``generate_insights(archive, meeting)`` reads the archive-detail JSON (who came, what the chat, polls
and Q&A said) and the meeting instance, and returns the JSON Webex would serve for them, the same for
the same meeting id (the seed is a hash of it):

- ``summary``: a ``SummaryObject`` whose note is HTML (paragraphs, a list, entities; meeting text is
  escaped into it) and 3–6 action items that name what the chat, polls and Q&A were about;
- ``transcript`` and ``snippets``: a ``TranscriptObject`` and its ``SnippetObject`` list, spoken by
  attendees (the host most), offsets inside the meeting, in order, never overlapping;
- ``recording``: one recording (admin/compliance shape) with loopback-safe, never-fetched links;
- ``invitees``: most attendees who have an address (the host excluded), one attendee who joined
  without an address but was invited by name, and 2–4 people who never came.
"""

from __future__ import annotations

import hashlib
import html
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.generator.attendance import email_for
from bot.sandbox.ids import SITE_URL

SPEECH = (
    "Let's get started, thanks everyone for joining.", "Quick update on where we are.",
    "I think we should prioritise the export work.", "Can we take a look at the numbers?",
    "That makes sense to me.", "We'll follow up on that after the meeting.", "Any objections?",
    "I'll share the slides in the chat.", "The deadline is the end of the month.", "Let's move on to questions.",
    "Good point, let's note it as an action item.", "I agree with what was said.", "One more thing before we close.",
)
NO_SHOW_NAMES = ("Greta Lindqvist", "Kofi Mensah", "Priya Patel", "Søren Jensen", "Yael Cohen", "Tomás García")
PLAYBACK = f"https://{SITE_URL}/recordingservice/sites/example/recording/playback/"
DOWNLOAD = f"https://{SITE_URL}/recordingservice/sites/example/recording/download/"


def insight_seed(meeting_id: str) -> int:
    """The generator seed of a meeting's insights (a hash of its id: stable across runs)."""
    return int(hashlib.sha256(f"insights:{meeting_id}".encode()).hexdigest()[:16], 16)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def attendees_of(archive: dict) -> list[tuple[str, str | None]]:
    """The distinct people of an archive, ``(displayName, email)``, in joining order (host first when known)."""
    seen: dict[str, tuple[str, str | None]] = {}
    host = (str(archive.get("hostDisplayName") or ""), archive.get("hostEmail") or None)
    if host[0]:
        seen[host[0]] = host
    for row in archive.get("participants") or []:
        if isinstance(row, dict) and row.get("displayName"):
            name = str(row["displayName"])
            if name not in seen or (seen[name][1] is None and row.get("email")):
                seen[name] = (name, row.get("email") or None)
    return list(seen.values())


def _topics(archive: dict) -> dict[str, list[str]]:
    """What the meeting talked about: public chat lines, poll questions, Q&A questions (plain text)."""
    chats = [str(c.get("text")) for c in archive.get("chats") or []
             if isinstance(c, dict) and c.get("type", "public") == "public" and c.get("text")]
    polls = [str(q.get("question", {}).get("text")) for p in archive.get("polls") or [] if isinstance(p, dict)
             for q in (p.get("content") or {}).get("questions") or []
             if isinstance(q, dict) and isinstance(q.get("question"), dict) and q["question"].get("text")]
    qas = [str(q.get("question")) for q in archive.get("qas") or []
           if isinstance(q, dict) and q.get("type") != "dismissed" and q.get("question")]
    return {"chats": chats, "polls": polls, "qas": qas}


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_json(rng: random.Random, archive: dict, meeting: dict, people: list[tuple[str, str | None]]) -> dict:
    """A ``SummaryObject``: an HTML note (paragraphs, a list, entities) and 3–6 action items."""
    esc, topics = html.escape, _topics(archive)
    title, host = str(meeting.get("title") or archive.get("title") or ""), people[0][0] if people else "the host"
    start, end = _time(meeting.get("start")), _time(meeting.get("end"))
    minutes = int((end - start).total_seconds() // 60) if start and end else 0
    chats = rng.sample(topics["chats"], min(2, len(topics["chats"])))
    points = [f"Chat: &ldquo;{esc(_short(t))}&rdquo;" for t in chats]
    points += [f"Poll: {esc(_short(t))}" for t in topics["polls"][:2]]
    points += [f"Question from the audience: {esc(_short(t))}" for t in topics["qas"][:2]]
    if not points:
        points = ["Status of the current work &amp; next steps", "Open risks &ndash; none blocking"]
    note = (f"<p>The meeting <b>{esc(title)}</b>, hosted by {esc(host)}, brought {len(people)} people together "
            f"for {minutes}&nbsp;minutes.</p>"
            f"<p>Main points discussed:</p><ul>{''.join(f'<li>{p}</li>' for p in points)}</ul>"
            f"<p>The team agreed on the next steps below &mdash; R&amp;D owns the follow-up.</p>")
    speakers = [name for name, _ in people[:4]] or ["The host"]
    items = [f"{rng.choice(speakers)} to share the slides and notes with everyone."]
    items += [f"Follow up on the question \u201c{_short(t, 60)}\u201d." for t in topics["qas"][:2]]
    items += [f"Publish the results of the poll \u201c{_short(t, 60)}\u201d." for t in topics["polls"][:1]]
    items += [f"{rng.choice(speakers)} to reply to \u201c{_short(t, 50)}\u201d from the chat."
              for t in topics["chats"][:1]]
    items += ["Send the recording link to those who could not attend.", "Book the follow-up meeting."]
    return {"id": str(uuid.UUID(_hex(rng))), "meetingId": meeting["id"], "status": "available",
            "notes": {"content": note}, "actionItems": [{"content": t} for t in items[: rng.randint(3, 6)]]}


def transcript_json(rng: random.Random, meeting: dict) -> dict:
    """A ``TranscriptObject`` of the meeting (download links on the site, never fetched)."""
    transcript_id = _hex(rng)
    base = f"https://{SITE_URL}/v1/meetingTranscripts/{transcript_id}/download?format="
    return {"id": transcript_id, "siteUrl": meeting.get("siteUrl") or SITE_URL, "startTime": meeting.get("start"),
            "meetingTopic": meeting.get("title") or "", "meetingId": meeting["id"],
            "scheduledMeetingId": meeting.get("scheduledMeetingId") or meeting["id"],
            "meetingSeriesId": meeting.get("meetingSeriesId") or meeting["id"].split("_")[0],
            "hostUserId": meeting.get("hostUserId") or "", "vttDownloadLink": base + "vtt",
            "txtDownloadLink": base + "txt", "status": "available"}


def snippets_json(rng: random.Random, transcript_id: str, meeting: dict,
                  people: list[tuple[str, str | None]]) -> list[dict]:
    """Snippets in order: 2–8 speakers (the host most), each 2–40 s, inside the meeting, never overlapping."""
    start, end = _time(meeting.get("start")), _time(meeting.get("end"))
    length_ms = int((end - start).total_seconds() * 1000) if start and end and end > start else 30 * 60_000
    speakers = people[: max(1, min(len(people), rng.randint(2, 8)))] or [("Host", None)]
    weights = [4.0] + [rng.uniform(0.3, 2.0) for _ in speakers[1:]]
    snippets, at, serial = [], rng.randint(2_000, 20_000), 0
    while serial < 600:
        duration = rng.randint(2_000, 40_000)
        if at + duration > length_ms:
            break
        name, email = rng.choices(speakers, weights)[0]
        serial += 1
        snippets.append({"id": f"{transcript_id}_{serial:05d}", "text": rng.choice(SPEECH), "personName": name,
                         "personEmail": email or "", "offsetMillisecond": at, "durationMillisecond": duration})
        at += duration + rng.randint(200, max(201, length_ms // 120))
    return snippets


def recording_json(rng: random.Random, archive: dict, meeting: dict) -> dict:
    """One recording of the meeting, admin/compliance shape (``hostEmail``, no password), links never fetched."""
    start, end = _time(meeting.get("start")), _time(meeting.get("end"))
    start = start or datetime(2026, 1, 5, 9, tzinfo=UTC)
    end = end if end and end > start else start + timedelta(minutes=30)
    recorded = start + timedelta(seconds=rng.randint(20, 120))
    duration = max(60, int((end - recorded).total_seconds()) - rng.randint(0, 60))
    recording_id = _hex(rng)
    return {"id": recording_id, "meetingId": meeting["id"],
            "scheduledMeetingId": meeting.get("scheduledMeetingId") or meeting["id"],
            "meetingSeriesId": meeting.get("meetingSeriesId") or meeting["id"].split("_")[0],
            "topic": meeting.get("title") or "", "createTime": _iso(end + timedelta(minutes=rng.randint(2, 9))),
            "timeRecorded": _iso(recorded), "hostDisplayName": meeting.get("hostDisplayName") or "",
            "hostEmail": meeting.get("hostEmail") or "", "siteUrl": meeting.get("siteUrl") or SITE_URL,
            "downloadUrl": DOWNLOAD + recording_id, "playbackUrl": PLAYBACK + recording_id, "format": "MP4",
            "serviceType": archive.get("serviceType") or "MeetingCenter", "durationSeconds": duration,
            "sizeBytes": duration * rng.randint(40_000, 90_000), "integrationTags": [], "status": "available"}


def invitees_json(rng: random.Random, meeting: dict, people: list[tuple[str, str | None]]) -> list[dict]:
    """Invitees sorted by e-mail: most attendees with an address, one guest invited by name, 2–4 no-shows."""
    host_email = str(meeting.get("hostEmail") or "").lower()
    came = [(n, e) for n, e in people[1:] if e and e.lower() != host_email]
    invited = rng.sample(came, max(0, len(came) - max(1, len(came) // 8))) if len(came) > 2 else came
    guests = [n for n, e in people[1:] if not e]
    if guests:  # joined without an address, so only the name tells that this invitee came
        invited.append((guests[0], email_for(guests[0], 900)))
    absent = rng.sample(NO_SHOW_NAMES, rng.randint(2, 4))
    invited += [(name, email_for(name, 950 + i)) for i, name in enumerate(absent)]
    series = str(meeting.get("meetingSeriesId") or meeting["id"].split("_")[0])
    rows = [{"id": f"{series}_{rng.randrange(10**6, 10**7)}", "email": e, "displayName": n,
             "coHost": i == 0 and rng.random() < 0.5, "meetingId": meeting["id"], "panelist": False}
            for i, (n, e) in enumerate(invited)]
    rows.sort(key=lambda row: row["email"].lower())
    return rows


def generate_insights(archive: dict | None, meeting: dict) -> dict:
    """Every insight of one ended meeting instance (see the module docstring); the same for the same meeting id."""
    archive = archive or {"participants": [], "chats": [], "polls": [], "qas": []}
    rng = random.Random(insight_seed(meeting["id"]))
    people = attendees_of(archive) or [(str(meeting.get("hostDisplayName") or "Host"),
                                        meeting.get("hostEmail") or None)]
    transcript = transcript_json(rng, meeting)
    return {"summary": summary_json(rng, archive, meeting, people), "transcript": transcript,
            "snippets": snippets_json(rng, transcript["id"], meeting, people),
            "recording": recording_json(rng, archive, meeting), "invitees": invitees_json(rng, meeting, people)}

