"""The response envelope, applied to every JSON response of the API.

``{"status": "success"|"error", "data": ..., "errors": [{"code", "message", "field"?}]}``

- success bodies are wrapped by :class:`EnvelopeRenderer` (handlers return bare data);
- errors are built by :func:`error_body` (from our :class:`~api.core.errors.PodError`,
  Ninja's validation/HTTP errors and ninja-extra's ``APIException``);
- :func:`wrap_openapi` rewrites the OpenAPI document so it describes the envelope.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from api.core.errors import PodError

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
    """The envelope response of one of our errors, for plain Django views."""
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
    429: "throttled",
}


def _code_for(status: int) -> str:
    return _CODES.get(status, "internal_error" if status >= 500 else "error")


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


def wrap_openapi(schema: dict) -> dict:
    """Describe the envelope: wrap every JSON response schema, add 4XX/5XX errors."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorItem"] = _ERROR_ITEM
    components["ErrorEnvelope"] = _ERROR_ENVELOPE
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
            for code, text in (("4XX", "Client error."), ("5XX", "Server error.")):
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
    return schema


def empty_response(status: int = 204) -> HttpResponse:
    return HttpResponse(status=status)
