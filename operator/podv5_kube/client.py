"""Kubernetes calls on Pod V5's custom resources (EncodingJob, LiveEvent) and the live
events' stream-key Secrets, with the official ``kubernetes`` client, synchronously:
create, read, patch, delete.

Shared by the API's ``kubernetes`` encoding and live backends (through ``api.core.kube``)
and the operator, whose ``podv5_operator.kube.Kube`` adds its Jobs, Deployments, Services
and status writes: the API never imports the operator, and neither copies these calls.
It imports only the ``kubernetes`` client and ``podv5_contract``. Objects go in and come
out as plain wire dicts
(camelCase, as ``kubectl get -o json`` shows them). Errors:
``kubernetes.client.ApiException`` (``.status`` is the HTTP code); ``ConfigException``
when there is neither an in-cluster ServiceAccount nor a kubeconfig.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping

from kubernetes import client, config
from kubernetes.client import ApiException
from kubernetes.config import ConfigException

from podv5_contract.resources import GROUP, LIVE_PLURAL, PLURAL, VERSION

__all__ = ["ApiException", "ConfigException", "ResourceClient", "load_api_client"]

#: HTTP connections kept to the apiserver (≥ the API's request threads or the operator's
#: handler threads: no TLS handshake per call under load)
POOL_SIZE = 32


def load_api_client(kubeconfig: str | None = None) -> client.ApiClient:
    """An ``ApiClient`` from the in-cluster ServiceAccount, else from a kubeconfig
    (``kubeconfig``, else ``KUBECONFIG``, else ``~/.kube/config``). Raises
    ``ConfigException`` when there is neither."""
    configuration = client.Configuration()
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


class ResourceClient:
    """Pod V5's custom resources and the stream-key Secrets.

    ``api_client``: made on first use when not given; ``request_timeout``: seconds, per
    call (connect + read).
    """

    def __init__(self, api_client: client.ApiClient | None = None, *, request_timeout=30.0):
        self._lock = threading.Lock()
        self._api_client = api_client
        self.request_timeout = request_timeout

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

    def _call_or_none(self, method: Callable, *args, **kwargs) -> dict | None:
        """``_call``, but None when the object is not there (404)."""
        try:
            return self._call(method, *args, **kwargs)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def _delete(self, method: Callable, *args, **kwargs) -> bool:
        """Call a delete ``method``: True if it deleted, False if it was already gone (404)."""
        return self._call_or_none(method, *args, **kwargs) is not None

    @property
    def _core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api_client)

    @property
    def _custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api_client)

    # --- custom resources ----------------------------------------------------------------

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

    def _read_custom(self, plural: str, namespace: str, name: str) -> dict | None:
        return self._call_or_none(
            self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, plural, name
        )

    def _delete_custom(self, plural: str, namespace: str, name: str) -> bool:
        return self._delete(
            self._custom.delete_namespaced_custom_object,
            GROUP, VERSION, namespace, plural, name,
            propagation_policy="Background",
        )  # fmt: skip

    # --- EncodingJobs ----------------------------------------------------------------------

    def create_encodingjob(self, body: Mapping) -> tuple[dict, bool]:
        """Create an EncodingJob (wire dict); returns (object, created). A 409 (it exists:
        a retried submit) returns the existing object and False, never a second one."""
        return self._create_custom(PLURAL, body)

    def read_encodingjob(self, namespace: str, name: str) -> dict | None:
        """The EncodingJob, or None if there is none (404)."""
        return self._read_custom(PLURAL, namespace, name)

    def delete_encodingjob(self, namespace: str, name: str) -> bool:
        """Delete the EncodingJob (background propagation: the garbage collector removes its
        Job and pods); False if it was already gone."""
        return self._delete_custom(PLURAL, namespace, name)

    # --- LiveEvents ------------------------------------------------------------------------

    def read_liveevent(self, namespace: str, name: str) -> dict | None:
        """The LiveEvent, or None (404)."""
        return self._read_custom(LIVE_PLURAL, namespace, name)

    def create_liveevent(self, body: Mapping) -> tuple[dict, bool]:
        """Create a LiveEvent; returns (object, created). A 409 returns the existing one."""
        return self._create_custom(LIVE_PLURAL, body)

    def patch_liveevent(self, namespace: str, name: str, patch: Mapping) -> dict | None:
        """JSON merge patch of a LiveEvent (e.g. ``{"spec": {...}}``); None if it is gone."""
        return self._call_or_none(
            self._custom.patch_namespaced_custom_object,
            GROUP, VERSION, namespace, LIVE_PLURAL, name, dict(patch),
        )  # fmt: skip

    def patch_liveevent_status(self, namespace: str, name: str, status: Mapping) -> dict | None:
        """JSON merge patch of a LiveEvent's ``status`` (only the fields given, no
        read-modify-write: e.g. ``{"onAir": true}``); None if it is gone."""
        return self._call_or_none(
            self._custom.patch_namespaced_custom_object_status,
            GROUP, VERSION, namespace, LIVE_PLURAL, name, {"status": dict(status)},
        )  # fmt: skip

    def delete_liveevent(self, namespace: str, name: str) -> bool:
        """Delete a LiveEvent (the garbage collector removes its Deployment, Service and
        stream-key Secret); False if it was already gone."""
        return self._delete_custom(LIVE_PLURAL, namespace, name)

    # --- Secrets (stream keys) ---------------------------------------------------------------

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
        return self._delete(self._core.delete_namespaced_secret, name, namespace)
