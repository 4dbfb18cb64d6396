"""The Kubernetes client of Pod V5's custom resources, shared by the API and the operator
(see :mod:`podv5_kube.client`). The worker programs never import it."""

from podv5_kube.client import ApiException, ConfigException, ResourceClient, load_api_client

__all__ = ["ApiException", "ConfigException", "ResourceClient", "load_api_client"]
