"""Pod V5 settings: one module, driven by environment variables.

Embedded defaults (no variable set): SQLite and media under ``var/``, local encoding.
Production sets ``DATABASE_URL``, ``SECRET_KEY``, ``CALLBACK_SIGNING_SECRET`` and the rest;
with ``DEBUG`` off a missing secret is a startup error (``ImproperlyConfigured``).
See the README's settings table for every variable.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
from datetime import timedelta
from functools import partial
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# every variable is read through these: a bad value is ImproperlyConfigured naming it
from api.core.env import (
    env,
    env_base_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_number_map,
    env_pairs,
)
from api.core.http import TimeoutSession
from podv5_contract.spec import RATE_CONTROLS
from podv5_contract.storage import S3Config, StorageError
from podv5_contract.transcribe import LANGUAGE_PATTERN, engine_supports

BASE_DIR = Path(__file__).resolve().parent.parent


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
#: CSRF rejections of plain Django views answer the envelope (403 csrf_failed)
CSRF_FAILURE_VIEW = "api.core.middleware.csrf_failure"

# --- Behind a reverse proxy, TLS (issue 13; api.core.client, docs/api.md) ------------
#: networks (CIDR) of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are
#: believed; empty with TRUSTED_PROXY_HOPS=0 (the default): nobody's, the peer is the client
TRUSTED_PROXY_CIDRS = env_networks("TRUSTED_PROXY_CIDRS")
#: at most this many trusted proxies in front (0: no bound); without TRUSTED_PROXY_CIDRS,
#: any peer counts as the first proxy (only when nothing else can reach the API)
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0, minimum=0)
#: believe the trusted proxies' X-Forwarded-Proto: https (https:// URLs, secure requests);
#: the header of any other peer is dropped (api.core.client.TrustedProxyMiddleware)
TRUST_X_FORWARDED_PROTO = env_bool(
    "TRUST_X_FORWARDED_PROTO", bool(TRUSTED_PROXY_CIDRS or TRUSTED_PROXY_HOPS)
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None
#: networks (CIDR) staff and superusers may use their rights from (Esup-Pod's
#: ALLOWED_SUPERUSER_IPS; empty: anywhere): from any other client address (api.core.client)
#: they act as viewers/uploaders and cannot sign in to /admin/ (api.core.staff_network)
STAFF_ALLOWED_CIDRS = env_networks("STAFF_ALLOWED_CIDRS")
#: http(s)://host[:port] clients reach the API at; when set, every absolute URL the API
#: gives out (tus Location, upload URL, player config, live heartbeat) starts with it
PUBLIC_BASE_URL = env_base_url("PUBLIC_BASE_URL")
#: redirect http:// requests to https:// (the workers' callbacks and probes excepted)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^api/v1/internal/"]
#: Strict-Transport-Security max-age, seconds (0: no header); sent on https responses
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
#: session and CSRF cookies only over https (set them when the API is served over TLS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    # django-ninja's templates and static files: Swagger UI at /api/docs from this server
    # (api.core.static_files), not from a CDN
    "ninja",
    "ninja_extra",
    "ninja_jwt",
    "ninja_jwt.token_blacklist",
    # CAS sign-in (api.accounts.cas, on with USE_CAS): its ticket → session table
    "django_cas_ng",
    "api.core",
    "api.accounts",
    "api.videos",
    "api.uploads",
    "api.encoding",
    "api.pipeline",
    "api.callbacks",
    "api.playback",
    "api.live",
    "api.social",
    "api.captions",
    "api.editorial",
    "api.editing",
    "api.migration_v4",
    "api.apikeys",
    "api.embed",
    "api.lti",
    "api.retention",
    "api.imports",
    "api.analytics",
    "api.enrichment",
    "api.events",
    "api.webhooks",
    "api.streams",
]

MIDDLEWARE = [
    # the client's address and scheme behind trusted proxies, PUBLIC_BASE_URL
    # (api.core.client; the README's "Behind a proxy, TLS")
    "api.core.client.TrustedProxyMiddleware",
    # X-Request-ID in, out and on every log line; then the latency histogram (see the
    # README's "Observability")
    "api.core.request_id.RequestIdMiddleware",
    "api.core.metrics.MetricsMiddleware",
    # turns every non-JSON error response (even the other middlewares') to JSON
    "api.core.middleware.JsonErrorMiddleware",
    # /healthz and /readyz, before the host check: probes come with the pod IP as Host
    "api.core.health.HealthMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # staff rights only from STAFF_ALLOWED_CIDRS (api.core.staff_network)
    "api.core.staff_network.StaffNetworkMiddleware",
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
    # several threads (server + local encoding pool) write: wait instead of failing.
    # WAL with synchronous=NORMAL: a commit appends to the WAL without an fsync (a power
    # loss may undo the last commits, never corrupt the file; a process crash loses none)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # kept by the request threads api.asgi reuses (one connection per thread)
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    # a file, not shared-cache memory: the live server and encoding threads write too
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Argon2id first (api.accounts.hashers: OWASP's parameters, a few tens of ms a login, where
# PBKDF2's 1,000,000 iterations cost ~230 ms); the others still verify older hashes, which
# Django re-hashes with the first at the user's next login.
PASSWORD_HASHERS = [
    "api.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
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

# Storage: a local folder (embedded default) or an S3 bucket (README, "Storage").
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured(f"STORAGE_BACKEND={STORAGE_BACKEND!r}: must be 'local' or 's3'")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
#: s3: the bucket, the endpoint of an S3-compatible server (empty: AWS), its region;
#: credentials come from boto3's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY...).
#: The workers read the same S3_* names from their environment.
S3_BUCKET = env("S3_BUCKET", "")
#: the endpoint, region, addressing style, multipart threshold and part size (bytes, both
#: >= 5 MiB), threads per transfer, attempts per request and timeouts (seconds) are read by
#: the workers' own parser (podv5_contract.storage.S3Config): one reading of the S3_* names
#: for the API and the workers, one set of rules and errors
try:
    _S3 = S3Config.from_env()
except StorageError as exc:
    raise ImproperlyConfigured(str(exc)) from None
S3_ENDPOINT_URL = _S3.endpoint_url or ""
S3_REGION = _S3.region or ""
S3_ADDRESSING_STYLE = _S3.addressing_style
S3_MULTIPART_THRESHOLD = _S3.multipart_threshold
S3_MULTIPART_CHUNKSIZE = _S3.multipart_chunksize
S3_MAX_CONCURRENCY = _S3.max_concurrency
S3_MAX_ATTEMPTS = _S3.max_attempts
S3_CONNECT_TIMEOUT = _S3.connect_timeout
S3_READ_TIMEOUT = _S3.read_timeout
#: lifetime of presigned GET URLs of media (seconds), and the endpoint they name when
#: clients reach the server at another address than the API does
S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", 300)
S3_PUBLIC_ENDPOINT_URL = env("S3_PUBLIC_ENDPOINT_URL", "")
if STORAGE_BACKEND == "s3":
    if not S3_BUCKET:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET")
    STORAGES["default"] = {"BACKEND": "api.core.storage.S3MediaStorage"}
#: Serve media files from Django (with Range support): development and the embedded default.
MEDIA_SERVE = env_bool("MEDIA_SERVE", True)


def _make_dirs(*paths: Path) -> None:
    """Create the folders the embedded default writes to when they are missing (a fresh
    checkout, a new POD_VAR_DIR): ``manage.py migrate`` must not fail with "unable to open
    database file". One that cannot be made (read-only) fails later, where it is used."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.mkdir(parents=True, exist_ok=True)


