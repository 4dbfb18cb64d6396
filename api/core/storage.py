"""Storage helpers: names in Django's default storage ↔ URIs the workers understand.

Embedded default: a local folder (``MEDIA_ROOT``), URIs ``file:///abs/path``. The S3
backend (``s3://bucket/key``) plugs in here later; callers only deal in storage names.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.files.storage import default_storage


def storage_uri(name: str) -> str:
    """URI of a storage name (file or prefix ending with '/')."""
    path = Path(default_storage.path(name.rstrip("/") or "."))
    return path.as_uri() + ("/" if name.endswith("/") else "")


def storage_name(uri: str) -> str:
    """Storage name of a ``file://`` URI inside ``MEDIA_ROOT``; raises ValueError."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise ValueError(f"not a local storage URI: {uri}")
    path = Path(unquote(parsed.path)).resolve()
    root = Path(settings.MEDIA_ROOT).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"outside MEDIA_ROOT: {uri}")
    return path.relative_to(root).as_posix() + ("/" if uri.endswith("/") else "")


def move_into_storage(local_path: Path, name: str) -> str:
    """Move a local file into storage under ``name`` (renamed when on the same volume);
    returns the final storage name."""
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(local_path, target)
    return name


def delete_prefix(prefix: str) -> None:
    """Delete every object under a storage prefix (a folder for local storage)."""
    path = Path(default_storage.path(prefix.rstrip("/")))
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        os.unlink(path)


def exists(name: str) -> bool:
    return default_storage.exists(name)
