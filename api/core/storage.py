"""Storage helpers: names in Django's default storage ↔ URIs the workers understand.

``STORAGE_BACKEND`` picks the backend (see the README, "Storage"):

- ``local`` (embedded default): a folder (``MEDIA_ROOT``), URIs ``file:///abs/path``;
- ``s3``: a bucket of an S3-compatible server through django-storages + boto3
  (``S3MediaStorage``), URIs ``s3://<S3_BUCKET>/<name>``; private media are served with
  presigned GET URLs (``presigned_url``).

Callers only deal in storage names (``videos/<id>/source/x.mp4``); the functions here
hide which backend holds them.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage, storages
from storages.backends.s3 import S3Storage

from podv5_contract.storage import StorageError, local_path, split_s3_uri


def is_s3() -> bool:
    """Whether media live in S3 (``STORAGE_BACKEND=s3``)."""
    return settings.STORAGE_BACKEND == "s3"


def s3_client_config():
    """botocore client config from the ``S3_*`` settings (retries, timeouts, addressing)."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": settings.S3_MAX_ATTEMPTS},
        connect_timeout=settings.S3_CONNECT_TIMEOUT,
        read_timeout=settings.S3_READ_TIMEOUT,
        max_pool_connections=max(10, settings.S3_MAX_CONCURRENCY * 2),
        s3={"addressing_style": settings.S3_ADDRESSING_STYLE},
        signature_version="s3v4",
    )


def s3_transfer_config():
    """boto3 TransferConfig from the ``S3_*`` settings (multipart threshold and part size in
    bytes, threads per transfer)."""
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=settings.S3_MULTIPART_THRESHOLD,
        multipart_chunksize=settings.S3_MULTIPART_CHUNKSIZE,
        max_concurrency=settings.S3_MAX_CONCURRENCY,
        use_threads=True,
    )


class S3MediaStorage(S3Storage):
    """django-storages' S3 backend configured from Pod V5's ``S3_*`` settings (read when
    the storage is created). Credentials come from boto3's chain (``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY``, web identity, instance profile...). Objects are private
    (no ACL), overwritten in place, and ``url()`` is a presigned GET valid for
    ``S3_PRESIGN_SECONDS``."""

    def get_default_settings(self) -> dict:
        defaults = super().get_default_settings()
        defaults.update(
            bucket_name=settings.S3_BUCKET,
            endpoint_url=settings.S3_ENDPOINT_URL or None,
            region_name=settings.S3_REGION or None,
            addressing_style=settings.S3_ADDRESSING_STYLE,
            signature_version="s3v4",
            querystring_auth=True,
            querystring_expire=settings.S3_PRESIGN_SECONDS,
            file_overwrite=True,
            default_acl=None,
            location="",
            custom_domain=None,
            transfer_config=s3_transfer_config(),
            client_config=s3_client_config(),
        )
        return defaults


def _s3() -> S3Storage:
    storage = storages["default"]
    if not isinstance(storage, S3Storage):
        raise RuntimeError("STORAGE_BACKEND=s3 but the default storage is not S3Storage")
    return storage


def storage_uri(name: str) -> str:
    """URI of a storage name (file or prefix ending with '/'): ``file:///abs/path`` or
    ``s3://bucket/name``."""
    if is_s3():
        return f"s3://{settings.S3_BUCKET}/{quote(name.lstrip('/'), safe='/')}"
    path = Path(default_storage.path(name.rstrip("/") or "."))
    return path.as_uri() + ("/" if name.endswith("/") else "")


def storage_name(uri: str) -> str:
    """Storage name of a URI of our storage (``file://`` inside ``MEDIA_ROOT``, or
    ``s3://`` in ``S3_BUCKET``), parsed by the contract's URI rules
    (``podv5_contract.storage``, as the workers parse them); raises ValueError for any
    other."""
    try:
        if is_s3():
            bucket, name = split_s3_uri(uri)
            if bucket != settings.S3_BUCKET:
                raise ValueError(f"not in the media bucket {settings.S3_BUCKET!r}: {uri}")
            if not name or ".." in name.split("/"):
                raise ValueError(f"not a storage name: {uri}")
            return name
        path = local_path(uri).resolve()
    except StorageError as exc:
        raise ValueError(str(exc)) from None
    root = Path(settings.MEDIA_ROOT).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"outside MEDIA_ROOT: {uri}")
    return path.relative_to(root).as_posix() + ("/" if uri.endswith("/") else "")


