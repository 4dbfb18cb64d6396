"""Every response is the JSON envelope, errors included; OpenAPI describes it."""

import pytest

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["data"] is None
    assert body["errors"][0]["code"] == code
    return body


def test_unknown_url_is_json_404(anon):
    assert_error(anon.get("/no/such/page"), 404, "not_found")
    assert_error(anon.get("/api/v1/no-such-endpoint"), 404, "not_found")


def test_unknown_url_is_json_404_in_debug_too(anon, settings):
    settings.DEBUG = True
    assert_error(anon.get("/api/v1/no-such-endpoint"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(alice):
    body = assert_error(alice.put("/api/v1/users/me"), 405, "method_not_allowed")
    assert "GET" in body["errors"][0]["message"]


def test_missing_auth_is_401_with_code(anon):
    response = anon.get("/api/v1/videos")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_forged_token_is_401(client_for):
    response = client_for(HTTP_AUTHORIZATION="Bearer not.a.jwt").get("/api/v1/videos")
    assert_error(response, 401, "token_not_valid")


def test_validation_error_names_the_field(alice):
    body = assert_error(alice.post_json("/api/v1/videos", {"title": ""}), 422, "validation_error")
    assert body["errors"][0]["field"] == "title"


def test_unparsable_body_is_400(alice):
    response = alice.post("/api/v1/videos", "{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_uncaught_exception_is_json_500(alice, monkeypatch):
    # the one stand-in here: a selector made to crash, to see the 500 path's answer
    from api.videos import api as videos_api

    def boom(**kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(videos_api.selectors, "video_list_own", boom)
    body = assert_error(alice.get("/api/v1/videos"), 500, "internal_error")
    assert "kaput" not in str(body)


def test_success_envelope(alice, user):
    response = alice.get("/api/v1/users/me")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "errors": [],
        "data": {
            "id": user.id,
            "username": "alice",
            "email": "alice@example.org",
            "first_name": "",
            "last_name": "",
            "affiliation": "",
            "establishment": "",
            "role": "uploader",
            "can_upload": True,
            "is_staff": False,
            "access_groups": [],
            "quota": {"used_bytes": 0, "limit_bytes": None},
        },
    }


def test_openapi_describes_the_envelope(anon):
    schema = anon.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/videos/{video_id}"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["required"] == ["status", "data", "errors"]
    assert ok["properties"]["data"]["$ref"].endswith("/VideoOut")
    error = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "ErrorItem" in schema["components"]["schemas"]
    assert "/api/v1/auth/token/pair" in schema["paths"]


def test_swagger_ui_is_served(anon):
    response = anon.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/openapi.json" in response.content


def test_jwt_pair_refresh_verify(anon, user):
    pair = anon.post_json(
        "/api/v1/auth/token/pair", {"username": "alice", "password": "pw-alice-1"}
    )
    assert pair.status_code == 200
    tokens = pair.json()["data"]
    assert {"access", "refresh"} <= set(tokens)
    refreshed = anon.post_json("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200 and refreshed.json()["data"]["access"]
    assert (
        anon.post_json("/api/v1/auth/token/verify", {"token": tokens["access"]}).status_code == 200
    )
    me = anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.json()["data"]["username"] == "alice"


def test_jwt_wrong_password_is_401(anon, user):
    response = anon.post_json("/api/v1/auth/token/pair", {"username": "alice", "password": "nope"})
    assert_error(response, 401, "authentication_failed")
