"""Pod V5 media operator: the EncodingJob/LiveEvent spec, kopf handlers and the worker programs.

This package must not import Django: the workers run inside pods with only their spec,
storage access and the callback secret.

``kopf run -m media_operator`` imports this package to load the operator: the handlers
are registered only when kopf is already loaded (it is, by the ``kopf`` command and by
``media_operator.operator.main``), so that the workers (``podv5_media``) and the
API, which import this package too, stay light and never need a cluster or kopf.
"""

import sys

if "kopf" in sys.modules:  # pragma: no branch - imported by the kopf CLI
    from media_operator import handlers  # noqa: F401