def move_into_storage(local_path: Path, name: str) -> str:
    """Move a local file into storage under ``name``; returns the final storage name.

    Local: renamed when on the same volume. S3: one streamed upload (multipart past
    ``S3_MULTIPART_THRESHOLD``, ``S3_MAX_CONCURRENCY`` parts in flight, so memory stays
    bounded by about threads × part size), then the local file is deleted; a failed
    upload raises botocore/boto3 errors and keeps the local file.
    """
    if is_s3():
        storage = _s3()
        storage.bucket.upload_file(
            str(local_path),
            name,
            ExtraArgs={"ContentType": "application/octet-stream"},
            Config=s3_transfer_config(),
        )
        Path(local_path).unlink(missing_ok=True)
        return name
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(local_path, target)
    return name


def delete_prefix(prefix: str) -> None:
    """Delete every object under a storage prefix (a folder for local storage; every key
    starting with ``prefix`` for S3, so pass a prefix ending with '/' or a full name)."""
    if is_s3():
        if not prefix.strip("/"):
            raise ValueError("refusing to delete the whole bucket")
        _s3().bucket.objects.filter(Prefix=prefix).delete()
        return
    path = Path(default_storage.path(prefix.rstrip("/")))
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        os.unlink(path)


def exists(name: str) -> bool:
    return default_storage.exists(name)


def read_bytes(name: str) -> bytes:
    """The whole content of a (small) stored file; FileNotFoundError when missing."""
    if is_s3():
        from botocore.exceptions import ClientError

        try:
            obj = _s3().bucket.Object(name).get()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from None
            raise
        return obj["Body"].read()
    return Path(default_storage.path(name)).read_bytes()


def presigned_url(name: str, *, filename: str | None = None, method: str = "GET") -> str:
    """A presigned GET URL of an S3 object, valid ``S3_PRESIGN_SECONDS`` (S3 handles Range
    requests on it); ``filename`` adds a Content-Disposition to the response; ``method``
    is the HTTP method it is signed for (``GET`` or ``HEAD``). Signed for
    ``S3_PUBLIC_ENDPOINT_URL`` when set (the address clients reach, when the API reaches
    the server at another one, e.g. ``http://minio:9000`` inside a cluster)."""
    params = {}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    storage = _s3()
    if not settings.S3_PUBLIC_ENDPOINT_URL:
        return storage.url(
            name, parameters=params or None, expire=settings.S3_PRESIGN_SECONDS, http_method=method
        )
    client = _presigning_client(
        settings.S3_PUBLIC_ENDPOINT_URL,
        settings.S3_REGION or None,
        settings.S3_ADDRESSING_STYLE,
        storage.access_key,
        storage.secret_key,
        storage.security_token,
    )
    return client.generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.S3_BUCKET, "Key": name, **params},
        ExpiresIn=settings.S3_PRESIGN_SECONDS,
        HttpMethod=method,
    )


@functools.lru_cache(maxsize=4)
def _presigning_client(endpoint, region, addressing_style, access_key, secret_key, token):
    """A client that only signs URLs (no request is sent), cached per configuration."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
    ).client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        config=Config(signature_version="s3v4", s3={"addressing_style": addressing_style}),
    )


def check_reachable() -> str | None:
    """None when the storage is usable, else why not (for ``/readyz``): local, the folder
    is writable; S3, the bucket answers a HEAD with our credentials."""
    if is_s3():
        import boto3
        from botocore.config import Config

        try:
            storage = _s3()
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.S3_ENDPOINT_URL or None,
                region_name=settings.S3_REGION or None,
                aws_access_key_id=storage.access_key,
                aws_secret_access_key=storage.secret_key,
                aws_session_token=storage.security_token,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 1},
                    connect_timeout=2,
                    read_timeout=3,
                    s3={"addressing_style": settings.S3_ADDRESSING_STYLE},
                ),
            )
            client.head_bucket(Bucket=settings.S3_BUCKET)
        except Exception as exc:  # any client/network error means not ready
            return f"The bucket {settings.S3_BUCKET!r} is not reachable ({type(exc).__name__})."
        return None
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir() or not os.access(root, os.W_OK):
        return f"The media folder {root} is missing or not writable."
    return None
