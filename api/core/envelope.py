"""The response envelope, applied to every JSON response of the API.

``{"status": "success"|"error", "data": ..., "errors": [{"code", "message", "field"?}]}``

- success bodies are wrapped by :class:`EnvelopeRenderer` (handlers return bare data);
- errors are built by :func:`error_body` (from our :class:`~api.core.errors.PodError`,
  Ninja's validation/HTTP errors and ninja-extra's ``APIException``);
- :func:`wrap_openapi` rewrites the OpenAPI document so it describes the envelope.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from api.core.errors import ERROR_CODES, PodError

logger = logging.getLogger(__name__)


class ErrorBody(dict):
    """An already enveloped error body: the renderer passes it through."""


def error_body(errors: list[dict]) -> ErrorBody:
    return ErrorBody(status="error", data=None, errors=errors)


def error(code: str, message: str, field: str | None = None) -> dict:
    item = {"code": code, "message": message}
    if field:
        item["field"] = field
    return item


def success_body(data: Any) -> dict:
    return {"status": "success", "data": data, "errors": []}


def pod_error_response(exc: PodError, headers: dict | None = None) -> JsonResponse:
    """The envelope response of one of our errors, for plain Django views; a
    RateLimited error gets its ``Retry-After`` header."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after), **(headers or {})}
    response = JsonResponse(
        error_body([exc.as_error()]), status=exc.status, encoder=NinjaJSONEncoder
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def json_error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body([error(code, message)]), status=status)


class EnvelopeRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        if not isinstance(data, ErrorBody):
            if response_status >= 400:
                # an error body that did not come through our handlers: keep its text
                detail = data.get("detail") if isinstance(data, dict) else data
                data = error_body([error(_code_for(response_status), str(detail))])
            else:
                data = success_body(data)
        return super().render(request, data, response_status=response_status)


_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media",
    422: "validation_error",
    429: "rate_limited",
}


def _code_for(status: int) -> str:
    return _CODES.get(status, "internal_error" if status >= 500 else "error")


