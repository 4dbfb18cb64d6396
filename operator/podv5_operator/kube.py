"""Every Kubernetes API call of the operator, with the official ``kubernetes`` client,
synchronously (kopf runs sync handlers in threads; one ``ApiClient`` and its connection
pool are shared by them). The custom-resource and Secret calls it shares with the API come
from :class:`podv5_kube.ResourceClient`; this module adds Jobs, pods, Deployments,
Services and conflict-checked status writes.

Objects go in and come out as plain wire dicts (camelCase, as ``kubectl get -o json``
shows them): responses are read raw (``_preload_content=False``) and parsed as JSON, so
the pure builders of ``podv5_operator.k8s.encode`` work on them directly.

Errors: ``kubernetes.client.ApiException`` (``.status`` is the HTTP code) for anything
unexpected; ``JobConflict`` when a Job of the wanted name exists but is not ours. Kopf's
own calls (watching, finalizers, progress annotations, Kubernetes Events through
``kopf.info``/``kopf.warn``) are made by kopf with the same credentials.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from kubernetes import client

from podv5_contract.resources import GROUP, LIVE_PLURAL, PLURAL, VERSION
from podv5_kube import ApiException, ConfigException, ResourceClient, load_api_client
from podv5_operator.k8s.pod import is_owned_by

log = logging.getLogger(__name__)

__all__ = ["ApiException", "ConfigException", "JobConflict", "Kube", "load_api_client"]

#: status-update attempts on write conflicts (HTTP 409) before giving up
CONFLICT_ATTEMPTS = 5


class JobConflict(Exception):
    """A Job of the wanted name exists and is not controlled by this EncodingJob.

    ``job`` is the existing Job (wire dict); ``stale`` is true when it is on its way out
    (being deleted, or left by an earlier EncodingJob of the same name): retry later.
    """

    def __init__(self, message: str, job: dict, *, stale: bool):
        super().__init__(message)
        self.job = job
        self.stale = stale


class Kube(ResourceClient):
    """The operator's view of the cluster: EncodingJobs, their Jobs and the Jobs' pods,
    LiveEvents and their Deployments and Services (plus what :class:`ResourceClient` does).

    ``request_timeout``: seconds, per call (connect + read).
    """

    def __init__(self, api_client: client.ApiClient | None = None, *, request_timeout=30.0):
        super().__init__(api_client, request_timeout=request_timeout)
        # the client imports its API and model modules lazily, under the import lock: do it
        # now, not in the handler threads' first burst
        client.BatchV1Api, client.CoreV1Api, client.CustomObjectsApi, client.V1Job  # noqa: B018
        client.AppsV1Api  # noqa: B018

    @property
    def _batch(self) -> client.BatchV1Api:
        return client.BatchV1Api(self.api_client)

    @property
    def _apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api_client)

    # --- EncodingJobs ------------------------------------------------------------------------

    def update_encodingjob_status(
        self,
        namespace: str,
        name: str,
        mutate: Callable[[dict], dict | None],
        *,
        current: Mapping | None = None,
        plural: str = PLURAL,
    ) -> dict | None:
        """Read-modify-write of the ``status`` subresource, with optimistic concurrency.

        ``mutate(object) -> new status | None`` gets the whole EncodingJob (wire dict) and
        returns its new ``status`` (None: nothing to change). The status is written as a
        JSON merge patch carrying the object's ``resourceVersion``; on a conflict (409:
        someone wrote in between) the object is read again and ``mutate`` called again, up
        to ``CONFLICT_ATTEMPTS`` times (``plural``: ``liveevents`` for a LiveEvent, see
        ``update_liveevent_status``). ``current``: an object already in hand (e.g. the
        body kopf delivered) to try first, saving a read. Returns the updated object, or
        None when nothing changed or the EncodingJob is gone.
        """
        obj = dict(current) if current is not None else None
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            if obj is None:
                obj = self._read_custom(plural, namespace, name)
                if obj is None:
                    return None
            status = mutate(obj)
            if status is None:
                return None
            old = obj.get("status") or {}
            patch = {k: v for k, v in status.items() if old.get(k) != v}
            patch.update({k: None for k in old if k not in status})
            body = {"metadata": {"resourceVersion": obj["metadata"]["resourceVersion"]}}
            body["status"] = patch
            try:
                return self._call(
                    self._custom.patch_namespaced_custom_object_status,
                    GROUP, VERSION, namespace, plural, name, body,
                )  # fmt: skip
            except ApiException as exc:
                if exc.status == 404:
                    return None
                if exc.status != 409 or attempt == CONFLICT_ATTEMPTS:
                    raise
                log.debug("status of %s/%s changed meanwhile; re-reading", namespace, name)
                obj = None
                time.sleep(0.05 * attempt)
        return None  # pragma: no cover - the loop returns or raises

    # --- Jobs and pods -------------------------------------------------------------------------

    def create_or_adopt_job(self, job: Mapping, owner_uid: str) -> tuple[dict, bool]:
        """Create the Job (wire dict); returns (Job, created).

        A 409 means a Job of that name exists (a retried or restarted operator, or a
        crashed reconcile): if its controller ownerReference is ``owner_uid`` it is ours
        and is returned (adopted; never a second Job), else ``JobConflict``.
        """
        namespace, name = job["metadata"]["namespace"], job["metadata"]["name"]
        try:
            return self._call(self._batch.create_namespaced_job, namespace, dict(job)), True
        except ApiException as exc:
            if exc.status != 409:
                raise
        existing = self.read_job(namespace, name)
        if existing is None:  # deleted in between: try once more
            return self._call(self._batch.create_namespaced_job, namespace, dict(job)), True
        if is_owned_by(existing, owner_uid):
            return existing, False
        meta = existing["metadata"]
        # Job names derive from EncodingJob names, unique in a namespace: a Job owned by
        # another EncodingJob was left by a deleted one of the same name (GC pending)
        stale = bool(meta.get("deletionTimestamp")) or any(
            r.get("apiVersion", "").startswith(f"{GROUP}/") and r.get("kind") == "EncodingJob"
            for r in meta.get("ownerReferences") or []
        )
        raise JobConflict(
            f"Job {namespace}/{name} exists and is not controlled by this EncodingJob",
            existing,
            stale=stale,
        )

    def read_job(self, namespace: str, name: str) -> dict | None:
        """The Job, or None (404)."""
        return self._call_or_none(self._batch.read_namespaced_job, name, namespace)

    def job_pods(self, job: Mapping) -> list[dict]:
        """The pods of a Job (by its ``batch.kubernetes.io/controller-uid`` label)."""
        meta = job["metadata"]
        pods = self._call(
            self._core.list_namespaced_pod,
            meta["namespace"],
            label_selector=f"batch.kubernetes.io/controller-uid={meta['uid']}",
        )
        return pods.get("items") or []

    # --- LiveEvents ------------------------------------------------------------------------

    def update_liveevent_status(
        self,
        namespace: str,
        name: str,
        mutate: Callable[[dict], dict | None],
        *,
        current: Mapping | None = None,
    ) -> dict | None:
        """``update_encodingjob_status`` for a LiveEvent (conflict-checked status write)."""
        return self.update_encodingjob_status(
            namespace, name, mutate, current=current, plural=LIVE_PLURAL
        )

    # --- the live worker's Deployment and Service --------------------------------------------

    def _create_or_adopt(self, create: Callable, read: Callable, obj: Mapping, owner_uid: str):
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        try:
            return self._call(create, namespace, dict(obj)), True
        except ApiException as exc:
            if exc.status != 409:
                raise
        existing = read(namespace, name)
        if existing is None:  # deleted in between: once more
            return self._call(create, namespace, dict(obj)), True
        if is_owned_by(existing, owner_uid):
            return existing, False
        raise ApiException(
            status=409, reason=f"{obj['kind']} {namespace}/{name} exists and is not ours"
        )

    def create_or_adopt_deployment(self, deployment: Mapping, owner_uid: str) -> tuple[dict, bool]:
        """Create the Deployment; a 409 adopts the existing one if ``owner_uid`` controls
        it (a restarted operator), else raises ``ApiException`` (409). (object, created)."""
        return self._create_or_adopt(
            self._apps.create_namespaced_deployment, self.read_deployment, deployment, owner_uid
        )

    def create_or_adopt_service(self, service: Mapping, owner_uid: str) -> tuple[dict, bool]:
        """As ``create_or_adopt_deployment``, for the Service."""
        return self._create_or_adopt(
            self._core.create_namespaced_service, self.read_service, service, owner_uid
        )

    def read_deployment(self, namespace: str, name: str) -> dict | None:
        """The Deployment, or None (404)."""
        return self._call_or_none(self._apps.read_namespaced_deployment, name, namespace)

    def read_service(self, namespace: str, name: str) -> dict | None:
        """The Service, or None (404)."""
        return self._call_or_none(self._core.read_namespaced_service, name, namespace)

    def delete_deployment(self, namespace: str, name: str) -> bool:
        """Delete the Deployment (background: its pods get their termination grace period,
        so the worker ends cleanly); False if it was already gone."""
        return self._delete(
            self._apps.delete_namespaced_deployment, name, namespace,
            propagation_policy="Background",
        )  # fmt: skip

    def delete_service(self, namespace: str, name: str) -> bool:
        """Delete the Service; False if it was already gone."""
        return self._delete(self._core.delete_namespaced_service, name, namespace)
