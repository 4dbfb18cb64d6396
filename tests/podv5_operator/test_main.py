"""The explicit kopf settings, and the `media-operator` command line."""

from __future__ import annotations

import logging

import kopf

from podv5_operator.config import OperatorConfig
from podv5_operator.main import FINALIZER, apply_settings, kopf_args


def test_kopf_settings_live_under_our_prefix():
    settings = kopf.OperatorSettings()
    config = OperatorConfig(worker_limit=7, handler_threads=3, posting_level="WARNING",
                            watch_server_timeout=120, watch_client_timeout=150)  # fmt: skip
    apply_settings(settings, config)
    assert settings.persistence.finalizer == FINALIZER == "media.podv5.io/finalizer"
    persistence = settings.persistence
    progress, diffbase = persistence.progress_storage, persistence.diffbase_storage
    assert isinstance(progress, kopf.AnnotationsProgressStorage)
    assert isinstance(diffbase, kopf.AnnotationsDiffBaseStorage)
    assert progress.prefix == diffbase.prefix == "media.podv5.io"
    assert settings.posting.level == logging.WARNING
    assert settings.queueing.worker_limit == 7 and settings.execution.max_workers == 3
    assert (settings.watching.server_timeout, settings.watching.client_timeout) == (120, 150)
    assert settings.peering.standalone and settings.scanning.disabled


def test_peering_when_configured():
    settings = kopf.OperatorSettings()
    apply_settings(settings, OperatorConfig(peering_name="pod-v5"))
    assert settings.peering.mandatory and not settings.peering.standalone
    assert settings.peering.name == "pod-v5"


def test_command_line():
    config = OperatorConfig(namespaces=["media", "media-2"], peering_name=None)
    assert kopf_args(config, ["--verbose"]) == [
        "run", "-m", "podv5_operator", "--standalone",
        "-n", "media", "-n", "media-2", "--verbose",
    ]  # fmt: skip
    assert kopf_args(OperatorConfig(namespaces=[], peering_name="p"))[3:] == [
        "--peering", "p", "--all-namespaces",
    ]  # fmt: skip
