"""Storage access for the workers: fetch a source URI, publish an output folder.

URIs are the ones of the EncodingJob spec (``podv5_contract.spec``):

- ``file:///abs/path`` (the embedded default: a volume shared with the API);
- ``s3://bucket/key`` (any S3-compatible server, through boto3; see "S3" below).

Each scheme is a backend with two operations, looked up by scheme in ``_BACKENDS``, so an
S3 backend slots in without touching the callers:

- ``fetch(uri, scratch_dir) -> Path``: a local, readable path holding the source. A
  ``file://`` source is read in place (no copy); a remote one would be downloaded into
  ``scratch_dir``.
- ``publish(local_dir, prefix_uri) -> None``: make the content of ``local_dir`` visible
  under ``prefix_uri`` so that nothing half-written is ever visible there.

Publishing to ``file://`` stages everything in a hidden folder *beside* the destination
(same filesystem, so renames are atomic), then:

- if the destination folder does not exist, renames the staging folder onto it (atomic);
- if it exists (a re-encode), swaps each top-level entry in with a rename, ``manifest.json``
  last, and removes the replaced entries. Entries of the destination that the new output
  does not contain are left alone.

S3 (``s3://bucket/key``): ``fetch`` downloads the object into ``scratch_dir``;
``publish`` uploads every file under ``local_dir`` to ``<prefix>/<relative path>`` in
order of *rank*, each rank fully stored before the next starts: media (segments, init
segments, MP4, images, WebVTT) → variant playlists → master playlists → ``manifest.json``.
A reader that finds the master playlist (or the manifest) thus finds everything it names;
the API marks a video ready only after ``encoding.succeeded``, sent after ``publish``
returned; a failed publish deletes what it had stored (best effort). Large files go up
as multipart uploads (boto3's ``TransferConfig``), all
transfers share one bounded pool of threads, and botocore retries failed requests
(``standard`` retry mode). The client is configured from the environment (the same names
as the API's settings):

- ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (or any source of boto3's credential
  chain: web identity, instance profile...);
- ``S3_ENDPOINT_URL`` (MinIO, Ceph...; empty → AWS), ``S3_REGION``,
  ``S3_ADDRESSING_STYLE`` (``path`` by default when an endpoint is set, else ``auto``);
- ``S3_MULTIPART_THRESHOLD`` / ``S3_MULTIPART_CHUNKSIZE`` (bytes, default 16 MiB / 16 MiB,
  at least 5 MiB), ``S3_MAX_CONCURRENCY`` (transfer threads, default 4),
  ``S3_MAX_ATTEMPTS`` (attempts per request, default 5), ``S3_CONNECT_TIMEOUT`` /
  ``S3_READ_TIMEOUT`` (seconds, default 5 / 60).

Every failure is raised as ``StorageError`` (with a message naming the URI).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from podv5_contract.storage import (  # noqa: F401 - the storage API in one place
    MIB,
    S3Config,
    StorageError,
    local_path,
    scheme_of,
    split_s3_uri,
)

log = logging.getLogger(__name__)

#: published last when swapping into an existing destination: its presence marks a
#: complete output
COMMIT_MARKER = "manifest.json"


@dataclass(frozen=True)
class _Backend:
    fetch: Callable[[str, Path], Path]
    publish: Callable[[Path, str], None]


def fetch(uri: str, scratch_dir: Path) -> Path:
    """Return a local path holding the content of ``uri`` (see the module docstring)."""
    return _backend(uri).fetch(uri, Path(scratch_dir))


def publish(local_dir: Path, prefix_uri: str) -> None:
    """Publish the files under ``local_dir`` at ``prefix_uri`` (a URI ending with '/')."""
    local_dir = Path(local_dir)
    if not local_dir.is_dir():
        raise StorageError(f"nothing to publish: {local_dir} is not a directory")
    _backend(prefix_uri).publish(local_dir, prefix_uri)


# --- file:// -----------------------------------------------------------------------------


def _file_fetch(uri: str, scratch_dir: Path) -> Path:
    path = local_path(uri)
    if not path.is_file():
        raise StorageError(f"source not found or not a regular file: {uri}")
    if not os.access(path, os.R_OK):
        raise StorageError(f"source not readable: {uri}")
    return path


def _file_publish(local_dir: Path, prefix_uri: str) -> None:
    dest = local_path(prefix_uri)
    if dest == Path("/"):
        raise StorageError("refusing to publish at the filesystem root")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = dest.parent / f".{dest.name}.staging-{uuid.uuid4().hex[:12]}"
        _move_or_copy(local_dir, staging)
        try:
            if not dest.exists():
                os.rename(staging, dest)
                return
            if not dest.is_dir():
                raise StorageError(f"output prefix exists and is not a directory: {prefix_uri}")
            _swap_entries(staging, dest)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    except StorageError:
        raise
    except OSError as exc:
        raise StorageError(f"could not publish to {prefix_uri}: {exc}") from exc


def _move_or_copy(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` if on the same filesystem, else copy it (then ``src`` stays)."""
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.copytree(src, dst, symlinks=False)
        _fsync_tree(dst)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _swap_entries(staging: Path, dest: Path) -> None:
    """Rename each entry of ``staging`` into ``dest``, the commit marker last."""
    entries = sorted(staging.iterdir(), key=lambda p: (p.name == COMMIT_MARKER, p.name))
    trash = dest / f".replaced-{uuid.uuid4().hex[:12]}"
    trash.mkdir()
    try:
        for entry in entries:
            target = dest / entry.name
            if target.exists() or target.is_symlink():
                os.rename(target, trash / entry.name)
            os.rename(entry, target)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


