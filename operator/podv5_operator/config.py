"""The operator's typed configuration, read from ``MEDIA_OPERATOR_*`` environment variables.

Every field ``foo_bar`` is read from ``MEDIA_OPERATOR_FOO_BAR`` (pydantic-settings; names are
case-insensitive). Lists are comma-separated (``MEDIA_OPERATOR_NAMESPACES=media,media-2``) or JSON;
an empty variable means "not set" (the default), ``none`` clears an optional field.
Kubernetes quantities (``cpu_request``, ``memory_limit``, ``scratch_size_limit``...) use the
Kubernetes quantity syntax (``500m``, ``2``, ``1Gi``), as in a container's ``resources``.

``OperatorConfig()`` reads the environment (``.live``: the ``MEDIA_OPERATOR_LIVE_*``
settings of live workers); ``OperatorConfig(**fields)`` overrides it (tests).
A bad value raises ``pydantic.ValidationError`` naming the variable's field.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from pydantic import AliasChoices, AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: a Kubernetes resource quantity (apimachinery ``resource.Quantity`` syntax)
QUANTITY = r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$"
#: an RFC 1123 DNS label (namespaces, Secret keys are checked by the apiserver)
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
#: an RFC 1123 DNS subdomain (Secret, ServiceAccount and PVC names)
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"

Quantity = Annotated[str, Field(pattern=QUANTITY)]
CommaList = Annotated[list[str], NoDecode]


class LiveConfig(BaseSettings):
    """How the operator runs live workers, from ``MEDIA_OPERATOR_LIVE_*`` variables (the
    image, ServiceAccount, security, media volume and callback Secret are the encoder's):
    ``OperatorConfig().live``."""

    model_config = SettingsConfigDict(
        env_prefix="MEDIA_OPERATOR_LIVE_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    ingest_port: Annotated[
        int, Field(ge=1, le=65535, description="Port the worker's ingest listens on (RTMP/SRT).")
    ] = 1935
    health_port: Annotated[
        int, Field(ge=1, le=65535, description="Port of the worker's /healthz and /readyz.")
    ] = 8081
    service_type: Annotated[
        Literal["ClusterIP", "NodePort", "LoadBalancer"],
        Field(description="Type of the Service exposing the ingest port."),
    ] = "ClusterIP"
    termination_grace_seconds: Annotated[
        int,
        Field(
            ge=1,
            description="Seconds a stopped worker gets to close its recording and report.",
        ),
    ] = 120
    progress_deadline_seconds: Annotated[
        int,
        Field(ge=10, description="Deployment progressDeadlineSeconds: longer to come up fails it."),
    ] = 300
    cpu_request: Annotated[Quantity, Field(description="CPU request (cores).")] = "250m"
    cpu_limit: Annotated[Quantity | None, Field(description="CPU limit; unset: none.")] = "2"
    memory_request: Annotated[Quantity, Field(description="Memory request (bytes).")] = "256Mi"
    memory_limit: Annotated[Quantity | None, Field(description="Memory limit.")] = "1Gi"
    timer_interval: Annotated[
        float, Field(gt=0, le=60, description="How often each LiveEvent's schedule is checked, s.")
    ] = 2.0


class OperatorConfig(BaseSettings):
    """How the operator runs and what the Jobs it makes look like."""

    model_config = SettingsConfigDict(
        env_prefix="MEDIA_OPERATOR_",
        env_ignore_empty=True,
        env_parse_none_str="none",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    # --- what to watch -------------------------------------------------------------------
    namespaces: Annotated[
        CommaList,
        Field(description="Namespaces to watch, comma-separated; empty: every namespace."),
    ] = []

    # --- the worker Job -------------------------------------------------------------------
    encoder_image: Annotated[
        str, Field(min_length=1, description="Image running `media-encode` (repo:tag@digest).")
    ] = "pod-v5-worker:latest"
    image_pull_policy: Annotated[
        Literal["Always", "IfNotPresent", "Never"], Field(description="Container pull policy.")
    ] = "IfNotPresent"
    image_pull_secrets: Annotated[
        CommaList, Field(description="Secret names for pulling the image, comma-separated.")
    ] = []
    active_deadline_seconds: Annotated[
        int,
        Field(ge=1, description="Job activeDeadlineSeconds: wall time a Job may run, seconds."),
    ] = 6 * 3600
    backoff_limit: Annotated[
        int,
        Field(
            ge=0,
            description=(
                "Job backoffLimit: pod retries after failures the worker did not report "
                "(OOM kill, node loss); a reported failure (exit 1-3) fails the Job at once."
            ),
        ),
    ] = 2
    ttl_seconds_after_finished: Annotated[
        int | None,
        Field(ge=0, description="Job ttlSecondsAfterFinished, seconds; unset: kept forever."),
    ] = 24 * 3600
    cpu_request: Annotated[Quantity, Field(description="CPU request (cores, e.g. `500m`).")] = "1"
    cpu_limit: Annotated[
        Quantity | None, Field(description="CPU limit (cores); unset: no limit.")
    ] = "4"
    memory_request: Annotated[
        Quantity, Field(description="Memory request (bytes, e.g. `1Gi`).")
    ] = "1Gi"
    memory_limit: Annotated[
        Quantity | None, Field(description="Memory limit (bytes); over it: OOMKilled.")
    ] = "4Gi"
    scratch_size_limit: Annotated[
        Quantity,
        Field(description="sizeLimit of the scratch emptyDir (bytes, e.g. `20Gi`)."),
    ] = "20Gi"
    scratch_mount_path: Annotated[
        str,
        Field(
            pattern=r"^/.+",
            description="Where the scratch emptyDir is mounted (MEDIA_ENCODE_SCRATCH_DIR, TMPDIR).",
        ),
    ] = "/scratch"
    run_as_user: Annotated[int, Field(ge=1, description="Worker pods' uid (non-root).")] = 10001
    run_as_group: Annotated[int, Field(ge=1, description="Worker pods' primary gid.")] = 10001
    fs_group: Annotated[int, Field(ge=1, description="Worker pods' fsGroup (volume gid).")] = 10001
    service_account_name: Annotated[
        str,
        Field(
            pattern=DNS_SUBDOMAIN,
            description="ServiceAccount of worker pods (its token is never mounted).",
        ),
    ] = "pod-v5-encoder"
    callback_secret_name: Annotated[
        str,
        Field(
            pattern=DNS_SUBDOMAIN,
            description="Secret holding the callback signing secret, in the job's namespace.",
        ),
    ] = "pod-v5-callback"
    callback_secret_key: Annotated[
        str,
        Field(
            pattern=r"^[-._a-zA-Z0-9]+$",
            description="Key of that Secret, passed as CALLBACK_SIGNING_SECRET (secretKeyRef).",
        ),
    ] = "callback-signing-secret"
    media_volume_claim: Annotated[
        str | None,
        Field(
            description=(
                "PersistentVolumeClaim mounted at `media_mount_path` for file:// sources and "
                "outputs (the volume shared with the API); unset: none."
            ),
        ),
    ] = None
    media_mount_path: Annotated[
        str, Field(pattern=r"^/.+", description="Mount path of `media_volume_claim`.")
    ] = "/media"
    worker_env_secret: Annotated[
        str | None,
        Field(description="Secret whose keys become the worker's env (envFrom), e.g. S3 keys."),
    ] = None
    node_selector: Annotated[
        dict[str, str],
        Field(description='Pod nodeSelector, JSON (e.g. `{"pool": "encode"}`); empty: none.'),
    ] = {}
    tolerations: Annotated[
        list[dict],
        Field(description="Pod tolerations, JSON list of core/v1 Toleration objects."),
    ] = []
    termination_grace_seconds: Annotated[
        int,
        Field(ge=0, description="Seconds a stopped worker gets to report `cancelled`."),
    ] = 30
    worker_log_format: Annotated[
        Literal["text", "json"] | None,
        Field(description="LOG_FORMAT of the worker pods (`text` or `json`); unset: text."),
    ] = None

    # --- live workers (MEDIA_OPERATOR_LIVE_*) -------------------------------------------------
    live: Annotated[
        LiveConfig,
        Field(default_factory=LiveConfig, description="Live workers: MEDIA_OPERATOR_LIVE_*."),
    ]

    # --- the operator's own callbacks -----------------------------------------------------
    api_callback_url: Annotated[
        AnyHttpUrl | None,
        Field(description="Callback endpoint for the operator's events; unset: the spec's."),
    ] = None
    callback_signing_secret: Annotated[
        SecretStr | None,
        Field(
            validation_alias=AliasChoices(
                "MEDIA_OPERATOR_CALLBACK_SIGNING_SECRET", "CALLBACK_SIGNING_SECRET"
            ),
            description="Standard Webhooks secret (`whsec_...`); also read from "
            "CALLBACK_SIGNING_SECRET. Unset: the operator sends no callbacks.",
        ),
    ] = None
    callback_timeout: Annotated[
        float, Field(gt=0, description="Timeout of one callback request, seconds.")
    ] = 10.0
    callback_retry_delay: Annotated[
        float, Field(gt=0, description="First retry delay of an undelivered callback, seconds.")
    ] = 2.0
    callback_retry_max_delay: Annotated[
        float, Field(gt=0, description="Longest retry delay (doubling up to it), seconds.")
    ] = 300.0
    cancel_timeout: Annotated[
        float,
        Field(
            gt=0,
            description=(
                "How long deleting an EncodingJob waits for the API to hear `cancelled`, "
                "seconds; then the finalizer is released anyway."
            ),
        ),
    ] = 600.0

    # --- kopf -------------------------------------------------------------------------------
    worker_limit: Annotated[
        int | None,
        Field(
            ge=1,
            description=(
                "kopf queueing.worker_limit: objects with a live event worker (an asyncio "
                "task, kept 5 s after an object's last event); unset: no limit. A limit "
                "below the objects of a burst stalls the rest for seconds."
            ),
        ),
    ] = None
    handler_threads: Annotated[
        int, Field(ge=1, description="Threads running the (sync) handlers.")
    ] = 16
    posting_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"],
        Field(description="Lowest log level also posted as Kubernetes Events."),
    ] = "INFO"
    watch_server_timeout: Annotated[
        int, Field(ge=1, description="Watch requests' server-side timeoutSeconds.")
    ] = 300
    watch_client_timeout: Annotated[
        float, Field(gt=0, description="Client-side timeout of a watch request, seconds.")
    ] = 330.0
    api_request_timeout: Annotated[
        float, Field(gt=0, description="Timeout of the operator's own API calls, seconds.")
    ] = 30.0
    peering_name: Annotated[
        str | None,
        Field(description="kopf peering object name (needs the peering CRDs); unset: standalone."),
    ] = None
    metrics_port: Annotated[
        int | None,
        Field(
            ge=1,
            le=65535,
            description="Port of the Prometheus metrics endpoint (GET /metrics, all "
            "interfaces), e.g. 9100; unset: no metrics endpoint.",
        ),
    ] = None

    @field_validator("namespaces", "image_pull_secrets", mode="before")
    @classmethod
    def _comma_list(cls, value):
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("namespaces")
    @classmethod
    def _namespaces(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(DNS_LABEL, name):
                raise ValueError(f"{name!r} is not a namespace name (RFC 1123 label)")
        return value

    @property
    def signing_secret(self) -> str | None:
        """The callback secret in clear, or None."""
        secret = self.callback_signing_secret
        return secret.get_secret_value() if secret is not None else None
