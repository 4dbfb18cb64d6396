"""pytest fixtures for tests against a real S3 server: MinIO built from source.

Registered in ``tests/conftest.py`` (``pytest_plugins``).

* ``minio_binary`` (session): the ``minio`` binary from ``scripts/minio-test-assets.sh``
  (built from Go modules when missing: ``make test`` does it ahead, ``make test-assets``).
  When it cannot be had the tests are skipped with the reason, which fails them in CI and
  under ``make test``.
* ``minio`` (session): a started :class:`~tests.s3.minio.MinioServer` (loopback, temp
  data folder, random credentials).
* ``s3_bucket`` (session): a bucket made for the session on ``minio``.
* ``minio_factory`` (function): starts private servers (for tests that stop them).
* ``s3_media`` (function): the API switched to ``STORAGE_BACKEND=s3`` on ``s3_bucket``
  (settings), and the process environment set for the workers it starts (``AWS_*``,
  ``S3_*``); yields an :class:`S3Media`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.s3.minio import MinioServer, MinioUnavailable, ensure_minio


@pytest.fixture(scope="session")
def minio_binary():
    try:
        return ensure_minio(build=True)
    except MinioUnavailable as exc:
        pytest.skip(f"MinIO is not available: {exc}")


@pytest.fixture(scope="session")
def minio(minio_binary, tmp_path_factory) -> Iterator[MinioServer]:
    server = MinioServer(minio_binary, tmp_path_factory.mktemp("minio")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_bucket(minio) -> str:
    bucket = f"podv5-test-{secrets.token_hex(4)}"
    minio.client().create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def minio_factory(minio_binary, tmp_path_factory) -> Iterator:
    servers: list[MinioServer] = []

    def start() -> MinioServer:
        server = MinioServer(minio_binary, tmp_path_factory.mktemp("minio-private")).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@dataclass
class S3Media:
    server: MinioServer
    bucket: str

    @property
    def client(self):
        return self.server.client()

    def keys(self, prefix: str = "") -> list[str]:
        from tests.s3.minio import keys

        return keys(self.client, self.bucket, prefix)


def use_s3(settings, monkeypatch, server: MinioServer, bucket: str, **worker_env) -> S3Media:
    """Point the API's settings at ``server``/``bucket`` and the workers' environment too
    (``worker_env`` overrides, e.g. ``S3_ENDPOINT_URL`` of a proxy)."""
    env = {**server.env(), **worker_env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.STORAGE_BACKEND = "s3"
    settings.S3_BUCKET = bucket
    settings.S3_ENDPOINT_URL = server.endpoint
    settings.S3_REGION = "us-east-1"
    settings.S3_ADDRESSING_STYLE = "path"
    settings.S3_PUBLIC_ENDPOINT_URL = ""
    # the API talks to the server itself (not through a worker's proxy)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "api.core.storage.S3MediaStorage"},
    }
    return S3Media(server=server, bucket=bucket)


@pytest.fixture
def s3_media(settings, monkeypatch, minio, s3_bucket) -> S3Media:
    return use_s3(settings, monkeypatch, minio, s3_bucket)
