"""Rate limits per scope, on django-ratelimit's counters (Django's cache).

``RATE_LIMITS`` maps a scope to a django-ratelimit rate (``"10/m"``: 10 per minute).
The key is the user's id when authenticated, else the client IP (``REMOTE_ADDR``, set
by the proxy in front). The counters live in Django's default cache: a shared cache
(database or Redis) is needed for a limit to hold across API processes.
"""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage

from api.core.errors import RateLimited

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _client_key(request, user=None) -> str:
    user = user or getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def enforce(request, scope: str, *, user=None) -> None:
    """Count one request of ``scope``; raises RateLimited (HTTP 429) past the limit.

    ``user``: the authenticated user when the request does not carry it (plain Django
    views authenticating by bearer token). A scope absent from ``RATE_LIMITS`` (or set
    to ``None``) is not limited.
    """
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    key = _client_key(request, user)
    usage = get_usage(
        request, group=f"pod:{scope}", key=lambda group, req: key, rate=rate, increment=True
    )
    if usage and usage["should_limit"]:
        period = _PERIODS.get(rate.rsplit("/", 1)[1][-1:], 60)
        raise RateLimited(
            f"Too many {scope} requests: at most {rate}.",
            retry_after=max(1, min(period, int(usage.get("time_left", period)))),
        )
