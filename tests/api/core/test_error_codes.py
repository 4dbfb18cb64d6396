"""The stable error codes: one table (``api.core.errors.ERROR_CODES``) that every error
class and every ``code="..."`` in ``api/`` comes from, that docs/api.md documents and that
the OpenAPI schema lists with examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import api.urls  # noqa: F401  (imports every app's error classes)
from api.core.errors import ERROR_CODES, PodError

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "api.md"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


ERROR_CLASSES = {cls.__name__: cls for cls in [PodError, *_subclasses(PodError)]}


def _codes_given_in_source() -> list[tuple[str, str, int]]:
    """(code, where, status) of every ``SomeError(..., code="x")`` call in api/."""
    found = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            literal = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if (
                isinstance(node.func, ast.Name)
                and name == "error"
                and literal
                and isinstance(literal[0], str)
            ):
                found.append((literal[0], where, None))  # error(code, message)
            elif name == "json_error_response" and len(literal) >= 2:
                found.append((literal[1], where, literal[0]))  # (status, code, message)
            if name not in ERROR_CLASSES:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.append((keyword.value.value, where, ERROR_CLASSES[name].status))
    return found


@pytest.mark.parametrize("cls", ERROR_CLASSES.values(), ids=ERROR_CLASSES.keys())
def test_every_error_class_code_is_in_the_table(cls):
    assert cls.code in ERROR_CODES, f"{cls.__module__}.{cls.__name__}: add {cls.code!r}"
    assert ERROR_CODES[cls.code][0] == cls.status


def test_every_code_given_in_the_source_is_in_the_table():
    given = _codes_given_in_source()
    assert len(given) > 10  # the scan does see the code
    missing = [f"{code} ({where})" for code, where, _ in given if code not in ERROR_CODES]
    assert not missing, f"add to api.core.errors.ERROR_CODES: {missing}"
    wrong = [
        f"{code} ({where}): {status}, table says {ERROR_CODES[code][0]}"
        for code, where, status in given
        if status is not None and ERROR_CODES[code][0] != status
    ]
    assert not wrong


#: ``"code": "x"`` written out as JSON or a dict literal (the ASGI layers answer before
#: Django: api/serving.py's header timeout, api/asgi.py's body stall guard)
_JSON_CODE = re.compile(r"""["']code["']\s*:\s*["']([a-z_]+)["']""")


def test_codes_written_as_json_in_the_server_layers_are_in_the_table():
    written = {
        (code, str(path.relative_to(ROOT)))
        for path in sorted((ROOT / "api").rglob("*.py"))
        for code in _JSON_CODE.findall(path.read_text())
    }
    assert ("request_timeout", "api/serving.py") in written  # the scan does see them
    assert ("request_timeout", "api/asgi.py") in written
    missing = sorted(f"{code} ({where})" for code, where in written if code not in ERROR_CODES)
    assert not missing, f"add to api.core.errors.ERROR_CODES: {missing}"
    assert ERROR_CODES["request_timeout"][0] == 408


def test_fallback_codes_are_in_the_table():
    from api.core.envelope import _CODES

    assert {code: status for status, code in _CODES.items()}.items() <= {
        code: status for code, (status, _) in ERROR_CODES.items()
    }.items()


def test_docs_table_matches_the_codes():
    rows = re.findall(r"^\|\s*(\d{3})\s*\|\s*`([a-z_]+)`\s*\|", DOC.read_text(), re.MULTILINE)
    documented = {code: int(status) for status, code in rows}
    assert documented == {code: status for code, (status, _) in ERROR_CODES.items()}


def test_openapi_lists_every_code_with_an_example(anon):
    schema = anon.get("/api/openapi.json").json()
    description = schema["components"]["schemas"]["ErrorItem"]["properties"]["code"]["description"]
    examples = schema["components"]["examples"]
    for code, (status, _) in ERROR_CODES.items():
        assert f"`{code}` ({status})" in description
        value = examples[f"error_{code}"]["value"]
        assert value["status"] == "error" and value["errors"][0]["code"] == code


def test_openapi_operations_document_their_errors(anon):
    schema = anon.get("/api/openapi.json").json()
    unlock = schema["paths"]["/api/v1/videos/{video_id}/unlock"]["post"]["responses"]
    assert "#/components/examples/error_wrong_password" in str(unlock["403"])
    assert "#/components/examples/error_not_found" in str(unlock["404"])
    assert "#/components/examples/error_validation_error" in str(unlock["422"])
    assert "#/components/examples/error_rate_limited" in str(unlock["429"])
    pair = schema["paths"]["/api/v1/auth/token/pair"]["post"]["responses"]
    assert {"401", "422", "429"} <= set(pair)
    refresh = schema["paths"]["/api/v1/auth/token/refresh"]["post"]["responses"]
    assert {"error_token_not_valid", "error_token_revoked"} <= set(
        refresh["401"]["content"]["application/json"]["examples"]
    )
    me = schema["paths"]["/api/v1/users/me"]["get"]["responses"]
    assert "error_not_authenticated" in me["401"]["content"]["application/json"]["examples"]
    # every operation documents 4XX and 5XX with the envelope, and at least one example
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert {"4XX", "5XX"} <= set(responses), (method, path)
            assert "examples" in str(responses), (method, path)
