"""Contexts of the cards answering commands, not showing a meeting: archives, help, error, refusal, subscriptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import bot.cards.format as fmt
from bot.cards.automatic import describe_rule, plain_value, subject, unsubscribe_button
from bot.cards.markup import clean, escape_markdown, literal
from bot.cards.recap_views import more_line
from bot.errors import UsageError
from bot.summaries import mask_emails

SUBSCRIPTION_ACTIONS = ("subscribed", "unsubscribed", "list", "confirm", "kept", "gone")
SUBSCRIPTION_KINDS = ("host", "site", "all")


def _field(item: object, name: str, default: object = None) -> object:
    """A field of a dict or an object (store rows and plain dicts both work)."""
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


BUTTON_ROWS = 5  # up to this many archives: one "Recap" button each (Webex shows at most 5 actions a card)


def archives_card(*, archives: Iterable = (), timezone: str = "UTC", start: datetime | None = None,
                  end: datetime | None = None, limit: int = 100, compact: bool = False,
                  audience: str = "group") -> dict:
    """The archive picker: each meeting's time, host and size; a "Recap" button each, or a drop-down beyond five.

    ``archives`` are ``bot.chat.picker.PickerRow``s (or archive summaries: then only the archive time is known),
    newest first. Up to five get a row with their own Submit (``summary``); more get an ``Input.ChoiceSet``
    named ``archiveId`` and one "Show recap" Submit.
    """
    tz, items = fmt.zone(timezone), list(archives)
    shown = items[:limit]
    rows = [_picker_row(item, tz, audience, compact) for item in shown]
    buttons = len(items) <= BUTTON_ROWS
    period = "Recent meeting archives"
    if start or end:
        # ``end`` is exclusive (the next midnight, or now): the last day shown is the one before it.
        last = end - timedelta(microseconds=1) if end else None
        period = f"Meeting archives {_date(start, tz)} – {_date(last, tz)}"
    count = f"{fmt.number(len(items))} archive{'s' * (len(items) != 1)} · newest first · times in {timezone}"
    more = more_line(len(items) - len(rows), _narrower(items[len(rows):], tz, end))
    choices = [] if buttons else [{"title": r["choice"], "value": r["value"]} for r in rows]
    return {"title": period, "count": count, "rows": rows if buttons else [], "choices": choices, "more": more,
            "actions": [{"title": "Show recap", "data": {"action": "summary"}}] if choices else []}


def _picker_row(item: object, tz, audience: str, compact: bool) -> dict:
    """One archive: escaped words for a card row, a plain-text title for a drop-down choice, the Submit's data."""
    hide = audience != "direct"
    raw = str(_field(item, "title", "") or "")
    began, ended, created = _field(item, "start"), _field(item, "end"), _field(item, "created")
    if isinstance(began, datetime):
        until = f"–{fmt.clock(ended, tz, anchor=began)}" if isinstance(ended, datetime) else ""
        when = f"{fmt.day(began.astimezone(tz))} · {fmt.clock(began, tz)}{until}"
    elif isinstance(created, datetime):
        when = f"{fmt.day(created.astimezone(tz))} · archived {fmt.clock(created, tz)}"  # not the meeting's time
    else:
        when = "no date"
    host = str(_field(item, "host_name", "") or "")
    people = _field(item, "people")
    # "12 people" never splits over two lines on a phone (a no-break space).
    size = fmt.counted(people, "person", "people").replace(" ", "\u00a0") if isinstance(people, int) else None
    # Choice titles are plain text in every renderer (a drop-down), so they are cleaned, not escaped.
    plain = clean(mask_emails(raw) if hide else raw, 40 if compact else 70) or "Untitled meeting"
    plain_host = clean(mask_emails(host) if hide else host, 30)
    choice = " · ".join(x for x in (f"{plain} — {when}", plain_host, size) if x)
    archive_id = str(_field(item, "archive_id", ""))
    return {"title": literal(raw, 80 if compact else 150, hide_emails=hide) or "Untitled meeting",
            "when": " · ".join(x for x in (when, size) if x),
            "host": f"Host: {literal(host, 60, hide_emails=hide)}" if host else None,
            "choice": choice, "value": archive_id, "data": {"action": "summary", "archiveId": archive_id}}


NARROW_DAYS = 7  # a week of archives is usually few enough for one card


