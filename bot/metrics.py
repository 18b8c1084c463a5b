"""Prometheus metrics (``GET /metrics``), added up across every process of one deployment on one machine.

prometheus_client's multiprocess mode: each process writes its counts to files of its own in one directory,
and a scrape, whichever process answers it, adds up all the files there. That covers gunicorn's workers,
the embedded consumer in them, and ``recap worker`` processes on the same machine. The directory is, first
found: ``PROMETHEUS_MULTIPROC_DIR`` (set by an operator, or inherited from ``recap serve``/gunicorn's
master), ``RECAP_METRICS_DIR``, or one derived from ``DATABASE_URL`` (every process of a deployment shares
it): ``<database file>-metrics`` beside a SQLite file, else ``<temp dir>/recap-metrics-<uid>-<hash>``.
``recap serve``, ``recap worker`` and gunicorn's master when given ``--config python:bot.cli.serve`` remove
the files of processes that are no longer running when they start (a restart resets the counts, as
Prometheus expects of one); there gunicorn's ``child_exit`` also tidies up after a worker. Processes are
told apart by pid: the directory is for one machine (one pid namespace), never shared between containers.

Series: ``recap_webhook_deliveries_total{outcome}``, ``recap_jobs_total{task,outcome}``,
``recap_job_seconds{task}`` (histogram), ``recap_webex_requests_total{credential,status}``,
``recap_recap_deliveries_total{outcome}`` and ``recap_queue_depth`` (read from the queue at scrape time).
Labels are names and codes only: never a token, an id or a person. prometheus_client is imported on first
use, once the directory is chosen (the library reads its variable when first imported).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings

log = logging.getLogger(__name__)
DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
_lock = threading.Lock()
_directory: Path | None = None  # the multiprocess directory this process writes to (None: counts in memory)
_series: _Series | None = None


@dataclass(frozen=True)
class _Series:
    registry: Any
    webhook_deliveries: Any
    jobs: Any
    job_seconds: Any
    webex_requests: Any
    recap_deliveries: Any


def default_directory(settings: Settings) -> Path:
    """Where the processes of the deployment ``settings`` describes meet, when nothing else says."""
    if settings.metrics_dir:
        return Path(settings.metrics_dir)
    url = settings.database_url
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(os.path.abspath(url[len("sqlite:///"):].split("?")[0] + "-metrics"))
    shown = url.split("://", 1)[-1].rpartition("@")[2]  # host, port and database; never the password
    digest = hashlib.sha256(shown.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"recap-metrics-{os.getuid()}-{digest}"


def setup(settings: Settings, *, sweep: bool = False) -> Path | None:
    """Choose this process's metrics directory (the first call decides); ``sweep`` removes dead processes' files.

    Returns the directory, or None when this process counts in memory only (prometheus_client was in use
    before, or the directory cannot be made: a warning says so).
    """
    global _directory
    with _lock:
        if _directory is None and _series is None:
            path = Path(os.environ.get(DIRECTORY_VARIABLE) or default_directory(settings))
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("metrics: cannot use %s (%s); this process counts on its own", path, exc)
                return None
            os.environ[DIRECTORY_VARIABLE] = str(path)  # prometheus_client and child processes read it
            _directory = path
    if sweep and _directory is not None:
        remove_dead(_directory)
    return _directory


def remove_dead(directory: Path) -> list[Path]:
    """Delete the files of processes that are no longer running (named ``KIND_PID.db``); return them."""
    removed = []
    for path in directory.glob("*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def process_dead(pid: int) -> None:
    """A process of this deployment ended (gunicorn's ``child_exit``): drop its live gauges, keep its counts."""
    if _directory is not None or os.environ.get(DIRECTORY_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(_directory or os.environ[DIRECTORY_VARIABLE]))


def webhook_delivery(outcome: str) -> None:
    """Count one webhook delivery by how the web edge answered it (``queued``, ``duplicate``, ``ignored``…)."""
    _count(lambda s: s.webhook_deliveries.labels(outcome=outcome).inc())


def job_finished(task: str, outcome: str, *, since: float) -> None:
    """Count one run of job ``task`` (``ok``, ``retried``, ``failed``, ``usage``) begun at ``since`` (monotonic)."""
    seconds = max(0.0, time.monotonic() - since)

    def record(series: _Series) -> None:
        series.jobs.labels(task=task, outcome=outcome).inc()
        series.job_seconds.labels(task=task).observe(seconds)

    _count(record)


def webex_request(credential: str, status: int | str) -> None:
    """Count one HTTP request to Webex by credential (``bot``, ``admin``, ``compliance``) and status (or ``error``)."""
    _count(lambda s: s.webex_requests.labels(credential=credential, status=str(status)).inc())


def recap_delivery(outcome: str) -> None:
    """Count one outcome of an automatic recap's delivery (``posted``, ``skipped``, ``failed``…)."""
    _count(lambda s: s.recap_deliveries.labels(outcome=outcome).inc())


def exposition(queue_depth: Callable[[], int] | None = None) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: every process's counts, and the queue's depth now."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.multiprocess import MultiProcessCollector

    series = _get()
    sources = [MultiProcessCollector(None, path=str(_directory)) if _directory else series.registry]

    class QueueDepth:
        def collect(self):
            try:
                depth = queue_depth() if queue_depth else None
            except Exception as exc:  # noqa: BLE001 - an unreachable queue: the gauge is absent, /healthz says why
                log.debug("metrics: queue depth unknown (%s)", type(exc).__name__)
                return
            if depth is not None:
                yield GaugeMetricFamily("recap_queue_depth", "Jobs waiting in the queue to run now.", value=depth)

    class Scrape:
        def collect(self):
            for source in (*sources, QueueDepth()):
                yield from source.collect()

    return generate_latest(Scrape()), CONTENT_TYPE_LATEST


def authorized(token: str | None, authorization: str | None) -> bool:
    """Whether a scrape may read the metrics: always without ``RECAP_METRICS_TOKEN``, else with ``Bearer TOKEN``."""
    if not token:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())


def _count(record: Callable[[_Series], object]) -> None:
    try:
        record(_get())
    except OSError as exc:  # a full or vanished metrics folder must not fail a webhook or a job
        log.warning("metrics: could not record (%s: %s)", type(exc).__name__, exc)


def _get() -> _Series:
    global _series, _directory
    if _series is not None:
        return _series
    with _lock:
        if _series is None:
            if _directory is None and os.environ.get(DIRECTORY_VARIABLE):  # inherited from the parent process
                _directory = Path(os.environ[DIRECTORY_VARIABLE])
                _directory.mkdir(parents=True, exist_ok=True)
            _series = _create()
            if _directory is not None and not _multiprocess():  # the library was imported before: in memory, then
                _directory = None
    return _series


def _create() -> _Series:
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry(auto_describe=True)
    return _Series(
        registry,
        Counter("recap_webhook_deliveries", "Webhook deliveries, by how the web edge answered.", ["outcome"],
                registry=registry),
        Counter("recap_jobs", "Job runs, by task and outcome.", ["task", "outcome"], registry=registry),
        Histogram("recap_job_seconds", "How long a job run took.", ["task"], buckets=JOB_BUCKETS, registry=registry),
        Counter("recap_webex_requests", "HTTP requests to Webex, by credential and status.", ["credential", "status"],
                registry=registry),
        Counter("recap_recap_deliveries", "Automatic recap delivery outcomes.", ["outcome"], registry=registry),
    )


def _multiprocess() -> bool:
    from prometheus_client import values

    return bool(getattr(values.ValueClass, "_multiprocess", False))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
