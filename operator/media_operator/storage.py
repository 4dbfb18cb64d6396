"""Storage access for the workers: fetch a source URI, publish an output folder.

URIs are the ones of the EncodingJob spec (``media_operator.spec``):

- ``file:///abs/path`` (the embedded default: a volume shared with the API);
- ``s3://bucket/key`` (not implemented yet: raises ``StorageError``).

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

Every failure is raised as ``StorageError`` (with a message naming the URI).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: published last when swapping into an existing destination: its presence marks a
#: complete output
COMMIT_MARKER = "manifest.json"


class StorageError(Exception):
    """A source could not be read or an output could not be published."""


@dataclass(frozen=True)
class _Backend:
    fetch: Callable[[str, Path], Path]
    publish: Callable[[Path, str], None]


def scheme_of(uri: str) -> str:
    """The URI scheme (``file``, ``s3``...), lower case; ``StorageError`` if there is none."""
    scheme, sep, _ = uri.partition("://")
    if not sep or not scheme:
        raise StorageError(f"not a storage URI: {uri!r}")
    return scheme.lower()


def fetch(uri: str, scratch_dir: Path) -> Path:
    """Return a local path holding the content of ``uri`` (see the module docstring)."""
    return _backend(uri).fetch(uri, Path(scratch_dir))


def publish(local_dir: Path, prefix_uri: str) -> None:
    """Publish the files under ``local_dir`` at ``prefix_uri`` (a URI ending with '/')."""
    local_dir = Path(local_dir)
    if not local_dir.is_dir():
        raise StorageError(f"nothing to publish: {local_dir} is not a directory")
    _backend(prefix_uri).publish(local_dir, prefix_uri)


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


# --- s3:// (later) ------------------------------------------------------------------------


def _s3_unsupported(*_args: object) -> None:
    raise StorageError("s3:// storage is not supported by this worker yet")


_BACKENDS: dict[str, _Backend] = {
    "file": _Backend(fetch=_file_fetch, publish=_file_publish),
    "s3": _Backend(fetch=_s3_unsupported, publish=_s3_unsupported),  # type: ignore[arg-type]
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
