"""The real ``media-encode`` command with a ``sourceImport``: it downloads the source
from a real HTTP server, keeps it at the spec's ``source``, encodes it, and tells the API
(``imported`` in its final event); a failed import keeps nothing."""

from __future__ import annotations

import os

import pytest

from tests.origin import Route

pytestmark = pytest.mark.media


def import_spec(url: str, **overrides) -> dict:
    return {"url": url, "kind": "direct", "maxBytes": 50 * 1024 * 1024,
            "allowedNetworks": ["127.0.0.1/32"], "timeoutSeconds": 60, **overrides}  # fmt: skip


def test_imported_source_is_kept_then_encoded(
    origin, make_clip, run_worker, callback_receiver, tmp_path
):
    clip = make_clip("plain")
    origin.routes["/lectures/lecture.mp4"] = Route.file(clip)
    source = tmp_path / "media" / "videos" / "v1" / "source" / "imported"
    run = run_worker(
        source,
        callback=callback_receiver,
        sourceImport=import_spec(origin.url("/lectures/lecture.mp4")),
    )
    assert run.returncode == 0, run.stderr
    assert source.read_bytes() == clip.read_bytes()  # kept for re-encodes
    assert any(run.output_dir.rglob("master.m3u8"))
    (done,) = callback_receiver.events("encoding.succeeded")
    assert done.data["imported"] == {
        "source": source.as_uri(),
        "size": clip.stat().st_size,
        "filename": "lecture.mp4",
        "media_url": origin.url("/lectures/lecture.mp4"),
        "metadata": {"tags": []},  # a plain file says nothing of itself (nulls are left out)
    }
    assert not os.listdir(tmp_path / "scratch")  # the download went with the scratch folder


@pytest.mark.parametrize(
    "route, overrides, reason",
    [
        (Route(b"\0" * 200_000), {"maxBytes": 100_000}, "import_too_large"),
        (Route(b"\0" * 200_000), {"quotaBytes": 100_000}, "quota_exceeded"),
        (Route(b"this is not a video at all" * 100), {}, "unsupported_media"),
        (Route(redirect="http://127.0.0.2:9/x"), {}, "import_forbidden_address"),
        (Route(redirect="/loop"), {"maxRedirects": 3}, "import_too_many_redirects"),
    ],
)
def test_a_failed_import_keeps_nothing(
    origin, run_worker, callback_receiver, tmp_path, route, overrides, reason
):
    origin.routes["/loop"] = Route(redirect="/loop")
    origin.routes["/file"] = route
    source = tmp_path / "media" / "videos" / "v1" / "source" / "imported"
    run = run_worker(
        source,
        callback=callback_receiver,
        sourceImport=import_spec(origin.url("/file"), **overrides),
    )
    assert run.returncode == 1
    (failed,) = callback_receiver.events("encoding.failed")
    assert failed.data["reason"] == reason and "imported" not in failed.data
    assert not source.parent.exists()
    assert not os.listdir(tmp_path / "scratch")
