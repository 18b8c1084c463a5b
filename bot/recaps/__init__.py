"""Automatic recaps: subscription rules, archive matching, the post-meeting pipeline and exactly-once delivery."""

from bot.recaps.delivery import marker, sweep
from bot.recaps.rules import Rule, normalise_email, normalise_site, parse_rule, targets

__all__ = ["Rule", "marker", "normalise_email", "normalise_site", "parse_rule", "sweep", "targets"]
