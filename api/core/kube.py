"""The API's Kubernetes client: the custom-resource calls of :mod:`podv5_kube` (create,
read, patch, delete EncodingJobs, LiveEvents and stream-key Secrets), used by the
``kubernetes`` encoding backend and the ``kubernetes`` live backend. The API never
imports the operator; both use the same client."""

from podv5_kube import ApiException, ConfigException, load_api_client
from podv5_kube import ResourceClient as Kube

__all__ = ["ApiException", "ConfigException", "Kube", "load_api_client"]
