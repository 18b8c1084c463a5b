"""Recap's cards: a meeting view or a command's answer rendered to a valid Adaptive Card plus its markdown fallback.

Jinja templates in ``templates/cards`` lay the cards out; ``bot.cards.recap_views*`` decide what they
say. Every card is cut to a byte budget by showing fewer list items (with a "+ N more" line),
never by cutting JSON, and checked against Webex's limits before anyone can send it. Validity
against the Adaptive Cards 1.3 schema is proven by the tests (``validate_card``), off the hot path.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined

import bot.cards.detail_views as detail_views
import bot.cards.insight_views as insight_views
import bot.cards.markdown as markdown
import bot.cards.reply_views as reply_views
import bot.cards.summary_view as summary_view
from bot.cards.checks import card_size, check_limits, validate_card
from bot.cards.format import zone
from bot.digest import ChatTally, Digest
from bot.errors import CardError, UsageError
from bot.meetings import Archive, MeetingChat
from bot.resources import templates_dir
from bot.summaries import recap

DEFAULT_BUDGET = 24_000  # bytes: RECAP_CARD_BUDGET's default; callers that have settings pass theirs (ctx.card)
__all__ = ["Card", "DEFAULT_BUDGET", "VIEWS", "KINDS", "card_size", "render_card", "render_view", "validate_card"]


@dataclass(frozen=True)
class Card:
    """A rendered card: its kind, the AdaptiveCard JSON (version 1.3) and the markdown fallback."""

    kind: str
    content: dict
    markdown: str


@dataclass(frozen=True)
class _Kind:
    build: Callable[..., dict]  # (…, limit=, compact=) -> template context
    markdown: Callable[[dict], list[str]]
    limit: int  # how many items of the main list a card shows at most


VIEWS = {
    "summary": _Kind(summary_view.summary, markdown.summary, 2),
    "attendance": _Kind(detail_views.attendance, markdown.attendance, 40),
    "polls": _Kind(detail_views.polls, markdown.polls, 10),
    "qa": _Kind(detail_views.qa, markdown.qa, 20),
    "chats": _Kind(detail_views.chats, markdown.chats, 40),
    "notes": _Kind(insight_views.notes, markdown.notes, 60),
    "speakers": _Kind(insight_views.speakers, markdown.speakers, 40),
}
KINDS = {
    "help": _Kind(reply_views.help_card, markdown.help, 0),
    "error": _Kind(reply_views.error_card, markdown.error, 0),
    "archives": _Kind(reply_views.archives_card, markdown.archives, 100),
    "refusal": _Kind(reply_views.refusal_card, markdown.refusal, 0),
    "subscription": _Kind(reply_views.subscription_card, markdown.subscription, 50),
}


@functools.cache
def environment() -> Environment:
    """The Jinja environment over ``templates/cards`` (JSON output: no HTML autoescape, strict undefined)."""
    return Environment(loader=FileSystemLoader(templates_dir() / "cards"), autoescape=False,
                       undefined=StrictUndefined, extensions=["jinja2.ext.do"], keep_trailing_newline=False)


def render_template(kind: str, context: dict) -> dict:
    """Render ``templates/cards/<kind>.json.j2`` and parse it; a template that yields bad JSON is a CardError."""
    text = environment().get_template(f"{kind}.json.j2").render(**context)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CardError(f"template {kind}.json.j2 produced invalid JSON: {exc}") from exc


def _fit(kind: str, spec: _Kind, build: Callable[..., dict], budget: int) -> Card:
    limit, compact = spec.limit, False
    while True:
        content = render_template(kind, build(limit=limit, compact=compact))
        size = card_size(content)
        if size <= budget:
            break
        if limit > 0:
            limit = max(min(limit - 1, int(limit * budget / size)), 0)
        elif not compact:
            compact = True
        else:
            return _oversize(kind, build(limit=0, compact=True), budget)
    check_limits(content)
    return Card(kind, content, _fallback(spec, build, limit, compact))


def _oversize(kind: str, context: dict, budget: int) -> Card:
    """A card that says the real one would not fit (budgets this small are a configuration choice)."""
    header = context.get("header") or {}
    title = header.get("title") or context.get("title") or "Recap"
    text = f"This card would need more than {budget:,} bytes, the configured limit (RECAP_CARD_BUDGET)."
    if header:
        text += " Use **export** for everything."
    small = {"kicker": header.get("kicker") or kind, "title": title, "text": text,
             "actions": context.get("actions") or []}
    content = render_template("oversize", small)
    if card_size(content) > budget:
        raise CardError(f"even a minimal {kind} card needs {card_size(content):,} bytes; the budget is {budget:,}")
    check_limits(content)
    return Card(kind, content, markdown.join([f"**{small['kicker']}: {small['title']}**", text]))


def _fallback(spec: _Kind, build: Callable[..., dict], limit: int, compact: bool) -> str:
    while True:
        lines = spec.markdown(build(limit=limit, compact=compact))
        size = sum(len(line.encode("utf-8")) + 1 for line in lines)
        if size <= markdown.MAX_MARKDOWN_BYTES or (limit == 0 and compact):
            return markdown.join(lines)  # join() still cuts at a line boundary if needed
        if limit > 0:
            limit = max(min(limit - 1, int(limit * markdown.MAX_MARKDOWN_BYTES / size)), 0)
        else:
            compact = True


def render_view(view: str, meeting: Digest | Archive, *, audience: str, timezone: str,
                budget_bytes: int = DEFAULT_BUDGET, chats: ChatTally | Iterable[MeetingChat] | None = None,
                privacy: str = "names", automatic: dict | None = None, sort: str | None = None) -> Card:
    """One view (summary, attendance, polls, qa, chats, notes, speakers) of a digest, for a group space or a 1:1.

    ``privacy`` is a group space's level (``names`` or ``counts``). An automatic recap's summary gets
    ``automatic``: the subscription that sent it (``kind``, ``value``, ``id``), for its "Sent because" line
    and its Unsubscribe button. ``sort`` orders the attendance view's list (``longest``, ``shortest``,
    ``name``, ``join``); other views have one order. An archive parsed whole (a file given to
    ``recap render``) is digested first.
    """
    spec = VIEWS.get(view)
    if spec is None:
        raise UsageError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
    tz = zone(timezone)
    data = recap(meeting, audience=audience, chats=chats, privacy=privacy)
    options = {"automatic": automatic} if automatic and view == "summary" else {}
    if sort and view == "attendance":
        options["sort"] = sort
    build = functools.partial(spec.build, data, tz, timezone, **options)
    return _fit(view, spec, build, budget_bytes)


def render_card(kind: str, /, *, budget_bytes: int = DEFAULT_BUDGET, **context) -> Card:
    """A card answering a command: help, error, archives, refusal or subscription (context per kind)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise UsageError(f"unknown card kind {kind!r}: use one of {', '.join(KINDS)} (or render_view for views)")
    try:
        build = functools.partial(spec.build, **context)
        build(limit=spec.limit, compact=False)
    except TypeError as exc:  # an unknown context field: say which card did not understand it
        raise CardError(f"{kind} card: {exc}") from exc
    return _fit(kind, spec, build, budget_bytes)
