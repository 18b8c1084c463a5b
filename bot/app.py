"""The application factory: ``create_app(settings)`` wires settings, store, Webex clients, queue and web edge."""

from __future__ import annotations

from flask import Flask

from bot import web
from bot.config import Settings
from bot.context import Services
from bot.jobs import Jobs, create_jobs


def create_app(settings: Settings | None = None, *, jobs: Jobs | None = None) -> Flask:
    """A fresh Flask app for ``settings`` (default: the environment); ``jobs`` lets a caller share its queue."""
    settings = settings or Settings.from_env()
    jobs = jobs or create_jobs(Services(settings))
    app = Flask("bot")
    app.config["MAX_CONTENT_LENGTH"] = web.MAX_BODY_BYTES
    web.register(app, web.Runtime(jobs.services, jobs))
    return app


def jobs_of(app: Flask) -> Jobs:
    """The queue (and through ``.services`` the store and clients) an app was built with."""
    return web.runtime_of(app).jobs
