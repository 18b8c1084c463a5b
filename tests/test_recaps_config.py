"""RECAP_RECAP_DELAY and RECAP_RECAP_DEADLINE: read, defaulted, and refused with a message naming the variable."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import ConfigError


def settings(**env) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults_are_fifteen_minutes_and_a_day():
    s = settings()
    assert (s.recap_delay, s.recap_deadline) == (900.0, 86_400.0)


def test_values_are_read():
    s = settings(RECAP_RECAP_DELAY="5", RECAP_RECAP_DEADLINE="120.5")
    assert (s.recap_delay, s.recap_deadline) == (5.0, 120.5)


@pytest.mark.parametrize("env, name", [
    ({"RECAP_RECAP_DELAY": "soon"}, "RECAP_RECAP_DELAY"),
    ({"RECAP_RECAP_DELAY": "-1"}, "RECAP_RECAP_DELAY"),
    ({"RECAP_RECAP_DELAY": "90000"}, "RECAP_RECAP_DELAY"),
    ({"RECAP_RECAP_DEADLINE": "0"}, "RECAP_RECAP_DEADLINE"),
    ({"RECAP_RECAP_DEADLINE": "tomorrow"}, "RECAP_RECAP_DEADLINE"),
    ({"RECAP_RECAP_DELAY": "600", "RECAP_RECAP_DEADLINE": "300"}, "RECAP_RECAP_DEADLINE"),
])
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        settings(**env)