def django_error(exc: Exception) -> tuple[int, dict] | None:
    """``(HTTP status, envelope error)`` for the request errors Django raises while reading
    a request (Ninja handlers and plain views alike), or None for anything else (a 500):

    - ``RequestDataTooBig`` (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, read by
      ``request.body``/``request.POST``): 413 ``payload_too_large``;
    - ``TooManyFieldsSent``/``TooManyFilesSent`` (``DATA_UPLOAD_MAX_NUMBER_FIELDS``/
      ``_FILES``): 413 ``payload_too_large``;
    - other ``SuspiciousOperation`` and ``BadRequest``: 400 ``bad_request``;
    - ``PermissionDenied``: 403 ``permission_denied``.

    Messages are fixed texts: nothing of the request is echoed."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, error("payload_too_large", f"The request body is over {limit} bytes.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 413, error("payload_too_large", "The request has too many fields or files.")
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return 400, error("bad_request", "Bad request.")
    if isinstance(exc, PermissionDenied):
        return 403, error("permission_denied", "Permission denied.")
    return None


def validation_errors(ninja_errors: list[dict]) -> list[dict]:
    """Ninja/pydantic validation errors → envelope errors with a dotted ``field``."""
    items = []
    for err in ninja_errors:
        loc = [str(part) for part in err.get("loc", ())]
        # ("body", "<param name>", "title") → "title"; ("query", "limit") → "limit"
        if loc and loc[0] == "body" and len(loc) > 2:
            loc = loc[2:]
        elif loc:
            loc = loc[1:]
        items.append(
            error("validation_error", err.get("msg", "Invalid value."), ".".join(loc) or None)
        )
    return items or [error("validation_error", "Invalid input.")]


# --- OpenAPI -------------------------------------------------------------------------

_ERROR_ITEM = {
    "title": "ErrorItem",
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code."},
        "message": {"type": "string", "description": "Human-readable explanation."},
        "field": {"type": "string", "description": "Input field at fault, dotted path."},
    },
}
_ERROR_ENVELOPE = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["status", "data", "errors"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "data": {"type": "null"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}},
    },
}


def _success_schema(data_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["status", "data", "errors"],
        "properties": {
            "status": {"type": "string", "enum": ["success"]},
            "data": data_schema,
            "errors": {"type": "array", "maxItems": 0, "items": {}},
        },
    }


#: statuses every operation of a kind may answer, with the codes shown as examples
_AUTH_CODES = ("not_authenticated", "token_not_valid")
_CODE_IN_TEXT = re.compile(r"``([a-z_]+)``|`([a-z_]+)`")


def _example_name(code: str) -> str:
    return f"error_{code}"


def _error_examples() -> dict:
    """One reusable example per stable code (``components/examples``)."""
    return {
        _example_name(code): {
            "summary": f"{status} {code}",
            "value": error_body([error(code, meaning)]),
        }
        for code, (status, meaning) in ERROR_CODES.items()
    }


def _codes_of(operation: dict) -> set[str]:
    """Error codes an operation may answer: from its description (``code``), its
    security (401), its parameters (404 for a path, 422 for any input), plus 500."""
    text = f"{operation.get('summary', '')} {operation.get('description', '')}"
    codes = {a or b for a, b in _CODE_IN_TEXT.findall(text)} & ERROR_CODES.keys()
    if operation.get("security"):
        codes.update(_AUTH_CODES)
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" for p in parameters):
        codes.add("not_found")
    if parameters or operation.get("requestBody"):
        codes.add("validation_error")
    codes.add("internal_error")
    return codes


def _error_response(description: str, codes: list[str]) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"},
                "examples": {
                    _example_name(c): {"$ref": f"#/components/examples/{_example_name(c)}"}
                    for c in codes
                },
            }
        },
    }


def _code_description() -> str:
    lines = ["Stable machine-readable code; clients may switch on it:"]
    lines += [
        f"- `{code}` ({status}): {meaning}" for code, (status, meaning) in ERROR_CODES.items()
    ]
    return "\n".join(lines)


def wrap_openapi(schema: dict) -> dict:
    """Describe the envelope: wrap every JSON response schema; document the error
    statuses each operation may answer, with an example per stable code
    (``api.core.errors.ERROR_CODES``), plus catch-all 4XX/5XX."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ErrorItem"] = {
        **_ERROR_ITEM,
        "properties": {
            **_ERROR_ITEM["properties"],
            "code": {"type": "string", "description": _code_description()},
        },
    }
    schemas["ErrorEnvelope"] = _ERROR_ENVELOPE
    components.setdefault("examples", {}).update(_error_examples())
    error_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                content = response.get("content", {}).get("application/json")
                if content is None:
                    continue
                if str(code).startswith(("4", "5")):
                    content["schema"] = error_ref
                else:
                    content["schema"] = _success_schema(content.get("schema", {}))
            by_status: dict[int, list[str]] = {}
            for code in sorted(_codes_of(operation)):
                by_status.setdefault(ERROR_CODES[code][0], []).append(code)
            for status, codes in sorted(by_status.items()):
                documented = responses.get(str(status))
                if documented is None:
                    text = HTTPStatus(status).phrase if status in _HTTP_STATUSES else "Error."
                    responses[str(status)] = _error_response(text, codes)
                else:
                    content = documented.setdefault("content", {}).setdefault(
                        "application/json", {"schema": error_ref}
                    )
                    content["schema"] = error_ref
                    content.setdefault("examples", {}).update(
                        _error_response("", codes)["content"]["application/json"]["examples"]
                    )
            for code, text in (("4XX", "Client error."), ("5XX", "Server error.")):
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
    return schema


_HTTP_STATUSES = {s.value for s in HTTPStatus}


def empty_response(status: int = 204) -> HttpResponse:
    return HttpResponse(status=status)
