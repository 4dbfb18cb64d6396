"""Settings come from the environment; secrets have no production default."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_settings(tmp_path, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "CALLBACK_SIGNING_SECRET", "DEBUG", "DATABASE_URL")
    }
    clean.update(POD_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="api.settings", **env)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.MEDIA_ROOT, s.ENCODING_BACKEND)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CALLBACK_SIGNING_SECRET"])
def test_missing_secret_is_a_startup_error_without_debug(tmp_path, missing):
    env = {"SECRET_KEY": "k" * 50, "CALLBACK_SIGNING_SECRET": "whsec_c2VjcmV0"}
    del env[missing]
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_embedded_defaults_in_debug(tmp_path):
    result = load_settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    engine, media_root, backend = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert media_root == str(tmp_path / "media")
    assert backend == "local"
    # dev secrets are generated once and kept, so restarts keep tokens and workers valid
    assert (tmp_path / "dev-secrets.json").exists()


def test_database_url_switches_to_postgresql(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", DATABASE_URL="postgres://u:p@db:5432/pod")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"