_sqlite_name = str(DATABASES["default"].get("NAME") or "")
_make_dirs(
    VAR_DIR,
    *([MEDIA_ROOT] if STORAGE_BACKEND == "local" else []),
    *(
        [Path(_sqlite_name).parent]
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        and _sqlite_name not in ("", ":memory:")
        and not _sqlite_name.startswith("file:")
        else []
    ),
)

# Uploads (tus 1.0.0)
#: largest accepted upload, bytes (Tus-Max-Size); larger Upload-Length → 413
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_SIZE", 20 * 1024**3)
#: an unfinished upload expires this many seconds after its last write (tus expiration)
UPLOAD_EXPIRATION_SECONDS = env_int("UPLOAD_EXPIRATION_SECONDS", 24 * 3600)
#: where upload bytes are spooled while they arrive
UPLOAD_SPOOL_DIR = Path(env("UPLOAD_SPOOL_DIR", str(MEDIA_ROOT / "uploads"))).resolve()
#: a tus writer's lease on an upload lapses this long after its last renewal (a writer
#: that stalls past it loses the upload to the next one and gets 423), seconds
UPLOAD_LOCK_SECONDS = env_float("UPLOAD_LOCK_SECONDS", 30, minimum=0)
#: a request body that sends nothing for this long is cut: 408, the connection closed, a
#: tus PATCH keeps the bytes that arrived (ASGI, api/asgi.py); below UPLOAD_LOCK_SECONDS
UPLOAD_BODY_STALL_SECONDS = env_float("UPLOAD_BODY_STALL_SECONDS", 20, minimum=0)
#: when upload bytes are forced to disk (fdatasync) before their offset is stored:
#: "always" (every stored offset: a power loss never leaves an offset past the bytes on
#: disk), "finish" (before the last byte is probed and stored; tusd never syncs) or
#: "never". Without "always" a power loss (not a process crash: the page cache survives
#: it) may leave a spool file shorter than its stored offset: the next PATCH then finds
#: it, stores the file's size as the offset and answers 409, the client HEADs and resumes
UPLOAD_FSYNC = env("UPLOAD_FSYNC", "finish")
if UPLOAD_FSYNC not in ("always", "finish", "never"):
    raise ImproperlyConfigured(f"UPLOAD_FSYNC={UPLOAD_FSYNC!r}: 'always', 'finish' or 'never'")
#: a connection that has not sent a request's whole header block this long after it
#: began is closed with 408 (the uvicorn worker of api/serving.py), seconds
REQUEST_HEADER_TIMEOUT_SECONDS = env_float("REQUEST_HEADER_TIMEOUT_SECONDS", 10, minimum=0)

# Imports from a URL (docs/import.md; api.imports, podv5_media.imports): the worker
# downloads, within these limits, only from public addresses and IMPORT_ALLOWED_NETWORKS
#: largest imported source, bytes (Content-Length checked first, then the bytes streamed)
IMPORT_MAX_SIZE = env_int("IMPORT_MAX_SIZE", UPLOAD_MAX_SIZE, minimum=1)
#: longest an import's download may take (redirects, API calls and files), seconds
IMPORT_TIMEOUT_SECONDS = env_int("IMPORT_TIMEOUT_SECONDS", 3600, minimum=1)
#: redirects followed per request, each one checked again
IMPORT_MAX_REDIRECTS = env_int("IMPORT_MAX_REDIRECTS", 5, minimum=0)
#: networks imports may reach besides public addresses (an on-campus BigBlueButton)
IMPORT_ALLOWED_NETWORKS = env_networks("IMPORT_ALLOWED_NETWORKS")
if IMPORT_TIMEOUT_SECONDS > 86400 or IMPORT_MAX_REDIRECTS > 20:
    raise ImproperlyConfigured("IMPORT_TIMEOUT_SECONDS is at most 86400, IMPORT_MAX_REDIRECTS 20")

