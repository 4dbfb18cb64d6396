"""``STORAGE_BACKEND=s3`` settings: the bucket is required; the storage is ours."""

import os
import subprocess
import sys

from tests.api.test_settings import ROOT, load_settings

S3_ENV = {
    "DEBUG": "1",
    "STORAGE_BACKEND": "s3",
    "S3_BUCKET": "media",
    "S3_ENDPOINT_URL": "http://minio:9000",
}


def test_s3_needs_a_bucket(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", STORAGE_BACKEND="s3")
    assert result.returncode != 0
    assert "STORAGE_BACKEND=s3 needs S3_BUCKET" in result.stderr


def test_unknown_backend_is_a_startup_error(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", STORAGE_BACKEND="gcs")
    assert result.returncode != 0 and "must be 'local' or 's3'" in result.stderr


def test_s3_default_storage(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.core.files.storage import storages\n"
        "d = storages['default']\n"
        "print(type(d).__name__, d.bucket_name, d.endpoint_url, d.addressing_style,"
        " d.querystring_expire, d.default_acl)"
    )
    env = {**os.environ, "POD_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "api.settings"}
    env.pop("DATABASE_URL", None)
    env.update(S3_ENV)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3MediaStorage",
        "media",
        "http://minio:9000",
        "path",
        "300",
        "None",
    ]


def test_s3_settings_follow_the_workers_rules(tmp_path):
    """The API reads the S3_* names with the workers' parser (podv5_contract.storage):
    what a worker would refuse stops the API at start-up too, naming the variable."""
    result = load_settings(tmp_path, **S3_ENV, S3_MULTIPART_CHUNKSIZE="1024")
    assert result.returncode != 0
    assert "S3_MULTIPART_CHUNKSIZE must be at least" in result.stderr
    result = load_settings(tmp_path, **S3_ENV, S3_MAX_ATTEMPTS="many")
    assert result.returncode != 0 and "S3_MAX_ATTEMPTS='many' is not a number" in result.stderr
