"""Worker storage. file://: fetch in place, atomic-ish publish. s3://: against a real MinIO
(``tests.s3.fixtures``): download, ordered publish (the commit markers last), multipart
uploads, and a server that stops mid-publish."""

from __future__ import annotations

import os

import pytest

from podv5_media import storage
from tests.s3.minio import keys


def make_output(root, content="new"):
    (root / "hls" / "720p").mkdir(parents=True)
    (root / "hls" / "master.m3u8").write_text(content)
    (root / "hls" / "720p" / "index.m3u8").write_text(content)
    (root / "manifest.json").write_text(content)
    return root


def test_fetch_file_uri_reads_in_place(tmp_path):
    source = tmp_path / "my video.mp4"
    source.write_bytes(b"x")
    assert storage.fetch(source.as_uri(), tmp_path / "scratch") == source


def test_fetch_errors(tmp_path):
    with pytest.raises(storage.StorageError, match="not found"):
        storage.fetch((tmp_path / "missing.mp4").as_uri(), tmp_path)
    with pytest.raises(storage.StorageError, match="names no object"):
        storage.fetch("s3://bucket/prefix/", tmp_path)
    with pytest.raises(storage.StorageError, match="unsupported storage scheme"):
        storage.fetch("ftp://host/key.mp4", tmp_path)
    with pytest.raises(storage.StorageError, match="remote host"):
        storage.fetch("file://server/share/x.mp4", tmp_path)


def test_publish_to_a_new_prefix(tmp_path):
    local = make_output(tmp_path / "work" / "out")
    dest = tmp_path / "media" / "videos" / "v1"
    storage.publish(local, dest.as_uri() + "/")
    assert (dest / "hls" / "720p" / "index.m3u8").read_text() == "new"
    assert (dest / "manifest.json").exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["v1"]  # no staging left


def test_publish_over_a_previous_output_keeps_foreign_files(tmp_path):
    dest = tmp_path / "media" / "v1"
    make_output(dest, content="old")
    (dest / "hls" / "old-only.txt").write_text("old")
    (dest / "source.mp4").write_text("keep me")
    storage.publish(make_output(tmp_path / "out", content="new"), dest.as_uri() + "/")
    assert (dest / "hls" / "master.m3u8").read_text() == "new"
    assert not (dest / "hls" / "old-only.txt").exists()  # the hls tree was replaced whole
    assert (dest / "source.mp4").read_text() == "keep me"
    assert sorted(p.name for p in dest.iterdir()) == ["hls", "manifest.json", "source.mp4"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["v1"]


def test_publish_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "v1").write_text("a file")
    with pytest.raises(storage.StorageError, match="not a directory"):
        storage.publish(make_output(tmp_path / "out"), (tmp_path / "v1").as_uri() + "/")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- s3:// against MinIO --------------------------------------------------------------------