# Storage quotas (docs/auth.md "Quotas"; api.accounts.quotas): GB = 10**9 bytes of
# sources and outputs of the videos a user owns; 0 = unlimited
#: every user's quota unless their affiliation's or their own says otherwise
USER_QUOTA_SIZE_GB = env_float("USER_QUOTA_SIZE_GB", 0, minimum=0)
#: per affiliation, e.g. "student:5,faculty:100" (overrides USER_QUOTA_SIZE_GB)
USER_QUOTA_AFFILIATION_GB = env_number_map("USER_QUOTA_AFFILIATION_GB")

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
ENCODING_SEGMENT_DURATION = env_float("ENCODING_SEGMENT_DURATION", 4, minimum=0)
#: long videos: a source at least this long (seconds) is encoded in chunks in parallel
#: (spec.chunks; 0 turns chunking off); chunks of about ENCODING_CHUNK_SECONDS each, at
#: most ENCODING_CHUNK_MAX (2-64) of them
ENCODING_CHUNK_MIN_SECONDS = env_float("ENCODING_CHUNK_MIN_SECONDS", 1200, minimum=0)
ENCODING_CHUNK_SECONDS = env_float("ENCODING_CHUNK_SECONDS", 300, minimum=1)
ENCODING_CHUNK_MAX = env_int("ENCODING_CHUNK_MAX", 16, minimum=2)
if ENCODING_CHUNK_MAX > 64:
    raise ImproperlyConfigured(f"ENCODING_CHUNK_MAX={ENCODING_CHUNK_MAX}: at most 64")
#: local backend: chunks of one job encoded at once (default: the CPU count)
ENCODING_CHUNK_WORKERS = env_int("ENCODING_CHUNK_WORKERS", os.cpu_count() or 1, minimum=1)
#: how the renditions' video rates are chosen (EncodingJob spec's rateControl):
#: PerTitle (content-aware: a probe encode per title), CappedCRF (constant quality per
#: rung) or Fixed (the ladder's rates); any case
_RATE_CONTROLS = {name.lower(): name for name in RATE_CONTROLS}
ENCODING_RATE_CONTROL = _RATE_CONTROLS[
    env_choice("ENCODING_RATE_CONTROL", "PerTitle", tuple(_RATE_CONTROLS))
]
#: HDR sources (PQ/HLG): also keep an HDR rendition (10-bit HEVC) beside the SDR ladder
#: (EncodingJob spec's hdr.keep); SDR sources are not affected
ENCODING_KEEP_HDR = env_bool("ENCODING_KEEP_HDR", False)
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
    "x-request-id",
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
    "upload-defer-length",
    "x-request-id",
)
CORS_ALLOW_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
#: /media/ answers CORS for every origin itself (api.playback.cors: Range allowed,
#: Content-Range exposed, errors included); the rest of the API only for the origins above
CORS_URLS_REGEX = r"^/(?!media/)"

# Django's cache, which holds the rate-limit counters: "local" (per process: enough for
# one process, the embedded default) or "database" (table pod_cache, created by the core
# app's migration: shared by every API process and pod, as limits need in production).
CACHE_BACKEND = env_choice("CACHE_BACKEND", "local", ("local", "database"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pod_cache"}
        if CACHE_BACKEND == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits per scope (django-ratelimit rates: "10/m" = 10 per minute), see
# api.core.ratelimit. RATE_LIMITS_ENABLED=false turns them all off.
RATE_LIMITS = (
    {
        "login": env("RATE_LIMIT_LOGIN", "10/m"),
        "upload_create": env("RATE_LIMIT_UPLOAD_CREATE", "30/m"),
        "comment": env("RATE_LIMIT_COMMENT", "20/m"),
        "unlock": env("RATE_LIMIT_UNLOCK", "10/m"),
        # login attempts per username, from any address (API and admin logins)
        "login_user": env("RATE_LIMIT_LOGIN_USER", "10/m"),
        # local accounts: registrations and password reset requests, each counted per
        # client address and per e-mail address (api.accounts.local)
        "register": env("RATE_LIMIT_REGISTER", "10/h"),
        "password_reset": env("RATE_LIMIT_PASSWORD_RESET", "5/h"),
        # player heartbeats (api.analytics): per playback session, and per client
        "heartbeat": env("RATE_LIMIT_HEARTBEAT", "12/m"),
        "heartbeat_client": env("RATE_LIMIT_HEARTBEAT_CLIENT", "600/m"),
    }
    if env_bool("RATE_LIMITS_ENABLED", True)
    else {}
)

NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "SIGNING_KEY": SECRET_KEY,
    # each refresh returns a new refresh token and revokes the old one (api.accounts.services)
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

#: ``text`` (default) or ``json`` (one JSON object a line); both carry the request id
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "podv5_contract.logs.RequestIdFilter"},
        "client_ip": {"()": "api.core.request_id.ClientIpFilter"},
    },
    "formatters": {"main": {"()": "podv5_contract.logs.make_formatter", "fmt": LOG_FORMAT}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "main",
            "filters": ["request_id", "client_ip"],
        }
    },
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

