# syntax=docker/dockerfile:1
# Pod V5 images, one Dockerfile, three targets:
#   docker build --target api      -t pod-v5-api .       # gunicorn + uvicorn serving api.asgi on :8000
#   docker build --target operator -t pod-v5-operator .  # media-operator (kopf, standalone)
#   docker build --target worker   -t pod-v5-worker .    # media-encode / media-live + ffmpeg
# Dependencies come from uv.lock only (`uv sync --locked`): the build fails when the lock
# is out of date. Every target runs as uid/gid 10001 (the chart's podSecurityContext) on a
# read-only root filesystem: nothing is written outside /tmp.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: the virtual environment (no compilers needed: every dependency has wheels)
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION=0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# dependencies first (a layer kept while only our code changes), then the project itself,
# installed as a regular package (--no-editable): the final image needs no source tree
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project
COPY README.md ./
COPY api ./api
COPY operator ./operator
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable

# ---- runtime: what the three targets share (the venv, a non-root user, no build tools)
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=api.settings \
    POD_VAR_DIR=/tmp/pod-v5 \
    HOME=/tmp
RUN groupadd --system --gid 10001 pod \
    && useradd --system --uid 10001 --gid pod --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin pod
# root-owned and read-only for the app user
COPY --from=builder /app/.venv /app/.venv
WORKDIR /app

# ---- api: the ASGI app under gunicorn with uvicorn workers (event loops: slow clients and
# long tus uploads cost a socket, not a thread; timeouts in api/serving.py; the config
# module serves the workers' Prometheus metrics when METRICS_PORT is set)
FROM runtime AS api
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config=python:api.gunicorn_conf", "api.asgi:application", "--bind=0.0.0.0:8000", "--worker-class=api.serving.UvicornWorker", "--workers=2", "--timeout=30", "--graceful-timeout=30", "--keep-alive=5", "--worker-tmp-dir=/tmp"]

# ---- operator: `kopf run -m media_operator --standalone`, with kopf's liveness endpoint
FROM runtime AS operator
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["media-operator", "--liveness=http://0.0.0.0:8080/healthz"]

# ---- worker: the encoder and live-ingest programs with Debian's ffmpeg. The operator
# gives the command (`media-encode --spec ...`) in each Job; the default only prints usage.
FROM runtime AS worker
# Debian's ffmpeg follows the distribution's security updates: not pinned on purpose
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*
ENV FFMPEG_BINARY=/usr/bin/ffmpeg
USER 10001:10001
# A batch program with no endpoint: Kubernetes watches the Job, not a health check.
HEALTHCHECK NONE
CMD ["media-encode", "--help"]
