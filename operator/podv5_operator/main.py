"""Running the operator: explicit kopf settings at startup, and the ``media-operator`` command.

``kopf run -m podv5_operator [--standalone] (-n NS ... | -A)`` loads the handlers (see
``podv5_operator/__init__.py``); ``media-operator [kopf run options]`` is the same with the
namespaces and peering taken from ``OperatorConfig`` (``MEDIA_OPERATOR_NAMESPACES``: none
means every namespace; ``MEDIA_OPERATOR_PEERING_NAME``: none means ``--standalone``).

Settings follow kopf's "Configuration" docs (``kopf.OperatorSettings``): everything kopf
writes on our objects is under ``media.podv5.io`` (the finalizer
``media.podv5.io/finalizer``, handler progress and the last-handled configuration as
annotations ``media.podv5.io/...``; nothing in ``status``, whose schema is ours).
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Sequence

import kopf

from podv5_contract.resources import FINALIZER, GROUP
from podv5_operator import metrics
from podv5_operator.config import OperatorConfig
from podv5_operator.kube import Kube

ANNOTATIONS_PREFIX = GROUP
REPORTING_COMPONENT = "pod-v5-operator"


def apply_settings(settings: kopf.OperatorSettings, config: OperatorConfig) -> None:
    """Set kopf's settings from our config (pure but for ``settings``)."""
    persistence = settings.persistence
    persistence.finalizer = FINALIZER
    persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=ANNOTATIONS_PREFIX, v1=False
    )
    persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATIONS_PREFIX, key="last-handled-configuration", v1=False
    )
    # Kubernetes Events: only those posted explicitly (kopf.info/warn), not every log line
    settings.posting.loggers = False
    settings.posting.level = logging.getLevelName(config.posting_level)
    settings.posting.reporting_component = REPORTING_COMPONENT
    settings.posting.reporting_instance = socket.gethostname()
    settings.posting.event_name_prefix = f"{REPORTING_COMPONENT}-"
    settings.watching.server_timeout = config.watch_server_timeout
    settings.watching.client_timeout = config.watch_client_timeout
    settings.networking.request_timeout = config.api_request_timeout
    settings.queueing.worker_limit = config.worker_limit
    settings.execution.max_workers = config.handler_threads
    # a fixed set of resources and namespaces: no CRD/namespace watching (fewer RBAC verbs)
    settings.scanning.disabled = True
    if config.peering_name:
        settings.peering.name = config.peering_name
        settings.peering.mandatory = True
        settings.peering.standalone = False
    elif not settings.peering.mandatory:  # `--peering` on the command line wins
        settings.peering.standalone = True


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, logger, **_) -> None:
    """Read ``OperatorConfig``, apply the kopf settings, and put ``memo.config`` and
    ``memo.kube`` (the shared ``Kube`` client) where every handler finds them."""
    config = OperatorConfig()
    apply_settings(settings, config)
    memo.config = config
    memo.kube = Kube(request_timeout=config.api_request_timeout)
    if config.metrics_port:
        metrics.start_metrics_server(config.metrics_port)
    logger.info(
        "media operator: namespaces=%s image=%s worker_limit=%s standalone=%s",
        ",".join(config.namespaces) or "*", config.encoder_image, config.worker_limit,
        settings.peering.standalone,
    )  # fmt: skip


@kopf.on.cleanup()
def close(memo: kopf.Memo, **_) -> None:
    kube = getattr(memo, "kube", None)
    if kube is not None:
        kube.close()


def kopf_args(config: OperatorConfig, extra: Sequence[str] = ()) -> list[str]:
    """The ``kopf`` command line equivalent to ``media-operator extra...``."""
    args = ["run", "-m", "podv5_operator"]
    args += ["--peering", config.peering_name] if config.peering_name else ["--standalone"]
    if not any(a in ("-n", "--namespace", "-A", "--all-namespaces") for a in extra):
        args += [x for ns in config.namespaces for x in ("-n", ns)] or ["--all-namespaces"]
    return [*args, *extra]


def main(argv: Sequence[str] | None = None) -> None:
    """``media-operator``: ``kopf run -m podv5_operator`` with the configured namespaces
    and peering; extra arguments go to ``kopf run`` (``--verbose``, ``--liveness=...``)."""
    from kopf.cli import main as kopf_main

    extra = list(sys.argv[1:] if argv is None else argv)
    kopf_main(args=kopf_args(OperatorConfig(), extra), prog_name="media-operator")