# api.social: a viewer's views of a video within this many seconds count once
VIEW_DEDUPE_SECONDS = env_int("VIEW_DEDUPE_SECONDS", 1800)
# api.captions: largest accepted caption/subtitle file (WebVTT or SRT), bytes
CAPTION_MAX_SIZE = env_int("CAPTION_MAX_SIZE", 2 * 1024**2)
# api.videos: largest uploaded thumbnail (PNG, JPEG or WebP), bytes
THUMBNAIL_MAX_SIZE = env_int("THUMBNAIL_MAX_SIZE", 5 * 1024**2)
# api.editing: largest watermark image (PNG) and credits video uploaded to a dressing, bytes
DRESSING_WATERMARK_MAX_SIZE = env_int("DRESSING_WATERMARK_MAX_SIZE", 2 * 1024**2)
DRESSING_CREDITS_MAX_SIZE = env_int("DRESSING_CREDITS_MAX_SIZE", 500 * 1024**2)
# api.enrichment: largest attached document (PDF, slides...), bytes; resume positions
# within this many seconds of the end (at most the last tenth of the video) are cleared
DOCUMENT_MAX_SIZE = env_int("DOCUMENT_MAX_SIZE", 50 * 1024**2)
RESUME_END_SECONDS = env_float("RESUME_END_SECONDS", 10, minimum=0)
# api.analytics (docs/analytics.md): a session is a view once it played this many seconds
# or this fraction of the video, whichever is less; retention buckets per video (at most);
# the most seconds one heartbeat may report; a session idle this long starts over
ANALYTICS_VIEW_SECONDS = env_float("ANALYTICS_VIEW_SECONDS", 30, minimum=0)
ANALYTICS_VIEW_FRACTION = env_float("ANALYTICS_VIEW_FRACTION", 0.5, minimum=0)
ANALYTICS_RETENTION_BUCKETS = min(env_int("ANALYTICS_RETENTION_BUCKETS", 100, minimum=1), 1000)
ANALYTICS_HEARTBEAT_MAX_SECONDS = env_float("ANALYTICS_HEARTBEAT_MAX_SECONDS", 120, minimum=1)
ANALYTICS_SESSION_IDLE_SECONDS = env_int("ANALYTICS_SESSION_IDLE_SECONDS", 6 * 3600, minimum=60)
# api.pipeline.transcription: automatic captions (speech → WebVTT by the encode worker)
#: transcribe every upload unless its Upload-Metadata says ``transcribe off``
AUTO_TRANSCRIBE = env_bool("AUTO_TRANSCRIBE", False)
#: the engine of transcriptions that name none: ``pocketsphinx`` or ``whisper``
TRANSCRIBE_ENGINE = env_choice("TRANSCRIBE_ENGINE", "pocketsphinx", ("pocketsphinx", "whisper"))
#: the language (BCP 47) of transcriptions that name none
TRANSCRIBE_LANGUAGE = env("TRANSCRIBE_LANGUAGE", "en")
if not re.fullmatch(LANGUAGE_PATTERN, TRANSCRIBE_LANGUAGE):
    raise ImproperlyConfigured(
        f"TRANSCRIBE_LANGUAGE must be a BCP 47 tag (e.g. 'en'), got {TRANSCRIBE_LANGUAGE!r}"
    )
if engine_supports(TRANSCRIBE_ENGINE, TRANSCRIBE_LANGUAGE) is False:
    raise ImproperlyConfigured(
        f"TRANSCRIBE_LANGUAGE={TRANSCRIBE_LANGUAGE!r}: the {TRANSCRIBE_ENGINE} engine has "
        "no model for it (TRANSCRIBE_ENGINE)"
    )
#: the whisper model directory (CTranslate2 format) as the workers see it, e.g. on the
#: media volume; empty: the workers' own TRANSCRIBE_WHISPER_MODEL_PATH
TRANSCRIBE_WHISPER_MODEL_PATH = env("TRANSCRIBE_WHISPER_MODEL_PATH", "")
if TRANSCRIBE_WHISPER_MODEL_PATH and not TRANSCRIBE_WHISPER_MODEL_PATH.startswith("/"):
    raise ImproperlyConfigured("TRANSCRIBE_WHISPER_MODEL_PATH must be an absolute path")
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
#: where live workers run (api/live/backends): ``local`` (processes of the API's host, the
#: schedule run in the API) or ``kubernetes`` (LiveEvent custom resources for the
#: operator); default: ENCODING_BACKEND's value
LIVE_BACKEND = env("LIVE_BACKEND", ENCODING_BACKEND)
if LIVE_BACKEND not in ("local", "kubernetes"):
    raise ImproperlyConfigured(f"LIVE_BACKEND={LIVE_BACKEND!r}: must be 'local' or 'kubernetes'")
#: the live worker command (shell-split), run locally with LIVE_BACKEND=local
LIVE_WORKER_COMMAND = env("LIVE_WORKER_COMMAND", "media-live")
#: live HLS segment duration, seconds
LIVE_SEGMENT_SECONDS = env_float("LIVE_SEGMENT_SECONDS", 2, minimum=0)
#: how long an event stays live after its input stops (a reconnect window), seconds
LIVE_RECONNECT_SECONDS = env_int("LIVE_RECONNECT_SECONDS", 60)
#: a viewer counts while it sent a heartbeat within this many seconds
LIVE_VIEWER_TTL_SECONDS = env_int("LIVE_VIEWER_TTL_SECONDS", 60)
#: host the local ingest listens on, and the host name given to broadcasters
LIVE_INGEST_BIND = env("LIVE_INGEST_BIND", "127.0.0.1")
LIVE_INGEST_HOST = env("LIVE_INGEST_HOST", "127.0.0.1")
#: run the live schedule (auto start, end) inside the API process (LIVE_BACKEND=local only)
LIVE_SCHEDULER = env_bool("LIVE_SCHEDULER", True)
#: how often the in-server live scheduler ticks, seconds
LIVE_SCHEDULER_SECONDS = env_float("LIVE_SCHEDULER_SECONDS", 5, minimum=0)

