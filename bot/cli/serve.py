"""``recap serve``: the web app under gunicorn, with the job consumer inside the same process by default.

This is the embedded, one-machine way to run Recap (SQLite state, SQLite queue, nothing else to
start). The Procfile's way is gunicorn for the web and ``recap worker`` for the jobs instead.

This module is also gunicorn's configuration on the Procfile's ``web:`` line (``--config python:bot.cli.serve``):
gunicorn reads its module-level ``on_starting`` (refuse a bad start in one line, before forking),
``child_exit`` (tidy a dead worker's metrics) and ``logger_class`` (gunicorn's own logs in Recap's format).
It would read any other module-level name that is one of its settings too: keep such names out of here.
"""

from __future__ import annotations

import logging

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from bot import logs, metrics
from bot.app import create_app, jobs_of
from bot.config import Settings
from bot.errors import ConfigError, RecapError

log = logging.getLogger(__name__)


class GunicornLogger(Logger):
    """gunicorn's error and access logs in the format of ``RECAP_LOG_FORMAT``, secrets masked."""

    def setup(self, cfg) -> None:
        """gunicorn's own set-up, then Recap's formatter on its handlers (logs are configured here if not yet)."""
        super().setup(cfg)
        try:
            settings = Settings.from_env()
        except ConfigError:  # on_starting reports it, in one line, right after
            settings = Settings()
        logs.configure_once(settings)
        logs.adopt(self.error_log, self.access_log)


def on_starting(server) -> None:
    """gunicorn's hook before it binds and forks: stop in one line on a bad start, then prepare the metrics."""
    from bot.cli.ops import require_credentials, require_reachable

    try:
        settings = Settings.from_env()
        require_credentials(settings, "the web process")
        require_reachable(settings)
    except ConfigError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
    except RecapError as exc:
        raise SystemExit(f"error: {exc}") from None
    metrics.setup(settings, sweep=True)


def child_exit(server, worker) -> None:
    """gunicorn's hook when a worker has exited: its live gauges go, its counts stay."""
    metrics.process_dead(worker.pid)


logger_class = GunicornLogger


class RecapServer(BaseApplication):
    """A gunicorn application that builds the Flask app in the worker and starts its consumer there."""

    def __init__(self, settings: Settings, options: dict, *, consumer_workers: int = 2):
        self.settings = settings
        self.options = options
        self.consumer_workers = consumer_workers
        self.consumer = None
        super().__init__()

    def load_config(self) -> None:
        """Apply the options (bind, workers, threads, …) to gunicorn's configuration."""
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._stop_consumer)
        self.cfg.set("child_exit", child_exit)
        self.cfg.set("logger_class", GunicornLogger)

    def load(self) -> Flask:
        """Build the app in the worker process (after the fork) and start the embedded consumer."""
        app = create_app(self.settings)
        jobs = jobs_of(app)
        if self.consumer_workers and not jobs.huey.immediate:
            self.consumer = jobs.start_consumer(self.consumer_workers)
            log.info("job consumer started with %d thread(s)", self.consumer_workers)
        return app

    def _stop_consumer(self, server, worker) -> None:
        # Let running jobs finish: a job taken from the queue and then killed would be lost.
        if self.consumer is not None:
            self.consumer.stop(graceful=True)


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
          consumer_workers: int = 2) -> None:
    """Serve until interrupted: one gunicorn worker with ``threads`` threads and the consumer in it.

    The caller has checked the credentials, the database and the queue, and set up logs (``recap serve``).
    """
    metrics.setup(settings, sweep=True)  # before the fork: the worker inherits the directory
    options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": threads,
               "accesslog": "-", "graceful_timeout": 10}
    RecapServer(settings, options, consumer_workers=consumer_workers).run()
