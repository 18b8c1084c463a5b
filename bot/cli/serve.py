"""``recap serve``: the web app under gunicorn, with the job consumer inside the same process by default.

This is the embedded, one-machine way to run Recap (SQLite state, SQLite queue, nothing else to
start). The Procfile's way is gunicorn for the web and ``recap worker`` for the jobs instead.
"""

from __future__ import annotations

import logging

from flask import Flask
from gunicorn.app.base import BaseApplication

from bot.app import create_app, jobs_of
from bot.config import Settings

log = logging.getLogger(__name__)


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
    """Serve until interrupted: one gunicorn worker with ``threads`` threads and the consumer in it."""
    options = {"bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": threads,
               "accesslog": "-", "graceful_timeout": 10}
    RecapServer(settings, options, consumer_workers=consumer_workers).run()
