"""Schemathesis against ``/api/openapi.json``: every operation, anonymous and as a real
user (bearer token), with a bounded number of generated requests (deterministic: same
cases on every run). Checks: no 5xx, every response matches the documented schema and
status codes, and its Content-Type.

The schema is loaded from the Django app in-process (WSGI), so the requests run inside
the test's database transaction. Not in the schema, hence not fuzzed here: the tus
endpoints (``/api/v1/uploads/``: the tus protocol, binary bodies, tested in
tests/api/uploads/) and media files (``/media/``, tested in tests/api/playback/). The
internal signed callback is in the schema and fuzzed: it must answer 401
(``invalid_signature``), never 5xx.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests.api.factories import make_video
from tests.conftest import bearer

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 6


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's real WSGI handler closes the database connection after each request (as
    in production); inside a test transaction that must not happen (Django's test client
    does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def owner(db, user):
    """A real uploader (bearer token) and a ready public video of theirs."""
    return bearer(user), make_video(user, title="Fuzzed")


#: the coverage phase also sends methods the path does not declare (405 expected): two
#: of them are enough to cover that path, and keep the run short
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"unexpected-methods": ["delete", "put"]}}}
)
#: loaded at collection (no database needed to build the schema); one test per operation
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, owner):
    token, video = owner
    # anonymous, with the generated parameters (mostly unknown ids: 404)
    case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
    case.call_and_validate(checks=CHECKS)
    # the owner, on their real video when the path names one, so the generated bodies
    # and query strings reach the services rather than stopping at a 404
    if "video_id" in (case.path_parameters or {}):
        case.path_parameters["video_id"] = str(video.id)
    case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)
