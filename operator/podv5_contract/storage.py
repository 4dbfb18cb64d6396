"""Storage URIs and the S3 client's settings: the part of storage shared by everyone.

URIs are the ones of the EncodingJob spec (``podv5_contract.spec``): ``file:///abs/path``
(a volume shared with the API) and ``s3://bucket/key`` (any S3-compatible server). The
S3 settings are read from the environment, with the same names as the API's settings:
``S3_ENDPOINT_URL``, ``S3_REGION``, ``S3_ADDRESSING_STYLE``, ``S3_MULTIPART_THRESHOLD`` /
``S3_MULTIPART_CHUNKSIZE``, ``S3_MAX_CONCURRENCY``, ``S3_MAX_ATTEMPTS``,
``S3_CONNECT_TIMEOUT`` / ``S3_READ_TIMEOUT`` (see ``podv5_media.storage``, which fetches
and publishes). Nothing here does I/O or imports boto3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class StorageError(Exception):
    """A source could not be read or an output could not be published."""


def scheme_of(uri: str) -> str:
    """The URI scheme (``file``, ``s3``...), lower case; ``StorageError`` if there is none."""
    scheme, sep, _ = uri.partition("://")
    if not sep or not scheme:
        raise StorageError(f"not a storage URI: {uri!r}")
    return scheme.lower()


def local_path(uri: str) -> Path:
    """The absolute path of a ``file://`` URI (``file:///a/b`` or ``file://localhost/a/b``)."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise StorageError(f"not a file:// URI: {uri!r}")
    if parts.netloc not in ("", "localhost"):
        raise StorageError(f"file:// URI with a remote host is not supported: {uri!r}")
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise StorageError(f"file:// URI must hold an absolute path: {uri!r}")
    return Path(path)


MIB = 1024 * 1024


@dataclass(frozen=True)
class S3Config:
    """The S3 client's settings, read from the environment (see the module docstring)."""

    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str = "auto"
    multipart_threshold: int = 16 * MIB
    multipart_chunksize: int = 16 * MIB
    max_concurrency: int = 4
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> S3Config:
        env = dict(os.environ if env is None else env)

        def number(name: str, default, kind=int, minimum=1):
            raw = env.get(name, "").strip()
            try:
                value = kind(raw) if raw else default
            except ValueError:
                raise StorageError(f"{name}={raw!r} is not a number") from None
            if value < minimum:
                raise StorageError(f"{name} must be at least {minimum}")
            return value

        endpoint = env.get("S3_ENDPOINT_URL", "").strip() or None
        return cls(
            endpoint_url=endpoint,
            region=env.get("S3_REGION", "").strip() or None,
            addressing_style=env.get("S3_ADDRESSING_STYLE", "").strip()
            or ("path" if endpoint else "auto"),
            multipart_threshold=number("S3_MULTIPART_THRESHOLD", 16 * MIB, minimum=5 * MIB),
            multipart_chunksize=number("S3_MULTIPART_CHUNKSIZE", 16 * MIB, minimum=5 * MIB),
            max_concurrency=number("S3_MAX_CONCURRENCY", 4),
            max_attempts=number("S3_MAX_ATTEMPTS", 5),
            connect_timeout=number("S3_CONNECT_TIMEOUT", 5.0, float, 0.1),
            read_timeout=number("S3_READ_TIMEOUT", 60.0, float, 0.1),
        )


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; ``StorageError`` when either is missing."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageError(f"not an s3://bucket/key URI: {uri!r}")
    return parts.netloc, unquote(parts.path.lstrip("/"))
