"""Shared fixtures: users and their tokens, an authenticated client, generated clips.

A skipped test is a hidden failure: under ``make test`` (``POD_NO_SKIPS=1``) and in CI
(``CI=true``) it is reported as a failure, with its reason. ``make test`` runs on
PostgreSQL (a throwaway cluster, ``scripts/with-postgres.sh``), so the PostgreSQL-only
tests run too; CI asserts the engine. A plain ``pytest`` run keeps ordinary skips (a
subset on SQLite, or on a machine without the tools ``make test-assets`` provides).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.conf import settings
from django.test import Client
from ninja_jwt.tokens import RefreshToken

IN_CI = os.environ.get("CI", "").lower() == "true"
NO_SKIPS = IN_CI or os.environ.get("POD_NO_SKIPS", "").lower() in ("1", "true")

#: fixtures for tests against a real Kubernetes control plane and a real S3 server (MinIO),
#: both built from source; a real SMTP server on loopback (aiosmtpd)
pytest_plugins = ["tests.kube.fixtures", "tests.s3.fixtures", "tests.api.accounts.smtp"]


def pytest_sessionstart(session):
    if IN_CI:
        engine = settings.DATABASES["default"]["ENGINE"]
        assert "postgresql" in engine, f"CI must run on PostgreSQL (DATABASE_URL), not {engine}"


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (NO_SKIPS and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    where = "in CI" if IN_CI else "under `make test` (POD_NO_SKIPS=1)"
    report.outcome = "failed"
    report.longrepr = (
        f"skipped {where}, which counts as a failure: {reason}\n"
        "`make test-assets` builds or fetches every tool the suite needs (see the README's "
        "Tests section); a plain `pytest` run allows skips."
    )


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Each test gets its own media folder and upload spool."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_SPOOL_DIR = tmp_path / "media" / "uploads"
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        "alice", "alice@example.org", "pw-alice-1", can_upload=True
    )


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(
        "bob", "bob@example.org", "pw-bob-1", can_upload=True
    )


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", "s@example.org", "pw-s-1", is_staff=True)


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


class ApiClient(Client):
    """Django's test client speaking JSON, optionally as a user (JWT)."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        if user is not None:
            self.defaults["HTTP_AUTHORIZATION"] = bearer(user)

    def post_json(self, path, data=None, **extra):
        return self.post(path, data or {}, content_type="application/json", **extra)

    def patch_json(self, path, data=None, **extra):
        return self.patch(path, data or {}, content_type="application/json", **extra)


@pytest.fixture
def client_for():
    return ApiClient


@pytest.fixture
def alice(user):
    return ApiClient(user)


@pytest.fixture
def anon():
    return ApiClient()


FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(
    path: Path, *, seconds: float = 2.0, size: str = "320x240", extra: tuple[str, ...] = ()
) -> Path:
    """A small H.264/AAC MP4 from ffmpeg's test sources (test pattern + tone)."""
    subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            *extra,
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture
def clip(tmp_path) -> Path:
    return make_clip(tmp_path / "clip.mp4")


def fetch_hls_start(http, master_url: str):
    """Fetch an HLS master playlist, its first variant and that variant's first segment
    the way a player starts (``http``: an httpx client); returns (variant playlist, the
    segment's URL, the segment's bytes). Asserts each step works."""
    import m3u8

    master = m3u8.loads(http.get(master_url).text, uri=master_url)
    assert master.is_variant and master.playlists
    variant_url = master.playlists[0].absolute_uri
    variant = m3u8.loads(http.get(variant_url).text, uri=variant_url)
    assert variant.segments and variant.is_endlist
    segment_url = variant.segments[0].absolute_uri
    segment = http.get(segment_url)
    assert segment.status_code == 200 and len(segment.content) > 1000
    return variant, segment_url, segment.content
