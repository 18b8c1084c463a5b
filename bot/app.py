"""The application factory: ``create_app(settings)`` wires settings, store, Webex clients, queue and web edge.

It also sets up logs (``bot.logs``, unless a command or gunicorn's hook did already; under a plain
``gunicorn "bot:create_app()"`` gunicorn's access and error lines of the worker take the same format) and
metrics (``bot.metrics``), and gives each request an id: the caller's ``X-Request-Id`` when it looks like one,
else a fresh one; it is on every log line of the request and echoed in the answer's ``X-Request-Id``.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, request

from bot import logs, metrics, web
from bot.config import Settings
from bot.context import Services
from bot.jobs import Jobs, create_jobs

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def create_app(settings: Settings | None = None, *, jobs: Jobs | None = None) -> Flask:
    """A fresh Flask app for ``settings`` (default: the environment); ``jobs`` lets a caller share its queue."""
    settings = settings or Settings.from_env()
    logs.configure_once(settings)
    logs.adopt(logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access"))
    metrics.setup(settings)
    jobs = jobs or create_jobs(Services(settings))
    app = Flask("bot")
    app.config["MAX_CONTENT_LENGTH"] = web.MAX_BODY_BYTES
    app.before_request(_bind_request_id)
    app.after_request(_echo_request_id)
    app.teardown_request(_unbind_request_id)
    web.register(app, web.Runtime(jobs.services, jobs))
    return app


def jobs_of(app: Flask) -> Jobs:
    """The queue (and through ``.services`` the store and clients) an app was built with."""
    return web.runtime_of(app).jobs


def _bind_request_id() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_log = logs.bind(request_id=g.request_id)


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response


def _unbind_request_id(exc: BaseException | None) -> None:
    token = g.pop("request_log", None)
    if token is not None:
        logs.unbind(token)
