# syntax=docker/dockerfile:1
# Recap's image: the web edge under gunicorn by default; `recap worker` and `recap db upgrade` run from
# the same image (compose.yaml). Every Python package is pinned by requirements/lock.txt, the build
# backend included, so two builds of one commit install the same versions.
#
#   docker build -t recap .
#   docker compose up -d                 # web, worker, migrate, PostgreSQL, Redis (compose.yaml)
#
# The default command is the Procfile's web line only: it queues jobs that a `recap worker` runs. One
# container doing both, on SQLite files in the /data volume (the embedded default, `recap serve`):
#   docker run -p 8000:8000 -v recap-data:/data --env-file .env recap recap serve --host 0.0.0.0
#
# The Python minor version is the one the lock was resolved with (its header) and CI runs.

# ---- build: the wheel, then the wheels of everything it needs, all pinned -------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements/lock.txt requirements/lock.txt
RUN pip install -c requirements/lock.txt build hatchling
COPY pyproject.toml README.md ./
COPY bot bot
COPY templates templates
# --no-isolation: the backend is the pinned hatchling installed above, not whatever is newest.
RUN python -m build --wheel --no-isolation --outdir /dist \
 && pip wheel --wheel-dir /wheels -c requirements/lock.txt "$(ls /dist/*.whl)[postgres,redis]"

# ---- the image ------------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/recap/bin:$PATH \
    DATABASE_URL=sqlite:////data/recap.db \
    QUEUE_URL=sqlite:////data/recap-queue.db \
    WEB_CONCURRENCY=2
# A user of its own; its home (gunicorn's control socket: ~/.gunicorn) stays in the container, its state
# (SQLite files when DATABASE_URL/QUEUE_URL are left as they are) goes to the /data volume.
RUN groupadd --system --gid 10001 recap \
 && useradd --system --uid 10001 --gid recap --create-home --home-dir /home/recap --shell /usr/sbin/nologin recap \
 && mkdir -p /data && chown recap:recap /data
COPY requirements/lock.txt /opt/recap-lock.txt
# Offline from the build stage's wheels, still checked against the lock.
RUN --mount=type=bind,from=build,source=/wheels,target=/tmp/wheels \
    python -m venv /opt/recap \
 && /opt/recap/bin/pip install --no-index --find-links /tmp/wheels -c /opt/recap-lock.txt "recap-bot[postgres,redis]" \
 && recap --help >/dev/null
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The Procfile's web line; WEB_CONCURRENCY is gunicorn's worker count (2, as in the Procfile).
CMD ["gunicorn", "--config", "python:bot.cli.serve", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "bot:create_app()"]