def _narrower(hidden: list, tz, end: datetime | None) -> str:
    """Which ``archives <from> <to>`` lists the archives a card had no room for (at most a week of them).

    An export is of one archive, so it cannot help here; a shorter period can. The list is newest
    first, so what was cut is older: the suggestion starts from the newest archive left out.
    """
    stamps = (_field(item, "created") for item in hidden)
    days = sorted(when.astimezone(tz).date() for when in stamps if isinstance(when, datetime))
    if days:
        last = days[-1]
        first = max(days[0], last - timedelta(days=NARROW_DAYS - 1))
        return f"ask for fewer days, like “archives {first.isoformat()} {last.isoformat()}”"
    last = (end.astimezone(tz) - timedelta(seconds=1)).date() if isinstance(end, datetime) else None
    example = f"{(last - timedelta(days=NARROW_DAYS - 1)).isoformat()} {last.isoformat()}" if last else \
        "2026-11-01 2026-11-07"
    return f"ask for fewer days, like “archives {example}”"


def _date(when: datetime | None, tz) -> str:
    return fmt.day(when.astimezone(tz)) if isinstance(when, datetime) else "…"


def help_card(*, commands: Iterable, did_you_mean: str | None = None, unknown: str | None = None,
              admin: bool = True, limit: int = 0, compact: bool = False) -> dict:
    """The commands this person may use, with a "did you mean" when the word typed was close to one.

    Someone who is not an admin (``admin=False``) sees only the commands open to everyone. A
    ``did_you_mean`` with values (``summary <id>``) gets a button that runs it.
    """
    rows, names = [], set()
    for spec in commands:
        if not admin and _field(spec, "needs_admin", False):
            continue
        usage, summary = (spec if isinstance(spec, tuple) else (_field(spec, "usage", ""), _field(spec, "summary", "")))
        names.add(str(_field(spec, "name", "") or usage.split(" ")[0]))
        rows.append({"usage": literal(usage, 80), "code": clean(usage, 80).replace("`", "'"),
                     "summary": literal(summary, 160)})
    words = clean(did_you_mean, 120).replace("`", "").split(" ") if did_you_mean else []
    suggested = words if words and words[0] in names else []
    word = literal(str(unknown or "").replace("`", "'"), 40)  # backticks would show: the word is quoted instead
    intro = f"I don't know “{word}”." if word else None
    if suggested:
        intro = (intro + " " if intro else "") + f"Did you mean {bold(' '.join(suggested))}?"
    actions = [_run_button(suggested)] if len(suggested) > 1 else []
    footer = ("Where a command takes an archive id, a meeting instance id (…\\_I\\_…) works too. "
              "A leading / is optional and case does not matter. In a group space, @mention me first.")
    if admin:
        actions.append({"title": "Recent archives", "data": {"action": "archives"}})
    else:
        footer = ("The other commands show meeting data, for Recap's admins only: to use them, ask a Webex "
                  "administrator of your organisation to add you to Recap's admins. " + footer)
    return {"intro": intro, "commands": rows, "footer": footer, "actions": actions}


def _run_button(words: list[str]) -> dict:
    """"Run summary <id>": submits the command as if typed (``bot.chat.commands.parse_action`` reads ``args``)."""
    return {"title": clean("Run " + " ".join(words), 70), "data": {"action": words[0], "args": " ".join(words[1:])}}


def bold(text: object, limit: int | None = None) -> str:
    """Text in bold (escaped inside); an empty text gives an empty string, not an empty ``****``."""
    text = literal(str(text or "").replace("`", ""), limit)
    return f"**{text}**" if text else ""


def marked(text: object, limit: int | None = None) -> str:
    """Plain words made safe for a card, where a `command` between backticks is shown in bold (never as code).

    Everything is escaped (meeting and Webex text stays data); an unpaired backtick is dropped.
    """
    pieces = clean(text, limit).split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: the last one opens nothing
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    return "".join(bold(piece) if n % 2 else escape_markdown(piece) for n, piece in enumerate(pieces)).strip()


def error_card(*, title: str = "Something went wrong", what_happened: str = "", what_to_do: str = "",
               tracking_id: str | None = None, limit: int = 0, compact: bool = False) -> dict:
    """What happened, what to do about it, and Webex's tracking id for support (commands in bold, see ``marked``)."""
    return {"title": literal(title, 120) or "Something went wrong",
            "what_happened": marked(what_happened, 600) or "Recap could not complete the request.",
            "what_to_do": marked(what_to_do, 600) or "Try again in a minute; if it keeps failing, tell your admin.",
            "tracking_id": literal(tracking_id, 120) if tracking_id else None}


