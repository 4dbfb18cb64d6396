"""file:// storage: fetch in place, atomic-ish publish, clear errors for s3://."""

from __future__ import annotations

import pytest

from media_operator import storage


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
    with pytest.raises(storage.StorageError, match="s3"):
        storage.fetch("s3://bucket/key.mp4", tmp_path)
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


def test_publish_to_s3_is_not_supported_yet(tmp_path):
    with pytest.raises(storage.StorageError, match="s3:// storage is not supported"):
        storage.publish(make_output(tmp_path / "out"), "s3://bucket/videos/v1/")


def test_publish_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "v1").write_text("a file")
    with pytest.raises(storage.StorageError, match="not a directory"):
        storage.publish(make_output(tmp_path / "out"), (tmp_path / "v1").as_uri() + "/")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
