"""Rate limits per scope, on django-ratelimit's counters (Django's cache).

``RATE_LIMITS`` maps a scope to a django-ratelimit rate (``"10/m"``: 10 per minute).
The key is the user's id when authenticated, else the client's address
(:func:`api.core.client.client_ip`: behind trusted proxies, the address they forwarded,
so clients behind one ingress get one bucket each). Login attempts (the API's token pair
and the admin's login form, :func:`enforce_login`) count twice: per client (scope
``login``) and per username (scope ``login_user``), so neither one address nor many
addresses can guess a password without limit. The counters live in Django's default
cache: a shared cache (database or Redis) is needed for a limit to hold across API
processes.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django_ratelimit.core import get_usage

from api.core.client import client_ip
from api.core.errors import RateLimited

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _client_key(request, user=None) -> str:
    user = user or getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def enforce(request, scope: str, *, user=None, key: str | None = None) -> None:
    """Count one request of ``scope``; raises RateLimited (HTTP 429) past the limit.

    ``user``: the authenticated user when the request does not carry it (plain Django
    views authenticating by bearer token). ``key``: count against this key instead of
    the user or client address. A scope absent from ``RATE_LIMITS`` (or set to ``None``)
    is not limited.
    """
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    key = key or _client_key(request, user)
    usage = get_usage(
        request, group=f"pod:{scope}", key=lambda group, req: key, rate=rate, increment=True
    )
    if usage and usage["should_limit"]:
        period = _PERIODS.get(rate.rsplit("/", 1)[1][-1:], 60)
        raise RateLimited(
            f"Too many {scope} requests: at most {rate}.",
            retry_after=max(1, min(period, int(usage.get("time_left", period)))),
        )


def enforce_login(request, *, username: str) -> None:
    """Count one login attempt (any outcome) per client address (scope ``login``) and
    per username (scope ``login_user``, case-insensitive); RateLimited (429) past either.
    Used by ``POST /api/v1/auth/token/pair`` and the admin's login form."""
    enforce(request, "login", key=f"ip:{client_ip(request)}")
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    enforce(request, "login_user", key=f"username:{digest}")
