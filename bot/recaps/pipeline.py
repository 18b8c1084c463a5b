"""The post-meeting pipeline: ``meetings/ended`` → the subscribed spaces → one delivery job per space → one card.

``on_meeting_ended`` (job ``meeting_ended``) opens a ledger row per (meeting, space) and schedules
``deliver_recap`` (job ``recap_delivery``) ``RECAP_RECAP_DELAY`` seconds later. That job fetches
the meeting, finds its archive (rule below), the archive detail and, with a compliance credential,
the post-meeting chats, and the insights (``bot.digest.with_insights``: AI summary, speakers, recording,
invitees, kept in the digest). Data not there yet re-schedules the job with growing delays (never a
sleep) until ``RECAP_RECAP_DEADLINE``, then a short card says why there is no recap. Posting
goes through ``bot.recaps.delivery.post_once`` (the ledger's claim: exactly one post).

Which archive is the meeting's is decided by ``bot.recaps.matching``. The space's subscription decides
who the recap is fetched on behalf of (its subscriber, in the audit log) and its audience, explicitly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import meetings
from bot.cards import Card
from bot.context import Context, audience_of
from bot.digest import ChatTally, remember_meeting, tally_meeting_chats, with_insights
from bot.errors import CardError, ConfigError, WebexAuthError, WebexBadRequest, WebexNotFound, WebexRetryLater
from bot.meetings import LABELS, LATE_WINDOW, Insights, Meeting, parse_meeting
from bot.recaps.delivery import first_look, logical_now, post_once, schedule_delivery
from bot.recaps.matching import NotReady, find_archive
from bot.recaps.rules import Target, normalise_email, normalise_site, targets
from bot.storage import CANCELLED, CLAIMED, FINAL_STATES, GAVE_UP, POSTED, WAITING, replayed, utcnow
from bot.webex import ListingInterrupted

log = logging.getLogger(__name__)
INSIGHTS_WAIT = LATE_WINDOW  # the longest a recap waits for late insights after the meeting's end


class Unsubscribed(Exception):
    """No subscription of the space matches the meeting any more: nothing to post."""


@dataclass(frozen=True)
class Prepared:
    """A recap ready to post, and the context it is posted on behalf of (the subscriber, in the audit log)."""

    card: Card
    archive_id: str
    on_behalf: Context


# --- the meetings/ended event ----------------------------------------------------------------

def on_meeting_ended(ctx: Context, envelope: dict) -> None:
    """Job ``meeting_ended``: open a delivery for each subscribed space and schedule its first look."""
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    meeting_id = str(data.get("id") or "")
    if not meetings.INSTANCE_ID.fullmatch(meeting_id):
        log.info("meetings/ended for %r is not an ended meeting instance; ignored", meeting_id[:80])
        return
    host, site, end = data.get("hostEmail"), data.get("siteUrl"), data.get("end")
    if not host and not site:  # a thin delivery: ask Webex who hosted it, where, and when it ended
        meeting = meetings.get_meeting(ctx.webex("admin"), meeting_id)
        host, site, end = meeting.host_email, meeting.site_url, meeting.end
    if replayed(end):  # its seen key may be pruned already: the meeting's end tells
        log.info("dropped a replayed delivery: meeting %s ended %s, before the de-duplication window",
                 meeting_id, end)
        return
    found = targets(ctx.store.subscriptions_matching(normalise_email(host), normalise_site(site)),
                    host_email=host, site_url=site)
    now = utcnow()
    deadline = now + timedelta(seconds=ctx.settings.recap_deadline)
    for target in found:
        if not ctx.store.open_delivery(meeting_id, target.room_id, deadline_at=deadline, now=now):
            # A run of this job opened it before. If that run died before the first look was queued, the row
            # waits with no job: queue it now. The first look's job is keyed, so when it is queued (or ran)
            # already, this queues nothing new.
            row = ctx.store.delivery(meeting_id, target.room_id)
            if row is None or row.state != WAITING or row.attempts:
                continue
            delay = max(0.0, ctx.settings.recap_delay - (now - row.updated_at).total_seconds())
            log.info("meeting %s: the recap for space %s waits; making sure its first look is queued",
                     meeting_id, target.room_id)
        else:
            delay = ctx.settings.recap_delay
        try:
            schedule_delivery(ctx, meeting_id, target.room_id, attempt=1, now=now, delay=delay,
                              key=first_look(meeting_id, target.room_id))
        except Exception:
            ctx.store.drop_delivery(meeting_id, target.room_id)  # let a retry of this job open it again
            raise
    log.info("meeting %s ended: %d space(s) subscribed", meeting_id, len(found))


# --- the delivery job ------------------------------------------------------------------------

def deliver_recap(ctx: Context, payload: dict) -> None:
    """Job ``recap_delivery``: post the recap of ``meetingId`` in ``roomId`` once, or wait, or give up."""
    meeting_id, room_id = str(payload["meetingId"]), str(payload["roomId"])
    now = logical_now(payload)
    delivery = ctx.store.delivery(meeting_id, room_id)
    if delivery is None or delivery.state in FINAL_STATES:
        return
    if delivery.state == CLAIMED and delivery.lease_until and delivery.lease_until > now:
        return  # another worker is posting it right now (its lease ends long before any data changes)
    found = dict(payload.get("found") or {})  # what earlier looks learnt; this look adds to it
    try:
        prepared = prepare(ctx, meeting_id, room_id, now, found, deadline=delivery.deadline_at)
    except Unsubscribed:
        ctx.store.finish_delivery(meeting_id, room_id, token=None, state=CANCELLED, note="unsubscribed")
        return
    except NotReady as exc:
        if now < delivery.deadline_at:
            ctx.store.note_attempt(meeting_id, room_id, exc.reason, now=now)
            schedule_delivery(ctx, meeting_id, room_id, attempt=int(payload.get("attempt") or 1) + 1, now=now,
                              retry_after=exc.retry_after, deadline=delivery.deadline_at, found=found)
            return
        prepared = Prepared(gave_up_card(ctx, exc.reason, late=True), "", ctx)
    except (WebexAuthError, WebexBadRequest, ConfigError, CardError) as exc:
        prepared = Prepared(gave_up_card(ctx, _reason(exc), late=False), "", ctx)
    post_once(prepared.on_behalf, {**payload, "found": found}, prepared.card,
              state=POSTED if prepared.archive_id else GAVE_UP, archive_id=prepared.archive_id, now=now)


def prepare(ctx: Context, meeting_id: str, room_id: str, now: datetime, found: dict | None = None, *,
            deadline: datetime | None = None) -> Prepared:
    """Fetch everything and render the card; ``NotReady`` when some of it is not published yet.

    ``found`` (updated in place) keeps what this look learnt for the next one: the meeting's JSON and,
    once matched, the archive's id, so a look cut short by a 429 does not spend those calls again.
    The insights are fetched with the meeting instance and kept in the digest; sources still pending are
    waited for (``wait_for_insights``) until ``deadline``, then the recap is posted without them.
    """
    admin, found = ctx.webex("admin"), found if found is not None else {}
    try:
        if isinstance(found.get("meeting"), dict):
            meeting = parse_meeting(found["meeting"])
        else:
            meeting = meetings.get_meeting(admin, meeting_id)
            found["meeting"] = meeting.raw
        target = subscription_of(ctx, meeting, room_id)
        archive = find_archive(admin, meeting, now, found, load=ctx.digest)
        if archive is None:
            raise NotReady(f"no meeting archive titled “{meeting.title}” has appeared yet")
        # Each look asks again only for the sources still pending; the others are read from the digest.
        archive = with_insights(ctx.store, ctx.services.webex, archive, meeting=meeting, refresh=True,
                                after=timedelta(0), now=now)
        wait_for_insights(archive.insights, meeting, now, deadline)
        chats = post_meeting_chats(ctx, meeting_id, found)
    except WebexNotFound as exc:
        raise NotReady("Webex does not have the meeting's data yet (HTTP 404)") from exc
    except WebexRetryLater as exc:
        raise NotReady(f"Webex was busy or unreachable ({_status(exc)})", exc.retry_after) from exc
    # Fetched on behalf of the subscriber; a 1:1 with an admin sees everything, any other space the group view.
    on_behalf = ctx.about(room_type=target.room_type, person_email=target.subscriber)
    audience = audience_of(ctx.settings, target.room_type, target.subscriber)
    # One audit line per recap fetched (the looks that found nothing yet fetched no meeting data).
    on_behalf.audit("auto-recap", (meeting_id, archive.archive_id), f"ok: fetched for a {audience} space")
    archive = remember_meeting(ctx.store, archive, meeting)  # the card's buttons show the meeting's link too
    card = on_behalf.view("summary", archive, audience=audience, chats=chats, automatic=target.sent_by())
    return Prepared(card, archive.archive_id, on_behalf)


def wait_for_insights(insights: Insights | None, meeting: Meeting, now: datetime, deadline: datetime | None) -> None:
    """``NotReady`` while some insight source is pending and waiting may still help, else nothing (post now).

    A recap waits for late insights until the delivery's deadline, and at most ``INSIGHTS_WAIT`` after the
    meeting's end (Webex publishes within minutes; an empty answer after that means there is none).
    """
    if insights is None or not insights.pending:
        return
    until = (meeting.end or now) + INSIGHTS_WAIT
    if deadline is not None:
        until = min(until, deadline)
    if now >= until:
        return
    pending = [o for o in insights.outcomes if o.pending]
    waits = [o.retry_after for o in pending if o.retry_after is not None]
    names = ", ".join(LABELS.get(o.source, o.source) for o in pending)
    raise NotReady(f"waiting for insights not ready yet ({names})", max(waits) if waits else None)


def subscription_of(ctx: Context, meeting: Meeting, room_id: str) -> Target:
    """The space's subscription that still matches the meeting (``Unsubscribed`` when none does)."""
    found = targets(ctx.store.subscriptions(room_id), host_email=meeting.host_email, site_url=meeting.site_url)
    if not found:
        raise Unsubscribed(room_id)
    return found[0]


