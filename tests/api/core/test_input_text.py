"""Text a client sends never reaches the database with NUL or control characters.

PostgreSQL text columns cannot hold NUL (psycopg raises ``DataError``: a 500), so every
string input of the API (JSON bodies, forms, query strings) carries a pattern that refuses
it (``api.core.fields.line`` / ``text``). The first test checks the class on the OpenAPI
document (a new string input without the pattern fails it); the others send NUL and
control characters to real endpoints and expect a 422 envelope naming the field.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection

from api.v1 import api
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db
ON_POSTGRES = connection.vendor == "postgresql"

#: string formats that are parsed before anything is stored
_PARSED_FORMATS = {"uuid", "date-time", "date", "binary", "uri"}


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _strings(schema: dict, components: dict, path: str, seen=()):
    """(dotted path, string schema) of every string a schema accepts."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return
        seen = (*seen, name)
    schema = _resolve(schema, components)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _strings(sub, components, path, seen)
    if schema.get("type") == "string":
        yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _strings(sub, components, f"{path}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _strings(schema["items"], components, f"{path}[]", seen)


def _string_inputs():
    doc = api.get_openapi_schema()
    components = doc["components"]["schemas"]
    for url, methods in doc["paths"].items():
        for method, op in methods.items():
            where = f"{method.upper()} {url}"
            for param in op.get("parameters", []):
                if param["in"] == "query":
                    yield from _strings(param["schema"], components, f"{where} {param['name']}")
            for media in op.get("requestBody", {}).get("content", {}).values():
                yield from _strings(media["schema"], components, f"{where} body")


def test_every_string_input_refuses_nul_and_controls():
    missing = []
    for where, schema in _string_inputs():
        if "enum" in schema or schema.get("format") in _PARSED_FORMATS:
            continue
        pattern = schema.get("pattern")
        if pattern is None or any(re.search(pattern, f"a{c}b") for c in ("\x00", "\x1b")):
            missing.append(where)
    assert missing == [], f"string inputs that accept NUL/controls: {missing}"


def _bad_text_cases(user, video):
    """(method, url, body, field) with a NUL; across apps and endpoints."""
    nul = "a\x00b"
    return [
        ("patch", "/api/v1/users/me", {"first_name": nul}, "first_name"),
        ("patch", "/api/v1/users/me", {"last_name": "x\x1by"}, "last_name"),
        ("patch", "/api/v1/users/me", {"email": f"{nul}@example.org"}, "email"),
        ("post", "/api/v1/auth/token/pair", {"username": nul, "password": "x"}, "username"),
        ("post", "/api/v1/videos", {"title": nul}, "title"),
        ("post", "/api/v1/videos", {"title": "t", "description": nul}, "description"),
        ("post", "/api/v1/videos", {"title": "t", "tags": [nul]}, "tags.0"),
        ("patch", f"/api/v1/videos/{video.id}", {"additional_owners": [nul]}, None),
        ("post", "/api/v1/playlists", {"title": "p", "collaborators": [nul]}, None),
        ("post", "/api/v1/channels", {"title": "c", "members": [nul]}, None),
        ("post", f"/api/v1/videos/{video.id}/comments", {"text": nul}, "text"),
        ("post", f"/api/v1/videos/{video.id}/chapters", {"title": nul, "start": 0}, "title"),
    ]


@pytest.mark.skipif(not ON_POSTGRES, reason="NUL in text columns fails on PostgreSQL only")
def test_nul_in_text_fields_is_a_422_on_postgresql(user, alice):
    video = make_video(user)
    for method, url, body, field in _bad_text_cases(user, video):
        response = getattr(alice, f"{method}_json")(url, body)
        assert response.status_code == 422, (url, body, response.content)
        errors = response.json()["errors"]
        assert errors[0]["code"] == "validation_error"
        if field:
            assert errors[0]["field"] == field, (url, errors)


def test_nul_in_a_track_label_and_a_query_is_a_422(user, alice):
    video = make_video(user)
    upload = alice.post(
        f"/api/v1/videos/{video.id}/tracks",
        {"lang": "fr", "kind": "subtitles", "label": "x\x00y", "file": _vtt()},
    )
    assert upload.status_code == 422, upload.content
    assert upload.json()["errors"][0]["field"] == "label"
    for url in ("/api/v1/videos?q=a%00b", "/api/v1/tags?q=a%00", "/api/v1/playlists?owner=%00"):
        response = alice.get(url)
        assert response.status_code == 422, (url, response.content)


def _vtt():
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n"
    return SimpleUploadedFile("a.vtt", body, content_type="text/vtt")


def test_user_names_keep_their_text(alice):
    """What the checks let through is stored as sent (stripped), accents and all."""
    response = alice.patch_json("/api/v1/users/me", {"first_name": "  Zoë ", "last_name": "Ñ"})
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["data"]["first_name"] == "Zoë"
