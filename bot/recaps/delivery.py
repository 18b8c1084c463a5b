"""Exactly-once posting of automatic recaps: claim the ledger row, post, record; recover claims that died.

A claim carries a lease (``claim_lease``: twice ``RECAP_HTTP_TIMEOUT`` plus 10 s). Whoever holds it
posts the card (with a marker line naming the meeting in its markdown) and records ``posted``.
When a claim's lease runs out without an outcome (a worker killed between "posted" and "recorded",
or a post whose answer was lost), the next claimant cannot know whether the card went out, so it
looks: in a 1:1 space the bot may list the room's messages and finds the marker (posted → record
it; absent → post). In a group space a bot may not list messages (Webex only shows it those that
mention it), so the delivery is recorded ``unknown`` and not posted again: at most once there, and
the audit log says so. ``sweep`` (a periodic job) re-queues deliveries whose job vanished with a
killed worker. Each outcome is counted (``recap_recap_deliveries_total``): the state a delivery ends in
(``posted``, ``gave_up``, ``failed``, ``unknown``), or ``skipped`` (another claim holds it), ``refused``
(429/423: tried again later), ``uncertain`` (no answer to the post: looked for later) or ``check_later``
(an expired claim's space could not be looked at yet).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from datetime import datetime, timedelta

from bot import metrics
from bot.cards import Card
from bot.context import Context
from bot.errors import WebexError, WebexRetryLater
from bot.meetings import parse_time
from bot.storage import CLAIMED, FAILED, POSTED, UNKNOWN, WAITING, utcnow

__all__ = ["CLAIM_LEASE", "DELIVERY_TASK", "claim_lease", "logical_now", "marker", "post_once",
           "retry_delay", "schedule_delivery", "sweep"]
log = logging.getLogger(__name__)
DELIVERY_TASK = "recap_delivery"
CLAIM_LEASE = timedelta(minutes=10)  # longer than any claim_lease (RECAP_HTTP_TIMEOUT ≤ 600 s): a safe default
REFUSED = (429, 423)  # Webex turned the post away: nothing was posted, try again later
RECOVERY_PAGE = 100  # messages of a 1:1 space searched for the marker


def logical_now(payload: dict) -> datetime:
    """The job's "now": never before the time it was due (so tests can run the future without sleeping)."""
    due = parse_time(payload.get("due"))
    now = utcnow()
    return max(now, due) if due else now


def retry_delay(attempt: int, recap_delay: float) -> float:
    """Seconds before look ``attempt + 1``: from recap_delay / 8 (≥ 1 s), doubling, capped at 4 × delay (1 min–1 h)."""
    base = min(120.0, max(1.0, recap_delay / 8))
    cap = min(3600.0, max(60.0, recap_delay * 4))
    return min(cap, base * 2 ** max(0, attempt - 1))


def schedule_delivery(ctx: Context, meeting_id: str, room_id: str, *, attempt: int, now: datetime,
                      delay: float | None = None, retry_after: float | None = None,
                      deadline: datetime | None = None, found: dict | None = None, key: str | None = None) -> None:
    """Queue the delivery job after ``delay``, Webex's ``retry_after`` or the next growing delay, within the deadline.

    Busy or rate limited, Webex says when to come back: the growing delay is for data not published yet, and
    applied to 429s it left deliveries idle for up to a minute while the limit had room (bench/README.md).
    The jitter keeps deliveries refused together from coming back in the same second. ``found`` is what
    earlier looks learnt (the meeting, the archive's id): the next look starts from there instead of
    spending its calls again, which is what lets deliveries finish under a sustained rate limit. A ``key``
    names the job, so that scheduling it again queues it once (``first_look``).
    """
    if delay is None:
        delay = (min(retry_after, 3600.0) * random.uniform(1.0, 1.2) if retry_after is not None
                 else retry_delay(attempt - 1, ctx.settings.recap_delay))
    if deadline is not None:
        delay = max(0.0, min(delay, (deadline - now).total_seconds()))
    due = now + timedelta(seconds=delay)
    # The queue's clock is the wall clock: counted from it, the job is due exactly at ``due``.
    payload = {"meetingId": meeting_id, "roomId": room_id, "attempt": attempt, "due": due.isoformat()}
    if found:
        payload["found"] = found
    ctx.schedule(DELIVERY_TASK, payload, max(0.0, (due - utcnow()).total_seconds()), key=key)


def first_look(meeting_id: str, room_id: str) -> str:
    """The key of a delivery's first job: queueing it twice (a re-run of ``meeting_ended``) queues one job."""
    return f"first-look:{meeting_id}:{room_id}"


def claim_lease(settings) -> timedelta:
    """How long a claim lasts: longer than one POST /messages can take (it times out after RECAP_HTTP_TIMEOUT)."""
    return timedelta(seconds=2 * settings.http_timeout + 10)


def marker(meeting_id: str) -> str:
    """The line every automatic-recap message carries in its markdown (found again after a crash)."""
    return f"Automatic recap · meeting `{meeting_id}`"


