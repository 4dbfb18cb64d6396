"""Storage quotas: how many bytes of stored media a user may own (Esup-Pod's
``USER_QUOTA_SIZE_GB``, refined per affiliation and per user).

**Limit** (:func:`quota_limit_bytes`), the first that applies:

1. the user's own ``quota_bytes`` (set by staff: ``PATCH /api/v1/users/{id}``);
2. ``USER_QUOTA_AFFILIATION_GB[user.affiliation]``;
3. ``USER_QUOTA_SIZE_GB``.

GB are 10**9 bytes; 0 (or nothing set anywhere) means unlimited (``None``).

**Usage** (:func:`quota_used_bytes`): the bytes stored for the videos the user owns
(``Video.owner``, not co-owned ones): their source and their current encoded outputs.
The videos app keeps those counts on each video and registers the aggregate here
(:func:`register_usage`, from ``api.videos.apps``): accounts sits below videos and
imports none of it (import-linter contract), so usage is a function the apps above
provide. Each provider answers for many users at once, in one query.

**Enforcement**: ``api.uploads.services`` refuses a tus upload that would take the
video's owner past the limit (413 ``quota_exceeded``, :func:`quota_check`), before
any byte is stored. Outputs made later by the encoding count in the usage and may take
it past the limit; the next upload is then refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings

from api.accounts.models import User
from api.core.errors import QuotaExceeded

#: bytes in a GB (SI, as disk vendors and Esup-Pod count)
GB = 10**9

#: ``provider(user_ids) -> {user_id: bytes}``: bytes stored for what those users own
UsageProvider = Callable[[list[int]], dict[int, int]]

_providers: dict[str, UsageProvider] = {}


def register_usage(name: str, provider: UsageProvider) -> None:
    """Count ``provider``'s bytes in every user's usage (registering ``name`` again
    replaces the provider)."""
    _providers[name] = provider


def _gb(value: float) -> int | None:
    return None if not value else int(value * GB)


def quota_limit_bytes(user: User) -> int | None:
    """The user's quota in bytes, ``None`` when unlimited (see the module docstring)."""
    if user.quota_bytes is not None:
        return user.quota_bytes or None
    by_affiliation = settings.USER_QUOTA_AFFILIATION_GB
    if user.affiliation and user.affiliation in by_affiliation:
        return _gb(by_affiliation[user.affiliation])
    return _gb(settings.USER_QUOTA_SIZE_GB)


def quota_used_bytes_many(user_ids: Iterable[int]) -> dict[int, int]:
    """``{user_id: bytes stored}`` for several users (one query per provider)."""
    ids = list(user_ids)
    used = dict.fromkeys(ids, 0)
    for provider in _providers.values():
        for user_id, size in provider(ids).items():
            used[user_id] = used.get(user_id, 0) + int(size or 0)
    return used


def quota_used_bytes(user: User) -> int:
    """Bytes stored for the videos ``user`` owns (sources and outputs)."""
    return quota_used_bytes_many([user.pk])[user.pk]


def quota_of(user: User) -> dict[str, int | None]:
    """``{"used_bytes": int, "limit_bytes": int | None}`` (``None``: unlimited)."""
    return {"used_bytes": quota_used_bytes(user), "limit_bytes": quota_limit_bytes(user)}


def quota_check(*, user: User, adding: int, reserved: int = 0, releasing: int = 0) -> None:
    """Raise QuotaExceeded (413 ``quota_exceeded``) unless ``user`` may store ``adding``
    more bytes: usage - ``releasing`` (bytes about to be replaced) + ``reserved``
    (bytes promised to other uploads in progress) + ``adding`` must stay within the
    limit. Callers lock the user's row (``select_for_update``) so that two uploads
    racing cannot both pass."""
    limit = quota_limit_bytes(user)
    if limit is None:
        return
    used = quota_used_bytes(user)
    projected = max(used - releasing, 0) + reserved + adding
    if projected > limit:
        raise QuotaExceeded(
            f"Storing {adding} more bytes would exceed the storage quota of "
            f"{user.username!r}: {used} of {limit} bytes used"
            + (f", {reserved} reserved by uploads in progress" if reserved else "")
            + "."
        )
