"""Behind a TLS-terminating proxy: the proxy's ``X-Forwarded-Proto: https`` gives https://
URLs (tus Location, upload instructions, player config) only when the proxy is trusted;
PUBLIC_BASE_URL fixes the URLs' origin whatever the request's Host; HSTS on https.

The URL tests run against the live server with httpx: the peer is 127.0.0.1, which the
tests trust (the chart's ingress) or not (a client on the internet)."""

from __future__ import annotations

import base64

import httpx
import pytest
from django.test import Client

from tests.api.factories import make_video
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

HTTPS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def absolute_urls(server_url: str, user, headers: dict[str, str]) -> list[str]:
    """The absolute URLs a front end gets: the upload instructions of a new video, the
    tus Location of its upload, the player config of a ready video."""
    auth = {"Authorization": bearer(user), **headers}
    with httpx.Client(base_url=server_url, headers=auth, timeout=30) as http:
        created = http.post("/api/v1/videos", json={"title": "Behind TLS"})
        assert created.status_code == 201, created.text
        video = created.json()["data"]
        tus = http.post(
            "/api/v1/uploads/",
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "1000",
                "Upload-Metadata": f"video {b64(video['id'])},filename {b64('clip.mp4')}",
            },
        )
        assert tus.status_code == 201, tus.text
        ready = make_video(user)
        player = http.get(f"/api/v1/videos/{ready.id}/player").json()["data"]
    return [video["upload"]["url"], tus.headers["Location"], player["hls"]["url"], player["poster"]]


@pytest.fixture
def proxied(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_HOPS = 1
    return settings


def test_https_urls_behind_a_trusted_tls_proxy(live_server, user, proxied):
    proxied.TRUSTED_PROXY_CIDRS = ["127.0.0.1/32"]
    urls = absolute_urls(live_server.url, user, HTTPS_PROXY)
    host = live_server.url.removeprefix("http://")
    assert all(url.startswith(f"https://{host}/") for url in urls), urls


def test_an_untrusted_clients_forwarded_proto_is_ignored(live_server, user, proxied):
    proxied.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]  # the proxy; 127.0.0.1 is not it
    urls = absolute_urls(live_server.url, user, HTTPS_PROXY)
    assert all(url.startswith(f"{live_server.url}/") for url in urls), urls


def test_public_base_url_sets_the_origin_of_every_absolute_url(live_server, user, settings):
    settings.PUBLIC_BASE_URL = "https://pod.example.org"
    urls = absolute_urls(live_server.url, user, {})
    assert all(url.startswith("https://pod.example.org/api/v1/") for url in urls[:2]), urls
    assert all(url.startswith("https://pod.example.org/media/") for url in urls[2:]), urls


def test_hsts_and_secure_cookies_over_https_from_the_proxy(proxied):
    proxied.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    proxied.SECURE_HSTS_SECONDS = 31536000
    proxied.CSRF_COOKIE_SECURE = True
    behind = Client(REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_PROTO="https")
    response = behind.get("/api/v1/auth/csrf")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["csrftoken"]["secure"] is True
    # a direct client claiming https gets no HSTS (its request is plain http)
    direct = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in direct.get("/api/v1/auth/csrf")


def test_ssl_redirect_spares_the_workers_callbacks(proxied):
    proxied.SECURE_SSL_REDIRECT = True
    plain = Client(REMOTE_ADDR="203.0.113.5")
    response = plain.get("/api/v1/catalog/videos")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    # workers post callbacks over the cluster's plain http: answered, not redirected
    assert plain.post("/api/v1/internal/callbacks", "{}", "application/json").status_code == 401
