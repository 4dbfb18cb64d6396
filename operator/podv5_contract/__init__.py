"""Pod V5's contract between the API, the operator and the worker programs.

The EncodingJob and LiveEvent specs and statuses (``spec``, ``live_spec``), the live
worker's spec (``live_worker``), the callback events and their signed delivery
(``events``, ``callbacks``), the outputs manifest (``outputs``), the custom resources'
names (``resources``), storage URIs and S3 settings (``storage``) and the request-id
logging helpers (``logs``).

This package imports nothing else of ours (checked by import-linter, see pyproject.toml),
and neither Django nor kopf.
"""
