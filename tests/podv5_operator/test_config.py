"""OperatorConfig from MEDIA_OPERATOR_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from podv5_operator.config import OperatorConfig


def test_defaults_are_usable(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("MEDIA_OPERATOR_") or name == "CALLBACK_SIGNING_SECRET":
            monkeypatch.delenv(name)
    config = OperatorConfig()
    assert config.namespaces == [] and config.signing_secret is None
    assert config.active_deadline_seconds == 6 * 3600 and config.backoff_limit == 2


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("MEDIA_OPERATOR_NAMESPACES", "media, media-2")
    monkeypatch.setenv("MEDIA_OPERATOR_ENCODER_IMAGE", "registry/worker:2")
    monkeypatch.setenv("MEDIA_OPERATOR_TTL_SECONDS_AFTER_FINISHED", "none")
    monkeypatch.setenv("MEDIA_OPERATOR_CPU_LIMIT", "")  # empty: the default
    monkeypatch.setenv("MEDIA_OPERATOR_TOLERATIONS", '[{"key": "gpu", "operator": "Exists"}]')
    monkeypatch.setenv("MEDIA_OPERATOR_IMAGE_PULL_SECRETS", '["a", "b"]')
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", "whsec_c2VjcmV0")
    config = OperatorConfig()
    assert config.namespaces == ["media", "media-2"]
    assert config.encoder_image == "registry/worker:2"
    assert config.ttl_seconds_after_finished is None and config.cpu_limit == "4"
    assert config.tolerations == [{"key": "gpu", "operator": "Exists"}]
    assert config.image_pull_secrets == ["a", "b"]
    assert config.signing_secret == "whsec_c2VjcmV0"
    assert "whsec" not in repr(config)  # a SecretStr
    monkeypatch.setenv("MEDIA_OPERATOR_CALLBACK_SIGNING_SECRET", "whsec_b3duc2VjcmV0")
    assert OperatorConfig().signing_secret == "whsec_b3duc2VjcmV0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MEDIA_OPERATOR_NAMESPACES", "Not_A_Namespace"),
        ("MEDIA_OPERATOR_MEMORY_LIMIT", "4 gigs"),
        ("MEDIA_OPERATOR_IMAGE_PULL_POLICY", "Sometimes"),
        ("MEDIA_OPERATOR_RUN_AS_USER", "0"),
        ("MEDIA_OPERATOR_SCRATCH_MOUNT_PATH", "relative"),
    ],
)
def test_bad_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        OperatorConfig()


def test_live_settings_are_part_of_the_one_config(monkeypatch):
    """Live workers' settings are ``OperatorConfig().live``, read from MEDIA_OPERATOR_LIVE_*."""
    monkeypatch.setenv("MEDIA_OPERATOR_LIVE_INGEST_PORT", "1936")
    monkeypatch.setenv("MEDIA_OPERATOR_LIVE_SERVICE_TYPE", "LoadBalancer")
    config = OperatorConfig()
    assert (config.live.ingest_port, config.live.service_type) == (1936, "LoadBalancer")
    assert config.live.health_port == 8081  # the default