def post_meeting_chats(ctx: Context, meeting_id: str, found: dict) -> ChatTally | None:
    """The post-meeting chats counted (compliance credential), or None to use the archive's own chat.

    A listing cut short by a 429 leaves its progress in ``found["chats"]`` (the offset reached and the tally so
    far), and the next look goes on from there: no page is fetched twice however often the limit bites.
    """
    if not ctx.has_credential("compliance"):
        return None
    try:
        counted = tally_meeting_chats(ctx.webex("compliance"), meeting_id, found.get("chats"))
    except ListingInterrupted as exc:
        found["chats"] = exc.progress
        raise
    except (WebexAuthError, WebexBadRequest, WebexNotFound) as exc:
        # The feature is "upon request" and often off: the archive's chat is the next best thing.
        log.info("post-meeting chats of %s unavailable (%s); using the archive's chat", meeting_id, _status(exc))
        return None
    found.pop("chats", None)
    return counted


def gave_up_card(ctx: Context, reason: str, *, late: bool) -> Card:
    """The short card saying the recap could not be produced, and why."""
    todo = ("An archive exists only for meetings Webex keeps a report of; an admin can still look with `archives`."
            if late else "Ask the operator of Recap to check its credentials and settings.")
    return ctx.card("error", title="No recap for this meeting",
                       what_happened=f"The recap could not be produced: {reason}.", what_to_do=todo)


def _reason(exc: Exception) -> str:
    if isinstance(exc, WebexAuthError):
        return f"Webex refused access ({exc.hint or _status(exc)})"
    if isinstance(exc, CardError):
        return "the recap is too large for a card"
    return str(exc) if isinstance(exc, ConfigError) else f"Webex refused the request ({_status(exc)})"


def _status(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    return f"HTTP {status}" if status else type(exc).__name__
