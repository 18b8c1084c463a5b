"""The ``recap`` command: run, serve, worker, sandbox, emulator, render, export, webhooks, doctor, status, audit, db."""

from bot.cli.main import main, run

__all__ = ["main", "run"]