def refusal_card(*, command: str | None = None, limit: int = 0, compact: bool = False) -> dict:
    """A polite no, in plain words, for someone who is not one of Recap's admins (nothing was fetched)."""
    asked = bold(command, 60) if command else ""
    what = f"{asked} shows meeting data, which only Recap's admins may see." if asked else \
        "Meeting data is only for Recap's admins."
    return {"text": f"{what} Nothing was looked up.",
            "todo": "If you need it, ask a Webex administrator of your organisation to add you to Recap's admins, "
                    "or ask one of Recap's admins to run it for you."}


def subscription_card(*, action: str = "subscribed", kind: str = "all", value: str | None = None, id: object = None,
                      subscriptions: Iterable = (), audience: str = "group", limit: int = 50,
                      compact: bool = False) -> dict:
    """Confirm a subscription or its removal, list this space's subscriptions, or ask before removing one.

    In a ``group`` audience a host's address is masked whole (``a host (e-mail hidden)``): a group space never sees
    anyone's e-mail address; the admin's 1:1 space (``direct``) shows it whole. A listing offers Unsubscribe: a
    button per subscription for up to ``SUBSCRIPTION_BUTTONS`` of them, else a drop-down and one button (``confirm``
    asks first, then ``kept`` or ``unsubscribed``; ``gone`` answers a button whose subscription is no more).
    """
    if action not in SUBSCRIPTION_ACTIONS:
        raise UsageError(f"subscription card action must be one of {SUBSCRIPTION_ACTIONS}, got {action!r}")
    rows, items = [], list(subscriptions)
    for item in items[:limit]:
        item_kind, item_id = str(_field(item, "kind", "all")), _field(item, "id", "")
        what = "Meetings" + subject(item_kind, _field(item, "value", ""), audience).removeprefix("each meeting")
        rows.append({"what": what, "id": f"id {literal(item_id, 40)} · {literal(item_kind, 10)}",
                     "button": unsubscribe_button(item_id) if len(items) <= SUBSCRIPTION_BUTTONS else None,
                     "choice": {"title": _choice(item_kind, _field(item, "value", ""), item_id, audience),
                                "value": str(item_id)}})
    about = subject(kind, value, audience)
    text = {"subscribed": f"A recap card will be posted here after {about} ends.",
            "unsubscribed": f"No more recaps here after {about} ends.",
            "list": f"{fmt.number(len(items))} subscription{'s' * (len(items) != 1)} in this space.",
            "confirm": f"Stop recaps of {about} in this space?",
            "kept": f"Nothing changed: a recap card will still be posted here after {about} ends.",
            "gone": "That subscription is no longer in this space: it was removed already, so no more recaps come "
                    "from it. **subscriptions** lists the ones left."}[action]
    title = {"subscribed": "Subscribed", "unsubscribed": "Unsubscribed", "list": "Subscriptions",
             "confirm": "Stop automatic recaps?", "kept": "Kept", "gone": "Already unsubscribed"}[action]
    shown_id = literal(id, 40) if id not in (None, "") and action not in ("list", "gone") else None
    return {"title": title, "text": text, "id": shown_id, "rows": rows,
            "more": more_line(len(items) - len(rows), "too many to list on one card"),
            "empty": action == "list" and not items, "actions": _subscription_actions(action, id, rows),
            "choices": [r["choice"] for r in rows] if action == "list" and len(items) > SUBSCRIPTION_BUTTONS else []}


SUBSCRIPTION_BUTTONS = 3  # up to this many subscriptions get a button each; more share a drop-down and one button


def _subscription_actions(action: str, subscription_id: object, rows: list[dict]) -> list[dict]:
    """The buttons: Unsubscribe / Keep to confirm, the listing's drop-down button (per-row buttons sit in rows)."""
    if action == "confirm":
        args = str(subscription_id)
        return [{"title": "Unsubscribe", "data": {"action": "unsubscribe", "args": args, "confirm": "yes"}},
                {"title": "Keep", "data": {"action": "unsubscribe", "args": args, "confirm": "keep"}}]
    if action == "list" and rows and rows[0]["button"] is None:  # the drop-down (``args``) says which one
        return [{"title": "Unsubscribe…", "data": {"action": "unsubscribe", "confirm": "ask"}}]
    return []


def _choice(kind: str, value: object, subscription_id: object, audience: str) -> str:
    """A subscription as a drop-down choice: plain text (choices are never markdown), cleaned, address masked."""
    what = describe_rule(kind, plain_value(kind, value, audience)).removeprefix("each meeting")
    return clean(f"Meetings{what} (id {subscription_id})", 90)
