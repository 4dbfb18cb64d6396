"""Settings come from the environment; secrets have no production default."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_settings(tmp_path, code=None, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "CALLBACK_SIGNING_SECRET", "DEBUG", "DATABASE_URL")
    }
    clean.update(POD_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="api.settings", **env)
    code = "import django; django.setup(); from django.conf import settings as s; " + (
        code or "print(s.DATABASES['default']['ENGINE'], s.MEDIA_ROOT, s.ENCODING_BACKEND)"
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


def test_migrate_creates_the_embedded_defaults_folders(tmp_path):
    """A fresh machine with only the two secrets set: migrate makes var/ (POD_VAR_DIR),
    the SQLite file and the media folder itself."""
    var = tmp_path / "new" / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DATABASE_URL", "MEDIA_ROOT", "UPLOAD_SPOOL_DIR")
    }
    env.update(
        POD_VAR_DIR=str(var),
        SECRET_KEY="k" * 50,
        CALLBACK_SIGNING_SECRET="whsec_c2VjcmV0",
        DJANGO_SETTINGS_MODULE="api.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (var / "pod.sqlite3").stat().st_size > 0
    assert (var / "media").is_dir()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("S3_CONNECT_TIMEOUT", "5s", "S3_CONNECT_TIMEOUT='5s' is not a number"),
        ("LIVE_SEGMENT_SECONDS", "nan", "LIVE_SEGMENT_SECONDS must be a finite number"),
        ("UPLOAD_MAX_SIZE", "20GB", "UPLOAD_MAX_SIZE must be an integer, got '20GB'"),
        ("TRUSTED_PROXY_HOPS", "-1", "TRUSTED_PROXY_HOPS must be an integer >= 0"),
        ("TRUSTED_PROXY_CIDRS", "10.0.0.0/8,ingress", "TRUSTED_PROXY_CIDRS must be a comma"),
        ("PUBLIC_BASE_URL", "pod.example.org", "PUBLIC_BASE_URL must be an http(s)://host"),
        ("PUBLIC_BASE_URL", "https://pod.example.org/api", "without path or query"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be 'text' or 'json', got 'xml'"),
        ("SECURE_SSL_REDIRECT", "maybe", "SECURE_SSL_REDIRECT must be a boolean"),
        ("ENCODING_RATE_CONTROL", "crf", "ENCODING_RATE_CONTROL must be 'fixed' or 'cappedcrf'"),
        ("TRANSCRIBE_ENGINE", "vosk", "TRANSCRIBE_ENGINE must be 'pocketsphinx' or 'whisper'"),
        ("TRANSCRIBE_LANGUAGE", "English", "TRANSCRIBE_LANGUAGE must be a BCP 47 tag"),
        ("TRANSCRIBE_LANGUAGE", "fr", "the pocketsphinx engine has no model for it"),
        ("TRANSCRIBE_WHISPER_MODEL_PATH", "models/small", "must be an absolute path"),
    ],
)
def test_a_bad_value_is_a_startup_error_naming_the_variable(tmp_path, name, value, message):
    result = load_settings(tmp_path, DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "PerTitle"), ("cappedcrf", "CappedCRF"), ("FIXED", "Fixed"), ("pertitle", "PerTitle")],
)
def test_rate_control_takes_the_spec_spelling_in_any_case(tmp_path, value, expected):
    env = {"ENCODING_RATE_CONTROL": value} if value else {}
    result = load_settings(tmp_path, "print(s.ENCODING_RATE_CONTROL)", DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_trusting_a_proxy_believes_its_forwarded_proto(tmp_path):
    code = "print(s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_CIDRS, s.PUBLIC_BASE_URL)"
    env = {"TRUSTED_PROXY_CIDRS": "10.0.0.0/8, 127.0.0.1", "PUBLIC_BASE_URL": "https://p.org/"}
    result = load_settings(tmp_path, DEBUG="1", code=code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https') ['10.0.0.0/8', '127.0.0.1/32'] https://p.org"
    )
    # trusting nobody (the default): the header means nothing
    result = load_settings(tmp_path, DEBUG="1", code=code)
    assert result.stdout.split()[0] == "None"


def test_mailed_link_templates_need_uid_and_token(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", PASSWORD_RESET_URL="https://front/reset?t={token}")
    assert result.returncode != 0
    assert "PASSWORD_RESET_URL must contain {uid} and {token}" in result.stderr


def test_mail_goes_to_the_log_until_a_mail_server_is_set(tmp_path):
    code = "print(s.EMAIL_BACKEND.rsplit('.', 2)[1])"
    assert load_settings(tmp_path, code, DEBUG="1").stdout.strip() == "console"
    smtp = load_settings(tmp_path, code, DEBUG="1", EMAIL_HOST="smtp.example.edu")
    assert smtp.stdout.strip() == "smtp", smtp.stderr
