"""A view's buttons: the other views of the meeting, an export with a choice of table, all within Webex's limits.

Webex shows at most five actions a card (the buttons inside a "More" or "Export" card count too), and
a phone fits three buttons side by side. Every button is an ``Action.Submit`` whose data a handler
dispatches like the typed command; a choice of table is an ``Input.ChoiceSet`` named ``table``, whose
value the submission carries beside the button's data.
"""

from __future__ import annotations

from bot.summaries import Recap

# Short titles: at most three buttons in a row must fit a phone-width message column.
ACTION_TITLES = {"summary": "Recap", "attendance": "People", "polls": "Polls", "qa": "Q&A", "chats": "Chat",
                 "notes": "Notes", "speakers": "Speakers"}
TABLE_TITLES = {"attendance": "Attendance", "polls": "Polls", "qa": "Q&A", "chats": "Chat", "notes": "AI summary",
                "speakers": "Speakers", "invitees": "Invitees"}
ROW_BUTTONS = 3  # buttons side by side; the rest go under "More"
MAX_ACTIONS = 5  # Webex's limit per card, the "More" button and the buttons inside it included


def view_actions(recap: Recap, views: list[str], *, export: str | None, lead: dict | None = None,
                 tail: dict | None = None, reserved: int = 0) -> list[dict]:
    """Submit buttons whose data a handler can dispatch like a typed command (none without an archive id).

    In the admin's 1:1, "Export" opens a choice of table (``export`` is chosen first) and a "Download CSV"
    button; no export button in a group space: Recap posts exports only in a 1:1, so it could only refuse.
    Beyond three buttons, the first two stay in the row and the rest go under a "More" ShowCard; when the
    export would not fit beside them, "More" holds one choice of part with "Show" and "Download CSV".
    ``lead`` (the Recording link) comes first, ``tail`` (an automatic recap's Unsubscribe) always last, and
    ``reserved`` actions are already in the card's body: then the parts go to a choice as soon as they do
    not all fit (see ``_with_lead``).
    """
    archive_id = recap.archive_id
    if not archive_id:
        return [a for a in (lead, tail) if a]
    if tail:  # kept, last: the rest is laid out in the room left beside it
        return _with_lead(recap, views, export=export, lead=lead, most=MAX_ACTIONS - reserved - 1,
                          row=ROW_BUTTONS - 1) + [tail]
    if lead or reserved or len(views) > MAX_ACTIONS - 1:
        return _with_lead(recap, views, export=export, lead=lead, most=MAX_ACTIONS - reserved)
    buttons = [{"title": ACTION_TITLES[v], "data": {"action": v, "archiveId": archive_id}} for v in views]
    tables = exportable(recap) if export and recap.audience == "direct" else []
    if not tables:
        return _row(buttons)
    picked = export if export in tables else tables[0]
    download = {"title": "Download CSV", "data": {"action": "export", "archiveId": archive_id, "format": "csv"}}
    if len(buttons) + 1 <= ROW_BUTTONS:
        return buttons + [{"title": "Export", "more": [download], "pick": _pick(tables, picked, "Table to export")}]
    first = ROW_BUTTONS - 1
    rest = [v for v in views[first:] if v in TABLE_TITLES]
    show = {"title": "Show", "data": {"action": "show", "archiveId": archive_id}}
    pick = _pick(list(dict.fromkeys(rest + tables)), rest[0] if rest else picked, "Show or export")
    return buttons[:first] + [{"title": "More", "more": [show, download], "pick": pick}]


def _with_lead(recap: Recap, views: list[str], *, export: str | None, lead: dict | None, most: int,
               row: int = ROW_BUTTONS) -> list[dict]:
    """``lead``, then view buttons while they fit, then "More" with a choice of every part ("Show", "Download CSV").

    Within ``most`` actions ("More" and the buttons inside it count) and ``row`` side by side. The
    choice lists every view, those with a button too, so a button that yields its place later (to an
    Unsubscribe) is still reachable; in a 1:1 it lists the exportable tables as well.
    """
    archive_id = recap.archive_id
    leading = [lead] if lead else []
    buttons = [{"title": ACTION_TITLES[v], "data": {"action": v, "archiveId": archive_id}} for v in views]
    tables = exportable(recap) if export and recap.audience == "direct" else []
    if not tables and len(leading + buttons) <= min(row, most):
        return leading + buttons
    inner = [{"title": "Show", "data": {"action": "show", "archiveId": archive_id}}]
    if tables:
        inner.append({"title": "Download CSV", "data": {"action": "export", "archiveId": archive_id, "format": "csv"}})
    room = max(min(row - 1, most - 1 - len(inner)), 0)
    shown = (leading + buttons)[:room]
    parts = [v for v in views if v in TABLE_TITLES] + [t for t in tables if t not in views]
    if not parts:
        return shown
    unshown = [v for v in views[max(room - len(leading), 0):] if v in TABLE_TITLES]
    first = export if not unshown and export in parts else (unshown or parts)[0]
    return shown + [{"title": "More", "more": inner, "pick": _pick(parts, first, "Show or export" if tables
                                                                   else "Show")}]


def exportable(recap: Recap) -> list[str]:
    """The tables worth exporting: attendance always, the others when the meeting has any.

    ``notes``, ``speakers`` and ``invitees`` come from the digest's insights (fetched once), when Webex gave them.
    """
    insights = recap.digest.insights
    has = {"attendance": True, "polls": bool(recap.polls), "qa": bool(recap.qa.total), "chats": bool(recap.chats.total),
           "notes": bool(insights and insights.summary), "speakers": bool(insights and insights.speakers),
           "invitees": bool(insights and insights.invitees)}
    return [table for table, present in has.items() if present]


def _pick(tables: list[str], value: str, label: str) -> dict:
    """An ``Input.ChoiceSet`` named ``table``: what the card's "Show" or "Download CSV" applies to."""
    return {"id": "table", "label": label, "value": value,
            "choices": [{"title": TABLE_TITLES[t], "value": t} for t in tables]}


def _row(buttons: list[dict]) -> list[dict]:
    """The buttons in one row, or the first two and "More" with the rest (up to five actions in all)."""
    if len(buttons) <= ROW_BUTTONS:
        return buttons
    first = ROW_BUTTONS - 1
    return buttons[:first] + [{"title": "More", "more": buttons[first:first + MAX_ACTIONS - ROW_BUTTONS]}]
