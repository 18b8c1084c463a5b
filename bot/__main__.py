"""``python -m bot`` is the ``recap`` command."""

from bot.cli import run

run()
