"""Recap's cards: views (words and numbers), Jinja rendering, the byte budget, markdown fallbacks and checks.

The only package that imports Jinja and jsonschema."""

from bot.cards.checks import card_nodes, card_size, validate_card
from bot.cards.format import bar, percent, zone
from bot.cards.markup import clean, literal
from bot.cards.render import VIEWS, Card, render_card, render_view

__all__ = [
    "Card",
    "VIEWS",
    "bar",
    "card_nodes",
    "card_size",
    "clean",
    "literal",
    "percent",
    "render_card",
    "render_view",
    "validate_card",
    "zone",
]
