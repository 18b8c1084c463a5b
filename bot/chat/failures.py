"""What to tell a person when their command failed: each error class explained once, with what to do next.

The words are plain; a command to type is written between backticks, which the error card shows in
bold (``bot.cards.reply_views.error_card``). Where Webex gave its own reason, the card quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.arguments import CommandUsageError
from bot.errors import (
    CardError,
    ConfigError,
    UsageError,
    WebexAuthError,
    WebexBadRequest,
    WebexError,
    WebexNotFound,
    WebexRetryLater,
)


@dataclass(frozen=True)
class Explanation:
    """An error card's words: a title, what happened, what to do, and Webex's tracking id for support."""

    title: str
    what_happened: str
    what_to_do: str
    tracking_id: str | None = None


def explain(exc: BaseException, *, attempts: int = 1) -> Explanation:
    """The explanation for ``exc`` (the most specific class in the table wins)."""
    for kind in type(exc).__mro__:
        if kind in _EXPLAINERS:
            return _EXPLAINERS[kind](exc, attempts)
    return _unexpected(exc, attempts)


def _reference(exc: BaseException) -> str | None:
    return getattr(exc, "tracking_id", None) or None


def _usage(exc: CommandUsageError, attempts: int) -> Explanation:
    example = f", for example `{exc.example}`" if exc.example and exc.example != exc.usage else ""
    return Explanation(f"How to use “{exc.command}”", str(exc), f"Type `{exc.usage}`{example}.")


def _plain_usage(exc: UsageError, attempts: int) -> Explanation:
    return Explanation("I could not act on that", str(exc), "Type `help` to see what I understand.")


def _auth(exc: WebexAuthError, attempts: int) -> Explanation:
    what = exc.hint or "the credential Recap uses was refused"
    return Explanation("Webex refused access", f"Webex said no: {what}.",
                       "Ask the operator of Recap to check the credential and its rights, then try again.",
                       _reference(exc))


def _not_found(exc: WebexNotFound, attempts: int) -> Explanation:
    return Explanation("Nothing found under that id",
                       "Webex has no meeting data under that id (or no longer has it).",
                       "Check the id. An archive appears about 15 minutes after a meeting ends; "
                       "`archives` lists the recent ones.", _reference(exc))


def _retry_later(exc: WebexRetryLater, attempts: int) -> Explanation:
    tried = f"I tried {attempts} times" if attempts > 1 else "I tried"
    status = f" (HTTP {exc.status})" if exc.status else ""
    wait = (f" Webex asked to wait {round(exc.retry_after / 60)} minutes."
            if exc.retry_after and exc.retry_after >= 120 else "")
    return Explanation("Webex is busy right now", f"{tried}, but Webex did not answer in time or was "
                       f"overloaded{status}.{wait}", "Please try again in a few minutes.", _reference(exc))


def _bad_request(exc: WebexBadRequest, attempts: int) -> Explanation:
    said = webex_said(exc)
    what = f"Webex turned the request down and said: “{said}”." if said else \
        f"Webex turned the request down as not valid{_status(exc)}."
    return Explanation("Webex refused the request", what,
                       "Check the values you gave (ids, dates) and try again; `help` shows the forms I accept.",
                       _reference(exc))


def webex_said(exc: WebexError) -> str | None:
    """Webex's own reason for an error (its ``message``), when it gave one, without a trailing full stop."""
    said = getattr(exc, "webex_message", None)  # set where Webex's answer is translated (bot.webex.translate)
    return (said.strip().rstrip(".") or None) if isinstance(said, str) else None


def _webex(exc: WebexError, attempts: int) -> Explanation:
    said = webex_said(exc)
    return Explanation("Webex answered with an error",
                       f"Webex could not do it{_status(exc)} and said: “{said}”." if said else
                       f"Webex could not do it{_status(exc)}.",
                       "Try again later; if it persists, give the tracking id below to the operator.",
                       _reference(exc))


def _card(exc: CardError, attempts: int) -> Explanation:
    return Explanation("That recap is too large for a card", "The card could not be built within Webex's limits.",
                       "Use `export <archiveId> csv` to get the full data as a file.")


def _config(exc: ConfigError, attempts: int) -> Explanation:
    return Explanation("Recap is not fully set up", str(exc), "Ask the operator of Recap to fix the configuration.")


def _unexpected(exc: BaseException, attempts: int) -> Explanation:
    return Explanation("Something went wrong inside Recap", "The command failed because of an error in Recap itself.",
                       f"Please try again; if it happens again, tell the operator (error {type(exc).__name__}).")


def _status(exc: WebexError) -> str:
    return f" (HTTP {exc.status})" if exc.status else ""


_EXPLAINERS = {
    CommandUsageError: _usage,
    UsageError: _plain_usage,
    WebexAuthError: _auth,
    WebexNotFound: _not_found,
    WebexRetryLater: _retry_later,
    WebexBadRequest: _bad_request,
    WebexError: _webex,
    CardError: _card,
    ConfigError: _config,
}
