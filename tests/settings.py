"""Test settings: the project's settings with fixed test secrets (never used elsewhere)."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault(
    "CALLBACK_SIGNING_SECRET", "whsec_dGVzdC1jYWxsYmFjay1zZWNyZXQtMDEyMzQ1Njc4OQ=="
)
os.environ.setdefault("POD_VAR_DIR", tempfile.mkdtemp(prefix="podv5-test-var-"))
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from api.settings import *  # noqa: E402,F403

# Django's live test server answers MEDIA_URL itself (without Range support): move it
# out of the way so /media/ reaches our media view, as it does in a real deployment.
MEDIA_URL = "/unused-django-test-media/"

# live-server request threads end after each request: don't keep their connections open
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Rate limits off by default; the rate-limit tests set RATE_LIMITS themselves.
RATE_LIMITS: dict[str, str] = {}

# The in-server live scheduler off by default; its test turns it on.
LIVE_SCHEDULER = False

# The in-server retention scheduler off by default; its test turns it on.
RETENTION_SCHEDULER = False
# The in-process webhook sender off by default; the webhook tests start senders themselves.
WEBHOOK_SENDER = False
