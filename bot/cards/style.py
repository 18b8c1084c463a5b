"""How long texts and nested lists may be on a card, and meeting text made safe for the card's audience."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from bot.cards.markup import literal
from bot.summaries import Recap


@dataclass(frozen=True)
class Style:
    """Text lengths and nested-list caps: normal, or compact when a card must shrink further."""

    title: int = 150
    name: int = 60
    text: int = 300
    answers: int = 12
    voters: int = 8

    @classmethod
    def pick(cls, compact: bool) -> Style:
        """The normal style, or the compact one."""
        return cls(title=80, name=40, text=120, answers=6, voters=0) if compact else cls()


def text_fn(recap: Recap):
    """``literal`` with e-mails hidden when the card goes to a group space."""
    return partial(literal, hide_emails=recap.audience == "group")
