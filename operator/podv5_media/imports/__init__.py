"""The import step of ``media-encode``: a job whose spec has a ``sourceImport``
(``podv5_contract.imports``) fetches its source from a URL instead of storage.

``media-encode`` (``encode/run.py``) calls :func:`source_for` where it would fetch the
source from storage, probes what it gets as usual (not media: ``unsupported_media``,
nothing stored), then :func:`keep` stores the file at the spec's ``source`` URI (the
video's kept source, for re-encodes, exactly where an upload's would be) before the
encode; the job's final event carries ``imported`` (``ImportedSource``). The file is
downloaded into the job's scratch folder (on Kubernetes the pod's emptyDir: it must hold
``IMPORT_MAX_SIZE``), and goes away with it.

Failures are :class:`ImportFailed` with the stable reasons of ``podv5_media.fetch``, plus
``storage_error`` (storing the source) and ``unsupported_media`` (a BBB recording's files
that ffmpeg cannot put together).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from podv5_contract import net
from podv5_contract.imports import ImportedMetadata, ImportedSource, ImportSpec
from podv5_contract.spec import EncodingJobSpec
from podv5_media import storage
from podv5_media.fetch import Downloaded, FetchFailed, GuardedClient

from . import bbb, peertube

log = logging.getLogger(__name__)


class ImportFailed(Exception):
    """The source could not be imported; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """A source downloaded into the scratch folder, with what the source told of itself."""

    download: Downloaded
    metadata: ImportedMetadata


def source_for(spec: EncodingJobSpec, workdir: Path, *, ffmpeg: str) -> tuple[Path, Fetched | None]:
    """The local path of the job's source: imported (then also the :class:`Fetched`,
    for :func:`keep`), or fetched from storage. Raises :class:`ImportFailed`."""
    if spec.source_import is None:
        try:
            return storage.fetch(spec.source, workdir), None
        except storage.StorageError as exc:
            raise ImportFailed("storage_error", str(exc)) from exc
    started = time.monotonic()
    fetched = fetch(spec.source_import, workdir / "import", ffmpeg=ffmpeg)
    log.info(
        "imported %d bytes from %s in %.1f s",
        fetched.download.size,
        fetched.download.url,
        time.monotonic() - started,
    )
    return fetched.download.path, fetched


def fetch(spec: ImportSpec, folder: Path, *, ffmpeg: str) -> Fetched:
    """Download the source ``spec`` names into ``folder`` (created), within its limits."""
    client = GuardedClient(
        spec.policy(),
        deadline=time.monotonic() + spec.timeout_seconds,
        max_redirects=spec.max_redirects,
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = net.parse_url(spec.url)
        if spec.kind == "bbb":
            download, metadata = bbb.fetch(client, target, folder, spec, ffmpeg=ffmpeg)
            return Fetched(download, metadata)
        url, metadata = (
            peertube.resolve(client, target)
            if spec.kind == "peertube"
            else (spec.url, ImportedMetadata())
        )
        download = client.download(
            url, folder / "source", max_bytes=spec.max_bytes, quota_bytes=spec.quota_bytes
        )
        return Fetched(download, metadata)
    except net.UrlRefused as exc:
        raise ImportFailed(exc.code, str(exc)) from exc
    except FetchFailed as exc:
        raise ImportFailed(exc.reason, str(exc)) from exc
    except OSError as exc:
        raise ImportFailed("storage_error", f"scratch folder: {exc}") from exc


def keep(fetched: Fetched, uri: str) -> ImportedSource:
    """Store the imported file at ``uri`` (the spec's ``source``): the video's source
    from now on. ``file://``: copied beside the destination then renamed onto it (never
    half-written); ``s3://``: one (multipart) upload. Raises :class:`ImportFailed`
    (``storage_error``)."""
    path = fetched.download.path
    try:
        if storage.scheme_of(uri) == "file":
            _keep_file(path, storage.local_path(uri))
        elif storage.scheme_of(uri) == "s3":
            _keep_s3(path, uri)
        else:
            raise storage.StorageError(f"unsupported storage scheme in {uri!r}")
    except storage.StorageError as exc:
        raise ImportFailed("storage_error", str(exc)) from exc
    except OSError as exc:
        raise ImportFailed("storage_error", f"could not store the source at {uri}: {exc}") from exc
    return ImportedSource(
        source=uri,
        size=fetched.download.size,
        filename=fetched.download.filename or "source",
        media_url=fetched.download.url,
        metadata=fetched.metadata,
    )


def _keep_file(path: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:12]}.part"
    try:
        shutil.copyfile(path, staging)
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, dest)
    finally:
        staging.unlink(missing_ok=True)


def _keep_s3(path: Path, uri: str) -> None:
    bucket, key = storage.split_s3_uri(uri)
    config = storage.S3Config.from_env()
    try:
        client = storage.s3_client(config)
        client.upload_file(
            str(path),
            bucket,
            key,
            ExtraArgs={"ContentType": "application/octet-stream"},
            Config=storage.s3_transfer_config(config),
        )
    except storage._s3_errors() as exc:
        raise storage.StorageError(f"could not store the source at {uri}: {exc}") from exc