@pytest.fixture
def s3_env(monkeypatch, minio):
    """The worker's environment for the session's MinIO (as the Job pods get it)."""
    for name, value in minio.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("S3_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("S3_CONNECT_TIMEOUT", "1")
    return minio


def test_s3_publish_then_fetch(s3_env, s3_bucket, tmp_path):
    local = make_output(tmp_path / "out")
    (local / "hls" / "720p" / "seg_00000.m4s").write_bytes(b"\0" * 1000)
    storage.publish(local, f"s3://{s3_bucket}/videos/v1/encodes/j1/")
    client = s3_env.client()
    listed = keys(client, s3_bucket, "videos/v1/")
    assert listed == [
        "videos/v1/encodes/j1/hls/720p/index.m3u8",
        "videos/v1/encodes/j1/hls/720p/seg_00000.m4s",
        "videos/v1/encodes/j1/hls/master.m3u8",
        "videos/v1/encodes/j1/manifest.json",
    ]
    head = client.head_object(Bucket=s3_bucket, Key="videos/v1/encodes/j1/hls/master.m3u8")
    assert head["ContentType"] == "application/vnd.apple.mpegurl"

    fetched = storage.fetch(
        f"s3://{s3_bucket}/videos/v1/encodes/j1/hls/720p/seg_00000.m4s", tmp_path / "scratch"
    )
    assert fetched.parent == tmp_path / "scratch" and fetched.read_bytes() == b"\0" * 1000


def test_s3_fetch_errors(s3_env, s3_bucket, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    with pytest.raises(storage.StorageError, match="source not found"):
        storage.fetch(f"s3://{s3_bucket}/videos/none/source/x.mp4", scratch)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(storage.StorageError, match="could not download .*403"):
        storage.fetch(f"s3://{s3_bucket}/videos/none/source/x.mp4", scratch)
    assert list(scratch.iterdir()) == []  # nothing half-downloaded left behind


def test_s3_publish_multipart_above_the_threshold(s3_env, s3_bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("S3_MULTIPART_THRESHOLD", str(5 * storage.MIB))
    monkeypatch.setenv("S3_MULTIPART_CHUNKSIZE", str(5 * storage.MIB))
    local = tmp_path / "out"
    (local / "mp4").mkdir(parents=True)
    big = os.urandom(12 * storage.MIB + 123)
    (local / "mp4" / "720p.mp4").write_bytes(big)
    (local / "manifest.json").write_text("{}")
    storage.publish(local, f"s3://{s3_bucket}/videos/big/")
    client = s3_env.client()
    head = client.head_object(Bucket=s3_bucket, Key="videos/big/mp4/720p.mp4")
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 2 MiB parts: a multipart upload
    assert head["ContentLength"] == len(big) and head["ContentType"] == "video/mp4"
    body = client.get_object(Bucket=s3_bucket, Key="videos/big/mp4/720p.mp4")["Body"].read()
    assert body == big
    fetched = storage.fetch(f"s3://{s3_bucket}/videos/big/mp4/720p.mp4", tmp_path / "dl")
    assert fetched.read_bytes() == big  # multipart (ranged) download too


def test_s3_publish_order_puts_the_commit_markers_last():
    names = ["manifest.json", "hls/master.m3u8", "hls/360p/index.m3u8", "hls/360p/seg_1.m4s"]
    ranked = sorted(names, key=storage.publish_rank)
    assert ranked == [
        "hls/360p/seg_1.m4s",
        "hls/360p/index.m3u8",
        "hls/master.m3u8",
        "manifest.json",
    ]


def test_s3_server_stopping_mid_publish_raises_and_commits_nothing(
    minio_factory, tmp_path, monkeypatch
):
    server = minio_factory()
    bucket = "podv5-fault"
    server.client().create_bucket(Bucket=bucket)
    local = tmp_path / "out"
    make_output(local)
    for n in range(12):
        (local / "hls" / "720p" / f"seg_{n:05}.m4s").write_bytes(os.urandom(200_000))
    config = storage.S3Config(
        endpoint_url=server.endpoint,
        region="us-east-1",
        addressing_style="path",
        max_concurrency=2,
        max_attempts=2,
        connect_timeout=1,
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
    stored: list[str] = []

    def on_stored(key: str) -> None:
        stored.append(key)
        if len(stored) == 3:
            server.kill()  # the S3 server goes away in the middle of the segments

    with pytest.raises(storage.StorageError, match="could not publish"):
        storage._s3_publish(local, f"s3://{bucket}/videos/v1/", config, on_stored=on_stored)

    server.start()  # back, on the same data: what did the failed publish leave?
    left = keys(server.client(), bucket, "videos/v1/")
    assert len(left) >= 3 and all(k.endswith(".m4s") for k in left), left
    assert "videos/v1/manifest.json" not in left and "videos/v1/hls/master.m3u8" not in left


def test_s3_config_from_env():
    default = storage.S3Config.from_env({})
    assert default.endpoint_url is None and default.addressing_style == "auto"
    assert default.multipart_threshold == 16 * storage.MIB and default.max_attempts == 5
    minio = storage.S3Config.from_env(
        {"S3_ENDPOINT_URL": "http://minio:9000", "S3_MAX_CONCURRENCY": "8"}
    )
    assert minio.addressing_style == "path" and minio.max_concurrency == 8
    with pytest.raises(storage.StorageError, match="S3_MULTIPART_CHUNKSIZE must be at least"):
        storage.S3Config.from_env({"S3_MULTIPART_CHUNKSIZE": "1024"})
    with pytest.raises(storage.StorageError, match="S3_MAX_ATTEMPTS='many' is not a number"):
        storage.S3Config.from_env({"S3_MAX_ATTEMPTS": "many"})


def test_s3_failed_publish_deletes_what_it_stored(s3_env, s3_bucket, tmp_path):
    local = make_output(tmp_path / "out")
    for n in range(3):
        (local / "hls" / "720p" / f"seg_{n:05}.m4s").write_bytes(b"\0" * 1000)
    prefix = f"s3://{s3_bucket}/videos/partial/"

    def lose_a_playlist(key: str) -> None:  # a file of a later rank vanishes
        (local / "hls" / "720p" / "index.m3u8").unlink(missing_ok=True)

    with pytest.raises(storage.StorageError, match="could not publish"):
        storage._s3_publish(local, prefix, on_stored=lose_a_playlist)
    assert keys(s3_env.client(), s3_bucket, "videos/partial/") == []