# --- Retention (Esup-Pod's obsolescence) and feeds (issue 11; docs/retention.md) ------
#: years a video is kept after its creation (Esup-Pod's DEFAULT_YEAR_DATE_DELETE)
RETENTION_YEARS = env_int("RETENTION_YEARS", 2, minimum=1)
#: longer retention for owners of some affiliations: ``faculty:3,staff:3`` (Esup-Pod's
#: ACCOMMODATION_YEARS); the longer of this and RETENTION_YEARS applies
RETENTION_AFFILIATION_YEARS = env_number_map("RETENTION_AFFILIATION_YEARS", minimum=1)
if not all(years.is_integer() for years in RETENTION_AFFILIATION_YEARS.values()):
    raise ImproperlyConfigured("RETENTION_AFFILIATION_YEARS: years must be whole numbers")
RETENTION_AFFILIATION_YEARS = {k: int(v) for k, v in RETENTION_AFFILIATION_YEARS.items()}
#: warnings e-mailed to the owners this many days before the deletion date (each once)
RETENTION_WARNING_DAYS = env_list("RETENTION_WARNING_DAYS", "60,30,7")
if not all(days.isdigit() and int(days) > 0 for days in RETENTION_WARNING_DAYS):
    raise ImproperlyConfigured(
        f"RETENTION_WARNING_DAYS must be positive integers, got {RETENTION_WARNING_DAYS!r}"
    )
RETENTION_WARNING_DAYS = sorted({int(days) for days in RETENTION_WARNING_DAYS}, reverse=True)
#: days an archived video (unpublished at its deletion date) is kept before it is deleted
RETENTION_ARCHIVE_DAYS = env_int("RETENTION_ARCHIVE_DAYS", 365, minimum=0)
#: owners may move a deletion date at most this many years after today (staff: any date)
RETENTION_EXTEND_MAX_YEARS = env_int("RETENTION_EXTEND_MAX_YEARS", 5, minimum=1)
#: the front end's page of a video, ``{id}`` replaced (``https://pod.example/video/{id}/``):
#: linked from the warnings, the feeds and Dublin Core (empty: the API's URL of the video)
VIDEO_PAGE_URL = env("VIDEO_PAGE_URL", "")
#: run ``retention_tick`` inside the API process (else cron: ``manage.py retention_tick``)
RETENTION_SCHEDULER = env_bool("RETENTION_SCHEDULER", True)
#: how often the in-server retention scheduler ticks, seconds
RETENTION_SCHEDULER_SECONDS = env_float("RETENTION_SCHEDULER_SECONDS", 3600, minimum=1)
#: RSS/podcast feeds: at most this many videos, newest first
FEED_MAX_ITEMS = env_int("FEED_MAX_ITEMS", 50, minimum=1)
#: Dublin Core ``publisher`` of every video, and the feeds' copyright/author fallback
DUBLIN_CORE_PUBLISHER = env("DUBLIN_CORE_PUBLISHER", "Pod")

# --- External identity providers (issue 5, docs/api.md "OIDC") -----------------------
#: OpenID Connect login (mozilla-django-oidc): /oidc/authenticate/ → the provider →
#: /oidc/callback/ → a Django session, traded for a JWT pair at /api/v1/auth/session-token
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
#: claims mapped to the user (api.accounts.oidc.user_sync_from_claims)
OIDC_CLAIM_USERNAME = env("OIDC_CLAIM_USERNAME", "preferred_username")
OIDC_CLAIM_AFFILIATION = env("OIDC_CLAIM_AFFILIATION", "eduPersonPrimaryAffiliation")
OIDC_CLAIM_ESTABLISHMENT = env("OIDC_CLAIM_ESTABLISHMENT", "schacHomeOrganization")
#: a claim listing access group code names the user joins (empty: no group sync)
OIDC_CLAIM_GROUPS = env("OIDC_CLAIM_GROUPS", "")
#: affiliations that get the uploader role at login (Esup-Pod's AFFILIATION_STAFF)
UPLOAD_AFFILIATIONS = env_list("UPLOAD_AFFILIATIONS", "faculty,employee,staff")
#: where the browser lands after an identity provider login (the front end)
LOGIN_REDIRECT_URL = env("LOGIN_REDIRECT_URL", "/")
LOGIN_REDIRECT_URL_FAILURE = env("LOGIN_REDIRECT_URL_FAILURE", "/")
LOGOUT_REDIRECT_URL = env("LOGOUT_REDIRECT_URL", "/")
#: hosts ``?next=`` may point to after login (the front ends), besides this one
OIDC_REDIRECT_ALLOWED_HOSTS = env_list("OIDC_REDIRECT_ALLOWED_HOSTS")
#: Django's ModelBackend, whose passwords USE_LOCAL_AUTH switches (api.accounts.local)
AUTHENTICATION_BACKENDS = ["api.accounts.local.backends.LocalPasswordBackend"]
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_ID",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ENABLED needs {', '.join(_missing)}")
    AUTHENTICATION_BACKENDS.insert(0, "api.accounts.oidc.PodOIDCBackend")
