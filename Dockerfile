# syntax=docker/dockerfile:1
# Pod V5 images, one Dockerfile, three targets:
#   docker build --target api      -t pod-v5-api .       # gunicorn + uvicorn serving api.asgi on :8000
#   docker build --target operator -t pod-v5-operator .  # media-operator (kopf, standalone)
#   docker build --target worker   -t pod-v5-worker .    # media-encode / media-live + ffmpeg
# Dependencies come from uv.lock only (`uv sync --locked`, one extra per image): the build
# fails when the lock is out of date. Every target runs as uid/gid 10001 (the chart's podSecurityContext) on a
# read-only root filesystem: nothing is written outside /tmp.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build-*: one virtual environment per image, with only that image's dependencies
# (the project's extra: `api`, `operator` or `worker`) and only its packages (setuptools
# finds the packages whose folders were copied). Every dependency has wheels but python-ldap
# (the API's LDAP sign-in), which build-api compiles against libldap/libsasl; no compiler
# reaches a final image. Dependencies first (a layer kept while only our code changes), then
# the project itself, installed as a regular package (--no-editable): no source tree at run.
FROM ${PYTHON_IMAGE} AS uv
ARG UV_VERSION=0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock ./

# the API, with the worker programs its local backends run and the probe it checks uploads with
FROM uv AS build-api
# python-ldap's build: a C compiler and the OpenLDAP/Cyrus SASL headers (Debian's, unpinned)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra api --no-install-project
COPY README.md ./
COPY api ./api
COPY operator/podv5_contract ./operator/podv5_contract
COPY operator/podv5_kube ./operator/podv5_kube
COPY operator/podv5_media ./operator/podv5_media
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra api --no-editable

# the operator (+ the deprecated `media_operator` alias of `kopf run -m media_operator`)
FROM uv AS build-operator
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra operator --no-install-project
COPY README.md ./
COPY operator/podv5_contract ./operator/podv5_contract
COPY operator/podv5_kube ./operator/podv5_kube
COPY operator/podv5_operator ./operator/podv5_operator
COPY operator/media_operator ./operator/media_operator
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra operator --no-editable

# the worker programs: no Django, no kopf
FROM uv AS build-worker
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra worker --no-install-project
COPY README.md ./
COPY operator/podv5_contract ./operator/podv5_contract
COPY operator/podv5_media ./operator/podv5_media
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --extra worker --no-editable

# ---- runtime: what the three targets share (a non-root user, no build tools); each
# target copies its own virtual environment, root-owned and read-only for the app user
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
WORKDIR /app

# ---- api: the ASGI app under gunicorn with uvicorn workers (event loops: slow clients and
# long tus uploads cost a socket, not a thread; timeouts in api/serving.py; the config
# module serves the workers' Prometheus metrics when METRICS_PORT is set)
FROM runtime AS api
# python-ldap's shared libraries (Debian's: they follow the security updates, not pinned)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build-api /app/.venv /app/.venv
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config=python:api.gunicorn_conf", "api.asgi:application", "--bind=0.0.0.0:8000", "--worker-class=api.serving.UvicornWorker", "--workers=2", "--timeout=30", "--graceful-timeout=30", "--keep-alive=5", "--worker-tmp-dir=/tmp"]

# ---- operator: `kopf run -m podv5_operator --standalone` (media-operator), with kopf's liveness endpoint
FROM runtime AS operator
COPY --from=build-operator /app/.venv /app/.venv
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
COPY --from=build-worker /app/.venv /app/.venv
ENV FFMPEG_BINARY=/usr/bin/ffmpeg
USER 10001:10001
# A batch program with no endpoint: Kubernetes watches the Job, not a health check.
HEALTHCHECK NONE
CMD ["media-encode", "--help"]