# --- s3:// --------------------------------------------------------------------------------

#: Content-Type of the outputs, by suffix (players and browsers rely on it)
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt",
    ".json": "application/json",
}


def s3_client(config: S3Config):
    """A boto3 S3 client (credentials from boto3's chain: ``AWS_*`` variables...)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        config=Config(
            retries={"mode": "standard", "max_attempts": config.max_attempts},
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            max_pool_connections=max(10, config.max_concurrency * 2),
            s3={"addressing_style": config.addressing_style},
            signature_version="s3v4",
        ),
    )


def s3_transfer_config(config: S3Config):
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=config.multipart_threshold,
        multipart_chunksize=config.multipart_chunksize,
        max_concurrency=config.max_concurrency,
        use_threads=True,
    )


def _s3_errors():
    from concurrent.futures import CancelledError

    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError
    from s3transfer import exceptions as transfer

    return (
        Boto3Error,
        BotoCoreError,
        ClientError,
        OSError,
        CancelledError,
        transfer.CancelledError,
        transfer.FatalError,
        transfer.RetriesExceededError,
        transfer.S3UploadFailedError,
    )


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def _s3_fetch(uri: str, scratch_dir: Path, config: S3Config | None = None) -> Path:
    bucket, key = split_s3_uri(uri)
    if not key or key.endswith("/"):
        raise StorageError(f"source URI names no object: {uri}")
    config = config or S3Config.from_env()
    target = scratch_dir / f"source{PurePosixPath(key).suffix[:16]}"
    try:
        scratch_dir.mkdir(parents=True, exist_ok=True)
        client = s3_client(config)
        client.download_file(bucket, key, str(target), Config=s3_transfer_config(config))
    except _s3_errors() as exc:
        target.unlink(missing_ok=True)
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise StorageError(f"source not found: {uri}") from exc
        raise StorageError(f"could not download {uri}: {_describe(exc)}") from exc
    return target


def publish_rank(relative: str) -> int:
    """Upload order of an output file (lower first): 0 media, 1 variant playlists,
    2 master playlists, 3 the manifest (the commit marker)."""
    path = PurePosixPath(relative)
    if relative == COMMIT_MARKER:
        return 3
    if path.suffix == ".m3u8":
        return 2 if path.name == "master.m3u8" else 1
    return 0


def _s3_publish(
    local_dir: Path,
    prefix_uri: str,
    config: S3Config | None = None,
    on_stored: Callable[[str], None] | None = None,
) -> None:
    """Upload ``local_dir`` under ``prefix_uri`` rank by rank (see ``publish_rank``);
    ``on_stored(key)`` is called after each object is stored. On failure the objects
    stored so far are deleted (best effort: one attempt, errors ignored) before
    ``StorageError`` is raised."""
    from s3transfer.manager import TransferManager

    bucket, prefix = split_s3_uri(prefix_uri)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    files = sorted(p for p in local_dir.rglob("*") if p.is_file())
    ranks: dict[int, list[Path]] = {}
    for path in files:
        ranks.setdefault(publish_rank(path.relative_to(local_dir).as_posix()), []).append(path)
    config = config or S3Config.from_env()
    stored: list[str] = []
    try:
        client = s3_client(config)
        for rank in sorted(ranks):
            with TransferManager(client, s3_transfer_config(config)) as manager:
                pending = []
                for path in ranks[rank]:
                    key = prefix + path.relative_to(local_dir).as_posix()
                    extra = {
                        "ContentType": CONTENT_TYPES.get(
                            path.suffix.lower(), "application/octet-stream"
                        )
                    }
                    pending.append((key, manager.upload(str(path), bucket, key, extra_args=extra)))
                for key, future in pending:
                    future.result()  # raises the transfer's error: the manager cancels the rest
                    stored.append(key)
                    if on_stored is not None:
                        on_stored(key)
    except _s3_errors() as exc:
        _delete_quietly(config, bucket, stored)
        raise StorageError(f"could not publish to {prefix_uri}: {_describe(exc)}") from exc


def _delete_quietly(config: S3Config, bucket: str, keys: list[str]) -> None:
    """Delete ``keys`` (one attempt per batch of 1000, short timeouts); errors are logged."""
    if not keys:
        return
    quick = replace(config, max_attempts=1, connect_timeout=min(config.connect_timeout, 2))
    try:
        client = s3_client(quick)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    except _s3_errors() as exc:
        log.warning("could not delete %d partial outputs in %s: %s", len(keys), bucket, exc)


_BACKENDS: dict[str, _Backend] = {
    "file": _Backend(fetch=_file_fetch, publish=_file_publish),
    "s3": _Backend(fetch=_s3_fetch, publish=_s3_publish),
}


def _backend(uri: str) -> _Backend:
    scheme = scheme_of(uri)
    try:
        return _BACKENDS[scheme]
    except KeyError:
        raise StorageError(f"unsupported storage scheme {scheme!r} in {uri!r}") from None


def cleanup(path: Path) -> None:
    """Remove a scratch folder, ignoring errors."""
    with contextlib.suppress(OSError):
        shutil.rmtree(path)
