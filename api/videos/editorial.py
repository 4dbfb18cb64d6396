"""A video's editorial fields (its type; its channels, themes, disciplines and tags) are
checked and resolved by the editorial app, which registers its resolvers here when Django
starts (``api.editorial.apps.EditorialConfig.ready``). Videos define what they need and
editorial provides it, so ``api.videos`` imports no other app (an import-linter contract
in ``pyproject.toml``).

- ``fields(*, video, actor, channels, themes, disciplines, tags) -> dict[str, list]``:
  the many-to-many fields given (``None``: unchanged) as model instances, by key; raises
  PermissionDenied (403) or ValidationFailed (422);
- ``type(*, type_id) -> VideoType | None``: raises ValidationFailed (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

#: "not given" for optional keyword arguments of the video services (``None`` clears)
UNSET: Any = object()

_resolvers: dict[str, Callable[..., Any]] = {}


def register(*, fields: Callable[..., dict[str, list]], type: Callable[..., Any]) -> None:
    """Install the editorial app's resolvers (called once, from its ``ready()``)."""
    _resolvers.update(fields=fields, type=type)


def _resolver(name: str) -> Callable[..., Any]:
    try:
        return _resolvers[name]
    except KeyError:
        raise ImproperlyConfigured(
            "no editorial resolvers: is api.editorial in INSTALLED_APPS?"
        ) from None


def resolve_fields(**kwargs) -> dict[str, list]:
    """The editorial many-to-many fields of a video, resolved (see the module)."""
    return _resolver("fields")(**kwargs)


def resolve_type(*, type_id: int | None):
    """The video type of id ``type_id`` (``None``: none); see the module."""
    return _resolver("type")(type_id=type_id)
