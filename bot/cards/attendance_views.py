"""The attendance view: in a 1:1, who came late, left early or barely stayed, then everyone in a chosen order;
in a group space, names alphabetically and the totals, no one's times (DESIGN §5).

The sort is chosen by button (a Submit carrying ``sort``) or typed (``attendance <id> name``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import bot.cards.format as fmt
from bot.cards.recap_views import (
    Style,
    attendance_tiles,
    export_hint,
    header,
    more_line,
    text_fn,
    view_actions,
)
from bot.summaries import Recap

# sort → (button title, the line over the list)
SORTS = {"longest": ("Longest", "Longest time in the meeting first"),
         "shortest": ("Shortest", "Shortest time in the meeting first"),
         "name": ("By name", "By name"), "join": ("By join time", "By join time, earliest first")}
DEFAULT_SORT = "longest"
SHORT_STAY = 10 * 60  # seconds: a "short stay" is under 10 minutes
SECTION_ROWS = 5  # people per section before "+ N more" (compact: 3)
BADGES = {"host": "Host", "cohost": "Cohost"}
EMAIL_SHOWN = 30  # characters of an address beside a time column at phone width (the export has it whole)


def _order(sort: str):
    def key(person) -> tuple:
        joined = (person.first_join is None, person.first_join or datetime.min)
        by_name = person.name.casefold()
        return {"longest": (-person.seconds, *joined, by_name), "shortest": (person.seconds, *joined, by_name),
                "name": (by_name, *joined), "join": (*joined, by_name)}[sort]
    return key


def _who(recap: Recap, person, style: Style) -> dict:
    text = text_fn(recap)
    return {"name": text(person.name, style.name) or "(no name)", "badge": BADGES.get(person.role)}


def _row(recap: Recap, person, tz: ZoneInfo, style: Style) -> dict:
    text = text_fn(recap)
    flags = [label for flag, label in ((person.late, "joined late"), (person.left_early, "left early")) if flag]
    if person.rejoins:
        flags.append(f"rejoined {fmt.number(person.rejoins)}×")
    return {**_who(recap, person, style), "email": text(short_email(person.email)) if person.email else None,
            "span": f"{fmt.clock(person.first_join, tz, anchor=recap.start)}–"
                    f"{fmt.clock(person.last_leave, tz, anchor=recap.start)}",
            "time": fmt.duration(person.seconds), "flags": " · ".join(flags) or None}


def short_email(email: str, limit: int = EMAIL_SHOWN) -> str:
    """An address that fits beside the time column: its local part clipped, its domain kept (``ann.lon…@x.com``)."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if len(email) <= limit or not at or len(domain) > limit - 4:
        return email if len(email) <= limit else email[: limit - 1] + "…"
    return local[: limit - len(domain) - 2] + "…@" + domain


def _sections(recap: Recap, tz: ZoneInfo, style: Style, cap: int) -> list[dict]:
    """Joined late, left early, short stays: the people an admin looks for, before the full list."""
    people, at = recap.attendance.people, lambda when: fmt.clock(when, tz, anchor=recap.start)
    found = (("Joined late", sorted((p for p in people if p.late), key=_order("join")),
              lambda p: f"in {at(p.first_join)}"),
             ("Left early", sorted((p for p in people if p.left_early), key=lambda p: p.last_leave or datetime.max),
              lambda p: f"out {at(p.last_leave)}"),
             ("Short stays (under 10 min)", sorted((p for p in people if p.first_join and p.seconds < SHORT_STAY),
                                                   key=_order("shortest")), lambda p: fmt.duration(p.seconds)))
    return [{"title": f"{title} · {fmt.number(len(group))}",
             "rows": [{**_who(recap, p, style), "detail": detail(p)} for p in group[:cap]],
             "more": f"\\+ {fmt.number(len(group) - cap)} more — see the full list" if len(group) > cap else None}
            for title, group, detail in found if group]


def sort_actions(recap: Recap, sort: str) -> list[dict]:
    """Recap, "Sort" (a choice of order and its button) and "Export" (a choice of table): five actions in all."""
    actions = view_actions(recap, ["summary"], export="attendance")
    if not actions:
        return []
    choices = [{"title": title, "value": key} for key, (title, _) in SORTS.items()]
    button = {"title": "Show in this order", "data": {"action": "attendance", "archiveId": recap.archive_id}}
    order = {"title": "Sort", "more": [button],
             "pick": {"id": "sort", "label": "Order of the list", "value": sort, "choices": choices}}
    return actions[:1] + [order] + actions[1:]


def attendance(recap: Recap, tz: ZoneInfo, tz_name: str, *, limit: int = 40, compact: bool = False,
               sort: str | None = None) -> dict:
    """Who came: in a 1:1 late / early / short sections, then everyone sorted by ``sort``; in a group, names A–Z."""
    style, a = Style.pick(compact), recap.attendance
    peak = f" · peak at {fmt.clock(a.peak_time, tz, anchor=recap.start)}" if a.peak_time else ""
    context = {"header": header(recap, tz, tz_name, "Attendance", style), "tiles": attendance_tiles(recap),
               "line": f"{fmt.counted(a.joins, 'join')} by {fmt.counted(recap.people, 'person', 'people')}{peak}",
               "zone": tz_name, "direct": recap.audience == "direct"}
    if recap.audience != "direct":  # the privacy filter already dropped every time; the view shows names only
        rows = [_who(recap, person, style) for person in a.people[:limit]]
        # The count, even where ``privacy counts`` leaves no row to count.
        return {**context, "line": f"{fmt.counted(recap.people, 'person', 'people')} came{peak}",
                "sections": [], "order": "By name (times are shown only in a 1:1 space)", "rows": rows,
                "more": more_line(len(a.people) - len(rows), export_hint(recap)),
                "actions": view_actions(recap, ["summary"], export="attendance")}
    sort = sort if sort in SORTS else DEFAULT_SORT
    rows = [_row(recap, person, tz, style) for person in sorted(a.people, key=_order(sort))[:limit]]
    cap = min(3 if compact else SECTION_ROWS, limit)  # a tight budget shortens the sections too
    return {**context, "sections": _sections(recap, tz, style, cap),
            "order": f"Everyone · {SORTS[sort][1].lower() if sort != 'name' else 'by name'}", "rows": rows,
            "more": more_line(len(a.people) - len(rows), export_hint(recap)), "actions": sort_actions(recap, sort)}