# --- LDAP sign-in and populator (issue 10; api.accounts.ldap, docs/auth.md "LDAP") ---
#: sign in with LDAP passwords (POST /api/v1/auth/token/pair, /admin/login/) through
#: django-auth-ldap; local accounts keep working (their backend is tried first)
USE_LDAP = env_bool("USE_LDAP", False)
#: fill users who sign in another way (CAS, Shibboleth...) from their LDAP entry
LDAP_POPULATE_ON_LOGIN = env_bool("LDAP_POPULATE_ON_LOGIN", False)
#: ldap://host[:port] or ldaps://...; StartTLS on ldap://; CA file of the server's
#: certificate (empty: the system's); network and operation timeout, seconds
LDAP_SERVER_URI = env("LDAP_SERVER_URI", "")
LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
LDAP_CA_CERT_FILE = env("LDAP_CA_CERT_FILE", "")
LDAP_TIMEOUT_SECONDS = env_float("LDAP_TIMEOUT_SECONDS", 5, minimum=0.1)
#: the service account searches and populates (empty: anonymous)
LDAP_BIND_DN = env("LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = env("LDAP_BIND_PASSWORD", "")
#: bind as the user: a DN template (uid=%(user)s,ou=people,dc=univ,dc=fr), or search then
#: bind: a search base and filter (exactly one of the template and the base)
LDAP_USER_DN_TEMPLATE = env("LDAP_USER_DN_TEMPLATE", "")
LDAP_USER_SEARCH_BASE = env("LDAP_USER_SEARCH_BASE", "")
LDAP_USER_SEARCH_FILTER = env("LDAP_USER_SEARCH_FILTER", "(uid=%(user)s)")
#: attributes mapped to the user at each login (api.accounts.ldap.user_fill_from_ldap)
LDAP_ATTR_FIRST_NAME = env("LDAP_ATTR_FIRST_NAME", "givenName")
LDAP_ATTR_LAST_NAME = env("LDAP_ATTR_LAST_NAME", "sn")
LDAP_ATTR_EMAIL = env("LDAP_ATTR_EMAIL", "mail")
LDAP_ATTR_AFFILIATION = env("LDAP_ATTR_AFFILIATION", "eduPersonPrimaryAffiliation")
LDAP_ATTR_AFFILIATIONS = env("LDAP_ATTR_AFFILIATIONS", "eduPersonAffiliation")
LDAP_ATTR_ESTABLISHMENT = env("LDAP_ATTR_ESTABLISHMENT", "schacHomeOrganization")
#: access groups from an attribute of the user (memberOf, isMemberOf; a DN gives its first
#: RDN's value) or, when empty, from a group search (empty base: no group sync)
LDAP_ATTR_GROUPS = env("LDAP_ATTR_GROUPS", "")
LDAP_GROUP_SEARCH_BASE = env("LDAP_GROUP_SEARCH_BASE", "")
LDAP_GROUP_SEARCH_FILTER = env("LDAP_GROUP_SEARCH_FILTER", "(objectClass=groupOfNames)")
LDAP_GROUP_TYPE = env("LDAP_GROUP_TYPE", "groupOfNames")
if USE_LDAP or LDAP_POPULATE_ON_LOGIN:
    # python-ldap and django-auth-ldap's config, loaded only when LDAP is used
    from api.accounts.ldap_settings import auth_ldap_settings

    globals().update(auth_ldap_settings(globals()))  # AUTH_LDAP_*
if USE_LDAP:
    AUTHENTICATION_BACKENDS.append("api.accounts.ldap.PodLDAPBackend")
# --- CAS and Shibboleth sign-in (issue 10, docs/auth.md) -----------------------------
#: hosts a sign-in's or sign-out's ``?next=`` may point to (the front ends), besides this one
LOGIN_REDIRECT_ALLOWED_HOSTS = env_list(
    "LOGIN_REDIRECT_ALLOWED_HOSTS", ",".join(OIDC_REDIRECT_ALLOWED_HOSTS)
)
#: CAS (django-cas-ng, api.accounts.cas): /accounts/cas/login/ → the CAS server → a session;
#: POST /api/v1/auth/cas trades a service ticket for a JWT pair
USE_CAS = env_bool("USE_CAS", False)
#: the CAS server's base URL, e.g. https://cas.univ.example/cas/ (login, p3/serviceValidate...)
CAS_SERVER_URL = (env("CAS_SERVER_URL", "") or "").strip()
if CAS_SERVER_URL and not CAS_SERVER_URL.endswith("/"):
    CAS_SERVER_URL += "/"
#: protocol version: 3 (p3/serviceValidate, attributes released) or 2 (serviceValidate)
CAS_VERSION = env_choice("CAS_VERSION", "3", ("2", "3"))
#: service URLs (scheme://host/path; the query is not compared) front ends may exchange
#: tickets for at POST /api/v1/auth/cas
CAS_ALLOWED_SERVICES = env_list("CAS_ALLOWED_SERVICES")
#: our field → CAS attribute name (api.accounts.attributes; an empty name: not mapped)
CAS_ATTRIBUTES = env_pairs(
    "CAS_ATTRIBUTES",
    {
        "email": "mail",
        "first_name": "givenName",
        "last_name": "sn",
        "primary_affiliation": "eduPersonPrimaryAffiliation",
        "affiliation": "eduPersonAffiliation",
        "establishment": "",
        "groups": "",
    },
)
#: seconds to wait for the CAS server's ticket validation
CAS_TIMEOUT_SECONDS = env_float("CAS_TIMEOUT_SECONDS", 10, minimum=0.1)
CAS_VERIFY_SSL_CERTIFICATE = env_bool("CAS_VERIFY_SSL_CERTIFICATE", True)
#: after the CAS server's logout page, and after a login without ?next=
CAS_REDIRECT_URL = LOGIN_REDIRECT_URL
#: service URLs start with PUBLIC_BASE_URL when set (else the request's scheme and host)
CAS_ROOT_PROXIED_AS = PUBLIC_BASE_URL or None
#: django-cas-ng options fixed by us: ?next= checked by api.accounts.cas (other hosts of
#: LOGIN_REDIRECT_ALLOWED_HOSTS allowed), no Referer fallback, no flash messages
CAS_CHECK_NEXT = False
CAS_IGNORE_REFERER = True
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
#: the HTTP session python-cas validates tickets with: CAS_TIMEOUT_SECONDS per request
CAS_SESSION_FACTORY = partial(TimeoutSession, timeout=CAS_TIMEOUT_SECONDS)
if USE_CAS:
    if not CAS_SERVER_URL.startswith(("http://", "https://")):
        raise ImproperlyConfigured("USE_CAS needs CAS_SERVER_URL (https://cas.example/cas/)")
    AUTHENTICATION_BACKENDS.insert(0, "django_cas_ng.backends.CASBackend")
for _service in CAS_ALLOWED_SERVICES:
    if not _service.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"CAS_ALLOWED_SERVICES: {_service!r} is not an http(s) URL")

