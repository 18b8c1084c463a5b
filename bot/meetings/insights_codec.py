"""``Insights`` as a plain JSON object: the ``insights`` part of a JSON export.

Plain JSON types only (times as ISO 8601 strings), field names as in the records. Recap keeps insights
inside the stored digest (``bot.digest.codec`` encodes them with the rest), so nothing reads this back.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.meetings.insights_api import Insights

FORMAT = 1  # the shape of the export's ``insights`` object: bump when it changes


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def insights_to_json(insights: Insights) -> dict:
    """The insights as a JSON-able dict (``format`` included)."""
    return {"format": FORMAT, **_plain(asdict(insights))}

