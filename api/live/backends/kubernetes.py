"""The ``kubernetes`` live backend (``LIVE_BACKEND=kubernetes``): each live event is a
LiveEvent custom resource ``le-<event uuid>`` in ``ENCODING_NAMESPACE``, with its stream
key in the Secret ``le-<event uuid>-stream-key`` (owned by the resource: the garbage
collector deletes it with it). The operator's timers run the schedule (``autoStart`` at
``start``, stop at ``end``) and the worker Deployment; its callbacks and the worker's move
the event's state here, as with the local backend.

:class:`KubernetesLiveBackend` (called by ``services`` inside its transactions, so a
refusal rolls the change back) uses:

- :func:`live_resource_apply` on create, update, start (``desiredState: Started``), stop
  (``Stopped``) and rotate-key (the Secret): creates the resource and Secret, or
  merge-patches them;
- :func:`live_resource_delete` on delete;
- :func:`live_resource_on_air` after a ``live.on_air``/``live.off_air`` callback: the
  resource's ``status.onAir`` (so ``kubectl get le`` shows it), best effort.

The API's ServiceAccount needs ``create``/``get``/``patch``/``delete`` on ``liveevents``,
``patch`` on ``liveevents/status`` and ``create``/``patch`` on ``secrets``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import transaction
from pydantic import ValidationError
from urllib3.exceptions import HTTPError

from api.core import storage
from api.core.kube import ApiException, ConfigException, Kube
from api.core.links import callback_url
from api.live.backends.base import BackendUnavailable, LiveBackend
from api.live.models import LiveEvent, LiveState
from podv5_contract.live_spec import DesiredState, LiveEventSpec, SecretKeyRef
from podv5_contract.resources import API_VERSION, FINALIZER

logger = logging.getLogger(__name__)

#: the key of the stream-key Secret
SECRET_KEY = "stream-key"
_ERRORS = (ApiException, ConfigException, HTTPError, OSError)


_kube: Kube | None = None
_lock = threading.Lock()


def kube() -> Kube:
    """The process-wide client (in-cluster ServiceAccount, else KUBECONFIG), made lazily."""
    global _kube
    with _lock:
        if _kube is None:
            _kube = Kube()
        return _kube


def resource_name(event_id: UUID | str) -> str:
    """``le-<uuid>`` (39 characters, an RFC 1035 label: also the Deployment's name)."""
    return f"le-{UUID(str(event_id))}"


def secret_name(event_id: UUID | str) -> str:
    return f"{resource_name(event_id)}-stream-key"


def desired_state(event: LiveEvent) -> DesiredState:
    """What the event's state asks of the operator: scheduled → Auto, starting/live →
    Started, ended/failed → Stopped."""
    if event.state == LiveState.SCHEDULED:
        return "Auto"
    if event.state in (LiveState.STARTING, LiveState.LIVE):
        return "Started"
    return "Stopped"


def liveevent_spec(event: LiveEvent) -> dict:
    """The resource's ``spec`` (wire form) for ``event``, without ``desiredState``.
    Raises BackendUnavailable when the storage is not a local (file://) volume."""
    try:
        spec = LiveEventSpec(
            event_id=event.id,
            start=event.start,
            end=event.end,
            auto_start=event.auto_start,
            protocol=event.protocol,
            record=event.record,
            output=storage.storage_uri(event.storage_prefix),
            stream_key=SecretKeyRef(name=secret_name(event.id), key=SECRET_KEY),
            segment_duration=settings.LIVE_SEGMENT_SECONDS,
            reconnect_seconds=settings.LIVE_RECONNECT_SECONDS,
            callback_url=callback_url(),
        )
    except ValidationError as exc:
        raise BackendUnavailable(
            f"This event cannot run on Kubernetes: {exc.errors()[0]['msg']} "
            "(the live worker writes to the shared media volume: file:// storage)."
        ) from None
    wire = spec.to_wire()
    wire.pop("desiredState")
    return wire


def liveevent_resource(event: LiveEvent, *, namespace: str, desired: DesiredState) -> dict:
    """The LiveEvent custom resource (wire dict), with the operator's finalizer preset (its
    schedule timer needs it: one write fewer before the operator acts)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "LiveEvent",
        "metadata": {
            "name": resource_name(event.id),
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/part-of": "pod-v5",
                "app.kubernetes.io/created-by": "pod-v5-api",
            },
            "finalizers": [FINALIZER],
        },
        "spec": {**liveevent_spec(event), "desiredState": desired},
    }


def stream_key_secret(event: LiveEvent, *, namespace: str, owner: dict) -> dict:
    """The stream-key Secret, owned by the LiveEvent ``owner`` (wire dict)."""
    meta = owner["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": secret_name(event.id),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "pod-v5"},
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "LiveEvent",
                    "name": meta["name"],
                    "uid": meta["uid"],
                }  # fmt: skip
            ],
        },
        "stringData": {SECRET_KEY: event.stream_key},
    }


def live_resource_apply(*, event: LiveEvent, desired: DesiredState | None = None) -> dict:
    """Create the event's LiveEvent and stream-key Secret, or bring them up to date (spec
    merge-patched; ``desiredState`` only when ``desired`` is given, else kept — on
    creation it follows the event's state). Returns the resource. Raises
    BackendUnavailable (503) when the cluster can't be reached or refuses."""
    namespace, name = settings.ENCODING_NAMESPACE, resource_name(event.id)
    client = kube()
    try:
        cr = client.read_liveevent(namespace, name)
        if cr is None:
            body = liveevent_resource(
                event, namespace=namespace, desired=desired or desired_state(event)
            )
            cr, _ = client.create_liveevent(body)
        else:
            spec = liveevent_spec(event)
            if desired is not None:
                spec["desiredState"] = desired
            cr = client.patch_liveevent(namespace, name, {"spec": spec}) or cr
        client.apply_secret(stream_key_secret(event, namespace=namespace, owner=cr))
    except _ERRORS as exc:
        logger.error("live event %s: LiveEvent %s/%s not applied: %s", event.id, namespace,
                     name, getattr(exc, "reason", None) or exc)  # fmt: skip
        raise BackendUnavailable() from None
    logger.info("live event %s: LiveEvent %s/%s applied", event.id, namespace, name)
    return cr


def live_resource_delete(*, event_id: UUID) -> None:
    """Delete the event's LiveEvent (its worker, Service and Secret go with it); logged,
    not raised, when the cluster can't be reached."""
    namespace, name = settings.ENCODING_NAMESPACE, resource_name(event_id)
    try:
        kube().delete_liveevent(namespace, name)
    except _ERRORS:
        logger.exception("live event %s: could not delete LiveEvent %s", event_id, name)


def live_resource_on_air(*, event_id: UUID, on_air: bool) -> None:
    """``status.onAir`` of the event's LiveEvent (a merge patch of that field only: the
    operator's conflict-checked writes keep it). Best effort: logged on failure."""
    namespace, name = settings.ENCODING_NAMESPACE, resource_name(event_id)
    try:
        kube().patch_liveevent_status(namespace, name, {"onAir": on_air})
    except _ERRORS:
        logger.warning("live event %s: onAir not reflected on %s", event_id, name, exc_info=True)


class KubernetesLiveBackend(LiveBackend):
    """LiveEvent custom resources (see the module's docstring); the operator's timers run
    the schedule and report lost workers (``live.failed``)."""

    name = "kubernetes"
    runs_scheduler = False

    def apply(self, *, event: LiveEvent) -> None:
        live_resource_apply(event=event)

    def start(self, *, event: LiveEvent) -> None:
        live_resource_apply(event=event, desired="Started")  # the operator's Deployment

    def stop(self, *, event: LiveEvent) -> bool:
        live_resource_apply(event=event, desired="Stopped")  # the operator tears it down
        # live.ended (the worker's, or the operator's) ends a started event
        return event.state != LiveState.SCHEDULED

    def delete(self, *, event: LiveEvent) -> None:
        live_resource_delete(event_id=event.id)  # the worker, Service, Secret go with it

    def on_air_changed(self, *, event_id: UUID, on_air: bool) -> None:
        # `kubectl get le` shows OnAir
        transaction.on_commit(lambda: live_resource_on_air(event_id=event_id, on_air=on_air))

    def lost_events(self, *, now: datetime) -> list[UUID]:
        return []