#: Shibboleth / SAML (api.accounts.shibboleth): the SP in front sets trusted headers,
#: believed only from TRUSTED_PROXY_CIDRS
USE_SHIB = env_bool("USE_SHIB", False)
#: our field → request header the SP sets (``username`` is required)
SHIB_HEADERS = env_pairs(
    "SHIB_HEADERS",
    {
        "username": "REMOTE_USER",
        "email": "mail",
        "first_name": "givenName",
        "last_name": "sn",
        "primary_affiliation": "primary-affiliation",
        "affiliation": "unscoped-affiliation",
        "establishment": "",
        "groups": "isMemberOf",
    },
)
if USE_SHIB:
    if not TRUSTED_PROXY_CIDRS:
        raise ImproperlyConfigured(
            "USE_SHIB needs TRUSTED_PROXY_CIDRS (the addresses of the Shibboleth SP proxies)"
        )
    if not SHIB_HEADERS["username"]:
        raise ImproperlyConfigured("SHIB_HEADERS: the username header cannot be empty")
    AUTHENTICATION_BACKENDS.insert(0, "api.accounts.shibboleth.ShibbolethBackend")
#: browsers of front ends on another origin may send cookies (session auth + CSRF):
#: also list them in CSRF_TRUSTED_ORIGINS
CORS_ALLOW_CREDENTIALS = env_bool("CORS_ALLOW_CREDENTIALS", False)

# Esup-Pod V4's old links (api.migration_v4.views): where /video/<id>-<slug>/ and
# /download/ send a 301; "{id}" (our video id), "{v4_id}" and "{slug}" are filled in.
# Empty: the API's GET /api/v1/videos/{id}
V4_REDIRECT_URL = env("V4_REDIRECT_URL", "")
if V4_REDIRECT_URL:
    try:
        V4_REDIRECT_URL.format(id="x", v4_id=1, slug="s")
    except (KeyError, IndexError, ValueError):
        raise ImproperlyConfigured(
            "V4_REDIRECT_URL may only use the fields {id}, {v4_id} and {slug}, got "
            f"{V4_REDIRECT_URL!r}"
        ) from None
    if not V4_REDIRECT_URL.startswith(("https://", "http://", "/")):
        raise ImproperlyConfigured(
            f"V4_REDIRECT_URL must be an http(s) URL or a path, got {V4_REDIRECT_URL!r}"
        )

# --- Local accounts and e-mail (issue 10, docs/auth.md "Local accounts") -------------
#: local passwords sign in (POST /api/v1/auth/token/pair, /admin/login/: the backend
#: api.accounts.local.backends) and can be changed; off (SSO only): they sign in nowhere,
#: the token pair answers 403 local_auth_disabled unless LDAP takes passwords
USE_LOCAL_AUTH = env_bool("USE_LOCAL_AUTH", True)
#: self-registration with e-mail activation (POST /api/v1/auth/register); needs
#: USE_LOCAL_AUTH; off: 403 registration_disabled
REGISTRATION_ENABLED = env_bool("REGISTRATION_ENABLED", False)
#: password reset by e-mail link; needs USE_LOCAL_AUTH; off: 403 password_reset_disabled
PASSWORD_RESET_ENABLED = env_bool("PASSWORD_RESET_ENABLED", True)
#: the front end's pages the e-mailed links open, with ``{uid}`` and ``{token}`` (the page
#: posts them to /auth/activate or /auth/password/reset/confirm); a path is made absolute
#: with PUBLIC_BASE_URL, else the request's host (checked against ALLOWED_HOSTS)
ACCOUNT_ACTIVATION_URL = env("ACCOUNT_ACTIVATION_URL", "/account/activate?uid={uid}&token={token}")
PASSWORD_RESET_URL = env("PASSWORD_RESET_URL", "/account/reset-password?uid={uid}&token={token}")
for _name in ("ACCOUNT_ACTIVATION_URL", "PASSWORD_RESET_URL"):
    if "{uid}" not in globals()[_name] or "{token}" not in globals()[_name]:
        raise ImproperlyConfigured(f"{_name} must contain {{uid}} and {{token}}")
#: lifetime of activation and password reset links, seconds (Django's setting)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 86400, minimum=60)
#: Django's e-mail settings; without EMAIL_HOST mails go to the log (console backend)
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Pod <noreply@localhost>")
#: subject prefix of the mails sent to users
EMAIL_SUBJECT_PREFIX = env("EMAIL_SUBJECT_PREFIX", "[Pod] ")

# --- API keys (issue 10, docs/auth.md "API keys") -------------------------------------
#: unrevoked API keys one user may hold at once (more: 409 api_key_limit)
API_KEYS_MAX_PER_USER = env_int("API_KEYS_MAX_PER_USER", 20, minimum=1)
# --- LMS (LTI 1.3) and embedding (issue 11; api.lti, api.embed, docs/lms.md) ----------


def _bad_template(template: str, **values: str) -> bool:
    try:
        template.format(**values)
    except (KeyError, IndexError, ValueError):
        return True
    return False


