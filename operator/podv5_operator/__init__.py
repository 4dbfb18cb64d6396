"""Pod V5 media operator (``media-operator``, ``kopf run -m podv5_operator``): kopf
handlers that reconcile EncodingJobs into batch/v1 Jobs and LiveEvents into worker
Deployments + Services, and report to the API through signed callbacks.

- ``handlers/``: the kopf handlers (thin), registered when this package is imported;
- ``k8s/``: pure builders (``encode``: the Job and the EncodingJob status; ``live``: the
  Deployment, Service, schedule and LiveEvent status; ``pod``: what both share);
- ``kube``: every Kubernetes API call; ``config``: the typed ``MEDIA_OPERATOR_*``
  settings; ``crd``: the CRDs generated from the contract; ``metrics``; ``main``: kopf
  settings at startup and the ``media-operator`` command.

Imports the contract (``podv5_contract``), never the worker programs nor the API.
"""

from podv5_operator import handlers  # noqa: F401 - registers the kopf handlers
