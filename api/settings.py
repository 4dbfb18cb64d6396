"""Pod V5 settings: one module, driven by environment variables.

Embedded defaults (no variable set): SQLite and media under ``var/``, local encoding.
Production sets ``DATABASE_URL``, ``SECRET_KEY``, ``CALLBACK_SIGNING_SECRET`` and the rest;
with ``DEBUG`` off a missing secret is a startup error (``ImproperlyConfigured``).
See the README's settings table for every variable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return default if value is None else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env("POD_VAR_DIR", str(BASE_DIR / "var"))).resolve()


def _dev_secret(name: str, make) -> str:
    """A development secret, generated once and kept in ``var/dev-secrets.json``.

    Only used with ``DEBUG`` on; without it a missing secret is a startup error.
    """
    value = env(name)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "dev-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = make()
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored[name]


SECRET_KEY = _dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
#: Standard Webhooks secret (``whsec_<base64>``) shared with the workers and the operator.
CALLBACK_SIGNING_SECRET = _dev_secret(
    "CALLBACK_SIGNING_SECRET",
    lambda: "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "ninja_extra",
    "ninja_jwt",
    "api.core",
    "api.accounts",
    "api.videos",
    "api.uploads",
    "api.encoding",
    "api.playback",
    "api.live",
]

MIDDLEWARE = [
    # outermost: turns every non-JSON error response (even the other middlewares') to JSON
    "api.core.middleware.JsonErrorMiddleware",
    # /healthz and /readyz, before the host check: probes come with the pod IP as Host
    "api.core.health.HealthMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "api.urls"
WSGI_APPLICATION = "api.wsgi.application"
ASGI_APPLICATION = "api.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL is set (postgres://user:pass@host/db).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pod.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # several threads (server + local encoding pool) write: wait instead of failing
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # a file, not shared-cache memory: the live server and encoding threads write too
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# Storage: local folder (embedded default). STORAGE_BACKEND=s3 arrives with the S3 issue.
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND={STORAGE_BACKEND!r} is not supported yet")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
#: Serve media files from Django (with Range support): development and the embedded default.
MEDIA_SERVE = env_bool("MEDIA_SERVE", True)

# Uploads (tus 1.0.0)
#: largest accepted upload, bytes (Tus-Max-Size); larger Upload-Length → 413
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_SIZE", 20 * 1024**3)
#: an unfinished upload expires this many seconds after its last write (tus expiration)
UPLOAD_EXPIRATION_SECONDS = env_int("UPLOAD_EXPIRATION_SECONDS", 24 * 3600)
#: where upload bytes are spooled while they arrive
UPLOAD_SPOOL_DIR = Path(env("UPLOAD_SPOOL_DIR", str(MEDIA_ROOT / "uploads"))).resolve()

# Encoding
ENCODING_BACKEND = env("ENCODING_BACKEND", "local")
if ENCODING_BACKEND not in ("local", "kubernetes"):
    raise ImproperlyConfigured(
        f"ENCODING_BACKEND={ENCODING_BACKEND!r}: must be 'local' or 'kubernetes'"
    )
#: kubernetes backend: namespace of the EncodingJob custom resources (the cluster comes
#: from the in-cluster ServiceAccount, else KUBECONFIG / ~/.kube/config)
ENCODING_NAMESPACE = env("ENCODING_NAMESPACE", "default")
#: local backend: encodes run at once (bounded pool)
ENCODING_LOCAL_CONCURRENCY = env_int("ENCODING_LOCAL_CONCURRENCY", 1)
#: the worker command (a list, shell-split)
ENCODING_WORKER_COMMAND = env("ENCODING_WORKER_COMMAND", "media-encode")
#: HLS segment duration, seconds
ENCODING_SEGMENT_DURATION = float(env("ENCODING_SEGMENT_DURATION", "4"))
#: Base URL the workers use to reach this API (callbacks)
API_BASE_URL = env("API_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# CORS (browsers uploading with tus-js-client need the tus headers exposed)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-csrftoken",
    "x-requested-with",
    "tus-resumable",
    "upload-length",
    "upload-offset",
    "upload-metadata",
    "upload-checksum",
    "upload-defer-length",
    "upload-concat",
    "x-http-method-override",
)
CORS_EXPOSE_HEADERS = (
    "location",
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-max-size",
    "tus-checksum-algorithm",
    "upload-offset",
    "upload-length",
    "upload-metadata",
    "upload-expires",
)
CORS_ALLOW_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

# Rate limits per scope (django-ratelimit rates: "10/m" = 10 per minute), see
# api.core.ratelimit. RATE_LIMITS_ENABLED=false turns them all off.
RATE_LIMITS = (
    {
        "login": env("RATE_LIMIT_LOGIN", "10/m"),
        "upload_create": env("RATE_LIMIT_UPLOAD_CREATE", "30/m"),
        "comment": env("RATE_LIMIT_COMMENT", "20/m"),
        "unlock": env("RATE_LIMIT_UNLOCK", "10/m"),
    }
    if env_bool("RATE_LIMITS_ENABLED", True)
    else {}
)

NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "SIGNING_KEY": SECRET_KEY,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"level": "WARNING"},
    },
}

# --- Access control and private media (issue 5) --------------------------------------
#: media URLs of non-public videos carry a token valid this many seconds plus the
#: video's duration (``/media/t/<token>/...``)
MEDIA_TOKEN_SECONDS = env_int("MEDIA_TOKEN_SECONDS", 3600)
#: URL prefix of an nginx ``internal`` location that maps to MEDIA_ROOT (e.g.
#: ``/protected-media/``): when set, the media view checks access and answers with
#: ``X-Accel-Redirect`` instead of sending the file itself
MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT", "")
if MEDIA_ACCEL_REDIRECT and not MEDIA_ACCEL_REDIRECT.startswith("/"):
    raise ImproperlyConfigured("MEDIA_ACCEL_REDIRECT must be a URL path starting with '/'")
#: Cache-Control max-age of the media of public videos (plain URLs), seconds
MEDIA_PUBLIC_CACHE_SECONDS = env_int("MEDIA_PUBLIC_CACHE_SECONDS", 300)
#: lifetime of the grant ``POST /api/v1/videos/{id}/unlock`` gives, seconds
VIDEO_GRANT_SECONDS = env_int("VIDEO_GRANT_SECONDS", 3600)

# --- Live events (issue 4) -----------------------------------------------------------
#: the live worker command (shell-split), run locally with ENCODING_BACKEND=local
LIVE_WORKER_COMMAND = env("LIVE_WORKER_COMMAND", "media-live")
#: live HLS segment duration, seconds
LIVE_SEGMENT_SECONDS = float(env("LIVE_SEGMENT_SECONDS", "2"))
#: how long an event stays live after its input stops (a reconnect window), seconds
LIVE_RECONNECT_SECONDS = env_int("LIVE_RECONNECT_SECONDS", 60)
#: a viewer counts while it sent a heartbeat within this many seconds
LIVE_VIEWER_TTL_SECONDS = env_int("LIVE_VIEWER_TTL_SECONDS", 60)
#: host the local ingest listens on, and the host name given to broadcasters
LIVE_INGEST_BIND = env("LIVE_INGEST_BIND", "127.0.0.1")
LIVE_INGEST_HOST = env("LIVE_INGEST_HOST", "127.0.0.1")
