"""Recap: a Webex bot that turns meeting archives into Adaptive Card recaps."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from bot.config import Settings

__version__ = "0.1.0"


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app (see ``bot.app.create_app``); imported on call so ``import bot`` stays light."""
    from bot.app import create_app as factory

    return factory(settings)
