"""The ``kubernetes`` encoding backend: each job becomes an EncodingJob custom resource
(``media.podv5.io/v1alpha1``) in ``ENCODING_NAMESPACE``; the operator turns it into a
batch/v1 Job and the worker reports back through the signed callback, as with ``local``.

- the resource's name is ``ej-<job uuid>``: deterministic, so a retried submit gets 409
  and never makes a second one (``Kube.create_encodingjob``); it is created with the
  operator's finalizer already set (saving the operator a write before it makes the Job);
- ``cancel`` deletes it: the operator tells the API ``cancelled`` (a no-op when the API
  already marked the job) and the garbage collector removes the Job and its pods;
- ``resume`` does nothing: the operator owns the work and survives API restarts.

The cluster is reached with the official client: the in-cluster ServiceAccount, else
``KUBECONFIG`` / ``~/.kube/config``. The API's ServiceAccount needs ``create``, ``get``
and ``delete`` on ``encodingjobs``.
"""

from __future__ import annotations

import logging
import time
from uuid import UUID

from django.conf import settings
from urllib3.exceptions import HTTPError

from api.core.kube import ApiException, ConfigException, Kube
from api.encoding.backends.base import EncodingBackend, report_failure
from api.encoding.models import EncodingJob
from podv5_contract.resources import API_VERSION, FINALIZER, LABEL_VIDEO

logger = logging.getLogger(__name__)

#: delays before the 2nd and 3rd attempts at creating the resource, seconds
SUBMIT_RETRY_DELAYS = (0.5, 2.0)


def resource_name(job_id: UUID) -> str:
    """The EncodingJob resource's name for an API job: ``ej-<uuid>`` (39 chars)."""
    return f"ej-{UUID(str(job_id))}"


def encodingjob_resource(job: EncodingJob, namespace: str) -> dict:
    """The custom resource (wire dict) for an API job: its spec is the job's spec."""
    return {
        "apiVersion": API_VERSION,
        "kind": "EncodingJob",
        "metadata": {
            "name": resource_name(job.id),
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/part-of": "pod-v5",
                "app.kubernetes.io/created-by": "pod-v5-api",
                LABEL_VIDEO: str(job.video_id),
            },
            # the operator's finalizer, set from the start: it would add it first thing
            # (one more write and watch round trip before the Job is made)
            "finalizers": [FINALIZER],
        },
        # no nulls: a null field makes the CEL rule `self == oldSelf` fail on every update
        # (even of metadata), and the operator could not even add its finalizer
        "spec": {key: value for key, value in job.spec.items() if value is not None},
    }


class KubernetesBackend(EncodingBackend):
    name = "kubernetes"

    def __init__(self) -> None:
        self.kube = Kube()  # the client is made on first use

    @property
    def namespace(self) -> str:
        return settings.ENCODING_NAMESPACE

    def submit(self, job_id: UUID) -> None:
        """Create the job's EncodingJob (idempotent). If the cluster can't be reached after
        ``SUBMIT_RETRY_DELAYS``, or refuses the resource, the job fails with reason
        ``backend_unavailable`` / ``backend_rejected`` rather than staying Pending."""
        job = EncodingJob.objects.get(id=job_id)
        body = encodingjob_resource(job, self.namespace)
        for attempt, delay in enumerate((*SUBMIT_RETRY_DELAYS, None), start=1):
            try:
                _obj, created = self.kube.create_encodingjob(body)
            except ApiException as exc:
                retryable = exc.status in (0, 429, 500, 502, 503, 504)
                problem, reason = f"HTTP {exc.status}: {exc.reason}", "backend_rejected"
            except (HTTPError, OSError) as exc:
                retryable, problem, reason = True, f"{type(exc).__name__}: {exc}", None
            except ConfigException as exc:  # no in-cluster account, no kubeconfig
                retryable, problem, reason = False, f"no cluster configuration: {exc}", None
            else:
                logger.info(
                    "job %s: EncodingJob %s/%s %s", job.id, self.namespace,
                    body["metadata"]["name"], "created" if created else "already exists",
                )  # fmt: skip
                return
            if retryable and delay is not None:
                logger.warning("job %s: attempt %d failed (%s)", job.id, attempt, problem)
                time.sleep(delay)
                continue
            logger.error("job %s: could not create its EncodingJob: %s", job.id, problem)
            report_failure(
                job_id=job.id,
                reason="backend_unavailable" if retryable or reason is None else reason,
                message=f"Could not create the EncodingJob resource: {problem}",
            )
            return

    def cancel(self, job_id: UUID) -> None:
        """Delete the job's EncodingJob (nothing if it is already gone)."""
        name = resource_name(job_id)
        try:
            self.kube.delete_encodingjob(self.namespace, name)
        except (ApiException, ConfigException, HTTPError, OSError):
            logger.exception("job %s: could not delete EncodingJob %s", job_id, name)

    def resume(self) -> int:
        """Nothing to resume here: the operator owns the work."""
        return 0
