"""Writes of API keys: create (the key is returned once), revoke, and authenticate a
key (which records when it was last used). Keyword-only, typed; raise
``api.core.errors`` exceptions or the ones below (codes in ``ERROR_CODES``)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.apikeys.models import ApiKey, Scope
from api.core.errors import Conflict, PodError, ValidationFailed

#: what every key starts with (a JWT starts with ``eyJ``: the two never mix)
KEY_PREFIX = "pod_"
#: ``pod_<12 hex>_<43 base64url>``
KEY_PATTERN = re.compile(r"pod_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", re.ASCII)
#: ``last_used_at`` is written at most once per this many seconds per key
LAST_USED_RESOLUTION = timedelta(seconds=60)


class ApiKeyInvalid(PodError):
    """A key that is malformed, unknown, wrong, or whose owner is inactive (HTTP 401)."""

    status, code, default_message = 401, "api_key_invalid", "The API key is invalid."


class ApiKeyRevoked(PodError):
    status, code, default_message = 401, "api_key_revoked", "The API key was revoked."


class ApiKeyExpired(PodError):
    status, code, default_message = 401, "api_key_expired", "The API key has expired."


class ApiKeyScope(PodError):
    """A key whose scope does not allow the request (HTTP 403)."""

    status, code = 403, "api_key_scope"
    default_message = "The API key's scope does not allow this request."


class ApiKeyLimit(Conflict):
    code = "api_key_limit"
    default_message = "Too many API keys: revoke one first (API_KEYS_MAX_PER_USER)."


def key_digest(key: str) -> str:
    """SHA-256 of the whole key, hex (64 characters)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, owner, name: str, scope: Scope, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key of ``owner``: ``(row, key)``; the key itself is never stored, so this is
    the only time it can be shown. Raises ValidationFailed (HTTP 422, ``expires_at`` in
    the past) or ApiKeyLimit (HTTP 409, ``API_KEYS_MAX_PER_USER`` unrevoked keys)."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("expires_at must be in the future.", field="expires_at")
    get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()  # serialise
    active = ApiKey.objects.filter(owner=owner, revoked_at__isnull=True).count()
    if active >= settings.API_KEYS_MAX_PER_USER:
        raise ApiKeyLimit()
    for _ in range(8):  # 48-bit prefixes: a collision is rare, a retry settles it
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                row = ApiKey.objects.create(
                    owner=owner,
                    name=name,
                    prefix=prefix,
                    digest=key_digest(key),
                    scope=Scope(scope),
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
        return row, key
    raise RuntimeError("no free API key prefix")  # pragma: no cover


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke the key (at once, for good); revoking a revoked key changes nothing. The
    row stays, so its use answers 401 ``api_key_revoked`` rather than ``invalid``."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, key: str) -> ApiKey:
    """The key row of ``key`` (with its owner), after recording the use in
    ``last_used_at`` (at most once a minute: one conditional UPDATE). Raises
    ApiKeyInvalid, ApiKeyRevoked or ApiKeyExpired (HTTP 401). The digest comparison takes
    constant time."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        raise ApiKeyInvalid("Malformed API key: expected pod_<prefix>_<secret>.")
    api_key = ApiKey.objects.select_related("owner").filter(prefix=match[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.digest, key_digest(key)):
        raise ApiKeyInvalid()
    now = timezone.now()
    if api_key.revoked_at is not None:
        raise ApiKeyRevoked()
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise ApiKeyExpired()
    if not api_key.owner.is_active:
        raise ApiKeyInvalid("The API key's owner is inactive.")
    stale = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is None or api_key.last_used_at <= stale:
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