#: after a resource link launch, redirect to this front-end URL ({kind}: video or
#: playlist, {id}) with a one-time #lti_code=; empty: answer the player page itself
LTI_LAUNCH_REDIRECT_URL = env("LTI_LAUNCH_REDIRECT_URL", "")
if LTI_LAUNCH_REDIRECT_URL and (
    not LTI_LAUNCH_REDIRECT_URL.startswith(("http://", "https://"))
    or "{id}" not in LTI_LAUNCH_REDIRECT_URL
    or _bad_template(LTI_LAUNCH_REDIRECT_URL, kind="video", id="x")
):
    raise ImproperlyConfigured(
        "LTI_LAUNCH_REDIRECT_URL must be an http(s) URL with {id} (and optionally {kind})"
    )
#: the lifetime of that code (seconds), of a deep linking picker's token, and how long a
#: platform's key set is cached
LTI_CODE_SECONDS = env_int("LTI_CODE_SECONDS", 120, minimum=1)
LTI_DEEP_LINK_SECONDS = env_int("LTI_DEEP_LINK_SECONDS", 1800, minimum=60)
LTI_JWKS_CACHE_SECONDS = env_int("LTI_JWKS_CACHE_SECONDS", 300, minimum=0)
#: fetching a platform's key set gives up after this long (seconds)
LTI_HTTP_TIMEOUT_SECONDS = env_float("LTI_HTTP_TIMEOUT_SECONDS", 10, minimum=0.1)
#: LMS instructors (and teaching assistants) get the upload right
LTI_INSTRUCTOR_CAN_UPLOAD = env_bool("LTI_INSTRUCTOR_CAN_UPLOAD", True)
#: embed tokens of non-public videos: default and longest lifetime (seconds)
EMBED_TOKEN_DEFAULT_SECONDS = env_int("EMBED_TOKEN_DEFAULT_SECONDS", 7 * 86400, minimum=60)
EMBED_TOKEN_MAX_SECONDS = env_int("EMBED_TOKEN_MAX_SECONDS", 365 * 86400, minimum=60)
if EMBED_TOKEN_DEFAULT_SECONDS > EMBED_TOKEN_MAX_SECONDS:
    raise ImproperlyConfigured("EMBED_TOKEN_DEFAULT_SECONDS must be <= EMBED_TOKEN_MAX_SECONDS")
#: the front end's video page, e.g. https://pod.univ.example/video/{id}: oEmbed answers
#: for these URLs (and for the embed page's)
FRONTEND_VIDEO_URL = env("FRONTEND_VIDEO_URL", "")
if FRONTEND_VIDEO_URL and (
    not FRONTEND_VIDEO_URL.startswith(("http://", "https://"))
    or "{id}" not in FRONTEND_VIDEO_URL
    or _bad_template(FRONTEND_VIDEO_URL, id="x")
):
    raise ImproperlyConfigured("FRONTEND_VIDEO_URL must be an http(s) URL with {id}")
#: oEmbed's provider_name
OEMBED_PROVIDER_NAME = env("OEMBED_PROVIDER_NAME", "Pod")

# --- Events: outgoing webhooks and real-time streams (issue 11, docs/events.md) -------
#: how long recorded events (Last-Event-ID resume) and finished webhook deliveries (the
#: delivery log) are kept, seconds
EVENTS_RETENTION_SECONDS = env_int("EVENTS_RETENTION_SECONDS", 7 * 86400, minimum=60)
#: run the webhook sender inside each API process (off: run manage.py webhooks_send)
WEBHOOK_SENDER = env_bool("WEBHOOK_SENDER", True)
#: how often the in-process sender looks for due deliveries, seconds (it is also woken
#: by each event of its own process)
WEBHOOK_SENDER_SECONDS = env_float("WEBHOOK_SENDER_SECONDS", 2, minimum=0.1)
#: deliveries a sender sends at once (threads)
WEBHOOK_SENDER_CONCURRENCY = env_int("WEBHOOK_SENDER_CONCURRENCY", 4, minimum=1)
#: each of connect, write and read of one attempt waits at most this long, seconds
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=0.1)
#: attempts of one delivery, and its age after which it is given up, seconds
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_MAX_AGE_SECONDS = env_int("WEBHOOK_MAX_AGE_SECONDS", 86400, minimum=1)
#: retry backoff: the first wait, seconds, doubled at each failure up to the max, then
#: 50-100 % of it at random (jitter)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30, minimum=0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 3600, minimum=0)
#: failed attempts in a row after which a subscription is disabled (0: never)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 50, minimum=0)
#: subscriptions per user
WEBHOOKS_MAX_PER_USER = env_int("WEBHOOKS_MAX_PER_USER", 20, minimum=1)
#: after a secret rotation, the previous secret also signs for this long, seconds
WEBHOOK_SECRET_GRACE_SECONDS = env_int("WEBHOOK_SECRET_GRACE_SECONDS", 86400, minimum=0)
#: networks (CIDR) webhooks may reach although not public (private, loopback...): e.g. an
#: on-campus service; by default only public addresses (SSRF protection)
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS")
#: Server-Sent Events streams (GET /videos/{id}/events, /live/{id}/events): open streams
#: per API process (more: 503 too_many_streams), heartbeat comment interval (keep it under
#: the reverse proxy's read timeout: ingress-nginx's default is 60 s), lifetime of the
#: ?token= for EventSource, seconds; SQLite polls the events table every SSE_POLL_SECONDS
#: (PostgreSQL: LISTEN/NOTIFY)
SSE_MAX_STREAMS = env_int("SSE_MAX_STREAMS", 500, minimum=1)
SSE_HEARTBEAT_SECONDS = env_float("SSE_HEARTBEAT_SECONDS", 15, minimum=0.1)
SSE_TOKEN_SECONDS = env_int("SSE_TOKEN_SECONDS", 600, minimum=10)
SSE_POLL_SECONDS = env_float("SSE_POLL_SECONDS", 0.5, minimum=0.05)