@dataclasses.dataclass(frozen=True)
class _Claim:
    """A claim this worker holds on one delivery (its ``token`` proves it when recording the outcome)."""

    ctx: Context
    meeting_id: str
    room_id: str
    token: str
    archive_id: str

    def finish(self, state: str, note: str = "", message_id: str | None = None) -> None:
        self.ctx.store.finish_delivery(self.meeting_id, self.room_id, token=self.token, state=state, note=note,
                                       message_id=message_id, archive_id=self.archive_id or None)
        metrics.recap_delivery(state)

    def audit(self, outcome: str) -> None:
        self.ctx.audit("auto-recap", tuple(i for i in (self.meeting_id, self.archive_id) if i), outcome)


def post_once(ctx: Context, payload: dict, card: Card, *, state: str, archive_id: str = "",
              now: datetime) -> None:
    """Claim the delivery, post ``card`` (unless an earlier claimant already did) and record ``state``."""
    meeting_id, room_id = str(payload["meetingId"]), str(payload["roomId"])
    token = uuid.uuid4().hex
    taken = ctx.store.claim_delivery(meeting_id, room_id, token=token, lease=claim_lease(ctx.settings), now=now)
    if taken is None:
        metrics.recap_delivery("skipped")
        return  # another worker holds a live claim, or the delivery is already finished
    claim = _Claim(ctx, meeting_id, room_id, token, archive_id)
    line = marker(meeting_id)
    if taken == "expired" and not _still_to_post(claim, payload, line, state=state, now=now):
        return
    try:
        message_id = ctx.reply(dataclasses.replace(card, markdown=f"{card.markdown}\n\n_{line}_"))
    except WebexError as exc:
        _post_failed(claim, payload, exc, now=now)
        return
    claim.finish(state, message_id=message_id)
    claim.audit("ok: posted" if state == POSTED else "ok: posted that no recap could be produced")


def _still_to_post(claim: _Claim, payload: dict, line: str, *, state: str, now: datetime) -> bool:
    """After an expired claim: whether to post (the earlier card is provably absent); records the other cases."""
    try:
        found = find_marker(claim.ctx, claim.room_id, line)
    except WebexError as exc:  # cannot look now: keep the claim, look again after its lease
        log.info("recap of %s: cannot check the space (%s); trying later", claim.meeting_id, type(exc).__name__)
        metrics.recap_delivery("check_later")
        _look_after_lease(claim, payload, now)
        return False
    if found is None:
        claim.finish(UNKNOWN, "a claim expired and a group space cannot be checked: not posted again")
        claim.audit("unknown: an earlier post may or may not have reached the space; not repeated")
        log.warning("recap of %s in %s: earlier claim expired; outcome unknown, not re-posted",
                    claim.meeting_id, claim.room_id)
        return False
    if found:
        claim.finish(state, "found after an expired claim", message_id=found)
        return False
    return True


def _look_after_lease(claim: _Claim, payload: dict, now: datetime) -> None:
    schedule_delivery(claim.ctx, claim.meeting_id, claim.room_id, attempt=int(payload.get("attempt") or 1) + 1,
                      now=now, delay=claim_lease(claim.ctx.settings).total_seconds() + 1, found=payload.get("found"))


def _post_failed(claim: _Claim, payload: dict, exc: WebexError, *, now: datetime) -> None:
    if isinstance(exc, WebexRetryLater) and exc.status in REFUSED:
        claim.ctx.store.release_delivery(claim.meeting_id, claim.room_id, token=claim.token,
                                         note=f"post refused (HTTP {exc.status})")
        metrics.recap_delivery("refused")
        schedule_delivery(claim.ctx, claim.meeting_id, claim.room_id, attempt=int(payload.get("attempt") or 1) + 1,
                          now=now, retry_after=exc.retry_after, found=payload.get("found"))
    elif isinstance(exc, WebexRetryLater):
        # Timeout or 5xx: the card may or may not be in the space. Look again once the lease is over.
        log.warning("recap of %s in %s: post outcome unknown (%s)", claim.meeting_id, claim.room_id,
                    type(exc).__name__)
        metrics.recap_delivery("uncertain")
        _look_after_lease(claim, payload, now)
    else:  # 4xx: the bot left the space, or the card was refused; posting again would fail the same way
        claim.finish(FAILED, f"could not post: HTTP {exc.status}")
        claim.audit(f"error: could not post (HTTP {exc.status})")


def find_marker(ctx: Context, room_id: str, line: str) -> str | None:
    """The id of the bot's message carrying ``line`` in a 1:1 space, "" when absent, None when unknowable."""
    room = ctx.bot.room(room_id)
    if room.get("type") != "direct":
        return None
    for count, message in enumerate(ctx.bot.recent(room_id, page_size=50)):
        if line in (message.get("markdown") or ""):
            return str(message.get("id") or "?")
        if count + 1 >= RECOVERY_PAGE:
            break
    return ""


def sweep(ctx: Context, *, now: datetime | None = None) -> int:
    """Re-queue deliveries left behind by a killed worker (expired claims, long-silent waits); return how many."""
    now = now or utcnow()
    delay = ctx.settings.recap_delay
    silent = timedelta(seconds=2 * max(delay, retry_delay(99, delay)) + 300)
    count = 0
    for row in ctx.store.deliveries(states=(WAITING, CLAIMED)):
        expired = row.state == CLAIMED and row.lease_until is not None and row.lease_until < now
        forgotten = row.state == WAITING and row.updated_at < now - silent
        if expired or forgotten:
            schedule_delivery(ctx, row.meeting_id, row.room_id, attempt=row.attempts + 1, now=now, delay=0)
            count += 1
    return count
