"""Every Kubernetes API call of the operator (and of the API's ``kubernetes`` encoding and
live backends), with the official ``kubernetes`` client, synchronously (kopf runs sync
handlers in threads; one ``ApiClient`` and its connection pool are shared by them).

Objects go in and come out as plain wire dicts (camelCase, as ``kubectl get -o json``
shows them): responses are read raw (``_preload_content=False``) and parsed as JSON, so
the pure builders of ``podv5_operator.k8s.encode`` work on them directly.

Errors: ``kubernetes.client.ApiException`` (``.status`` is the HTTP code) for anything
unexpected; ``JobConflict`` when a Job of the wanted name exists but is not ours. Kopf's
own calls (watching, finalizers, progress annotations, Kubernetes Events through
``kopf.info``/``kopf.warn``) are made by kopf with the same credentials.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from kubernetes import client, config
from kubernetes.client import ApiException
from kubernetes.config import ConfigException

from podv5_contract.resources import GROUP, LIVE_PLURAL, PLURAL, VERSION
from podv5_operator.k8s.pod import is_owned_by

log = logging.getLogger(__name__)

__all__ = ["ApiException", "ConfigException", "JobConflict", "Kube", "load_api_client"]

#: HTTP connections kept to the apiserver (≥ the operator's handler threads)
POOL_SIZE = 32
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


def load_api_client(kubeconfig: str | None = None) -> client.ApiClient:
    """An ``ApiClient`` from the in-cluster ServiceAccount, else from a kubeconfig
    (``kubeconfig``, else ``KUBECONFIG``, else ``~/.kube/config``). Raises
    ``ConfigException`` when there is neither."""
    configuration = client.Configuration()
    # one pooled connection per handler thread: no TLS handshake per call under load
    configuration.connection_pool_maxsize = POOL_SIZE
    if kubeconfig is None:
        try:
            config.load_incluster_config(client_configuration=configuration)
            return client.ApiClient(configuration)
        except ConfigException:
            pass
    # KUBECONFIG read now (the client reads it once, at import)
    kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or None
    config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    return client.ApiClient(configuration)


class Kube:
    """The operator's view of the cluster: EncodingJobs, their Jobs and the Jobs' pods.

    ``request_timeout``: seconds, per call (connect + read).
    """

    def __init__(self, api_client: client.ApiClient | None = None, *, request_timeout=30.0):
        self._lock = threading.Lock()
        self._api_client = api_client
        self.request_timeout = request_timeout
        # the client imports its API and model modules lazily, under the import lock: do it
        # now, not in the handler threads' first burst
        client.BatchV1Api, client.CoreV1Api, client.CustomObjectsApi, client.V1Job  # noqa: B018
        client.AppsV1Api  # noqa: B018

    @property
    def api_client(self) -> client.ApiClient:
        with self._lock:
            if self._api_client is None:
                self._api_client = load_api_client()
            return self._api_client

    def close(self) -> None:
        if self._api_client is not None:
            self._api_client.close()

    def _call(self, method: Callable, *args, **kwargs) -> dict:
        response = method(
            *args, _preload_content=False, _request_timeout=self.request_timeout, **kwargs
        )
        return json.loads(response.data)

    @property
    def _batch(self) -> client.BatchV1Api:
        return client.BatchV1Api(self.api_client)

    @property
    def _core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api_client)

    @property
    def _custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api_client)

    @property
    def _apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api_client)

    # --- EncodingJobs ------------------------------------------------------------------------

    def create_encodingjob(self, body: Mapping) -> tuple[dict, bool]:
        """Create an EncodingJob (wire dict); returns (object, created). A 409 (it exists:
        a retried submit) returns the existing object and False, never a second one."""
        return self._create_custom(PLURAL, body)

    def _create_custom(self, plural: str, body: Mapping) -> tuple[dict, bool]:
        namespace = body["metadata"]["namespace"]
        try:
            obj = self._call(
                self._custom.create_namespaced_custom_object,
                GROUP, VERSION, namespace, plural, dict(body),
            )  # fmt: skip
            return obj, True
        except ApiException as exc:
            if exc.status != 409:
                raise
        return self._read_custom(plural, namespace, body["metadata"]["name"]), False

    def read_encodingjob(self, namespace: str, name: str) -> dict | None:
        """The EncodingJob, or None if there is none (404)."""
        return self._read_custom(PLURAL, namespace, name)

    def _read_custom(self, plural: str, namespace: str, name: str) -> dict | None:
        try:
            return self._call(
                self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, plural, name
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def delete_encodingjob(self, namespace: str, name: str) -> bool:
        """Delete the EncodingJob (background propagation: the garbage collector removes its
        Job and pods); False if it was already gone."""
        return self._delete_custom(PLURAL, namespace, name)

    def _delete_custom(self, plural: str, namespace: str, name: str) -> bool:
        try:
            self._call(
                self._custom.delete_namespaced_custom_object,
                GROUP, VERSION, namespace, plural, name,
                propagation_policy="Background",
            )  # fmt: skip
            return True
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise

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
        try:
            return self._call(self._batch.read_namespaced_job, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

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

    def read_liveevent(self, namespace: str, name: str) -> dict | None:
        """The LiveEvent, or None (404)."""
        return self._read_custom(LIVE_PLURAL, namespace, name)

    def create_liveevent(self, body: Mapping) -> tuple[dict, bool]:
        """Create a LiveEvent; returns (object, created). A 409 returns the existing one."""
        return self._create_custom(LIVE_PLURAL, body)

    def patch_liveevent(self, namespace: str, name: str, patch: Mapping) -> dict | None:
        """JSON merge patch of a LiveEvent (e.g. ``{"spec": {...}}``); None if it is gone."""
        try:
            return self._call(
                self._custom.patch_namespaced_custom_object,
                GROUP, VERSION, namespace, LIVE_PLURAL, name, dict(patch),
            )  # fmt: skip
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch_liveevent_status(self, namespace: str, name: str, status: Mapping) -> dict | None:
        """JSON merge patch of a LiveEvent's ``status`` (only the fields given, no
        read-modify-write: e.g. ``{"onAir": true}``); None if it is gone."""
        try:
            return self._call(
                self._custom.patch_namespaced_custom_object_status,
                GROUP, VERSION, namespace, LIVE_PLURAL, name, {"status": dict(status)},
            )  # fmt: skip
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def delete_liveevent(self, namespace: str, name: str) -> bool:
        """Delete a LiveEvent (the garbage collector removes its Deployment, Service and
        stream-key Secret); False if it was already gone."""
        return self._delete_custom(LIVE_PLURAL, namespace, name)

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
        try:
            return self._call(self._apps.read_namespaced_deployment, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def read_service(self, namespace: str, name: str) -> dict | None:
        """The Service, or None (404)."""
        try:
            return self._call(self._core.read_namespaced_service, name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def delete_deployment(self, namespace: str, name: str) -> bool:
        """Delete the Deployment (background: its pods get their termination grace period,
        so the worker ends cleanly); False if it was already gone."""
        try:
            self._call(
                self._apps.delete_namespaced_deployment, name, namespace,
                propagation_policy="Background",
            )  # fmt: skip
            return True
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise

    def delete_service(self, namespace: str, name: str) -> bool:
        """Delete the Service; False if it was already gone."""
        try:
            self._call(self._core.delete_namespaced_service, name, namespace)
            return True
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise

    # --- Secrets (the API's live backend: stream keys) -----------------------------------------

    def apply_secret(self, secret: Mapping) -> dict:
        """Create the Secret, or replace its ``stringData`` if it exists (merge patch)."""
        namespace, name = secret["metadata"]["namespace"], secret["metadata"]["name"]
        try:
            return self._call(self._core.create_namespaced_secret, namespace, dict(secret))
        except ApiException as exc:
            if exc.status != 409:
                raise
        patch = {"stringData": dict(secret.get("stringData") or {})}
        if secret["metadata"].get("ownerReferences"):
            patch["metadata"] = {"ownerReferences": secret["metadata"]["ownerReferences"]}
        return self._call(self._core.patch_namespaced_secret, name, namespace, patch)

    def delete_secret(self, namespace: str, name: str) -> bool:
        """Delete the Secret; False if it was already gone."""
        try:
            self._call(self._core.delete_namespaced_secret, name, namespace)
            return True
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
