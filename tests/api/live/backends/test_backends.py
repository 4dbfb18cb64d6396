"""``get_backend``: the ``LIVE_BACKEND`` setting picks the backend (default: the value of
``ENCODING_BACKEND``), and the embedded default never imports the kubernetes client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.live.backends import LiveBackend, get_backend

REPO = Path(__file__).resolve().parents[4]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("LIVE_BACKEND", "ENCODING_BACKEND")}
    environ.update(DJANGO_SETTINGS_MODULE="tests.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=environ, capture_output=True, text=True
    )


def test_importing_the_services_on_the_default_does_not_import_kubernetes():
    done = _python(
        "import django; django.setup(); import api.live.services; import sys; "
        'assert "kubernetes" not in sys.modules, "kubernetes imported"'
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "local"),
        ({"ENCODING_BACKEND": "kubernetes"}, "kubernetes"),
        ({"ENCODING_BACKEND": "kubernetes", "LIVE_BACKEND": "local"}, "local"),
        ({"LIVE_BACKEND": "kubernetes"}, "kubernetes"),
    ],
)
def test_live_backend_defaults_to_the_encoding_backend(env, expected):
    done = _python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LIVE_BACKEND)",
        **env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_an_unknown_live_backend_is_refused_at_start_up():
    done = _python("import django; django.setup()", LIVE_BACKEND="docker")
    assert done.returncode != 0
    assert "LIVE_BACKEND='docker'" in done.stderr


def test_get_backend_follows_the_setting(settings):
    settings.LIVE_BACKEND = "local"
    local = get_backend()
    assert isinstance(local, LiveBackend) and local.name == "local" and local.runs_scheduler
    assert get_backend() is local  # one per process
    settings.LIVE_BACKEND = "kubernetes"
    kube = get_backend()
    assert kube.name == "kubernetes" and not kube.runs_scheduler
