"""Swagger UI at /api/docs works offline and under a ``script-src 'self'`` CSP: the page's
scripts, stylesheets and icons all come from this server, which answers each with 200 and
its type, under the real serving stack (the image's gunicorn command with ``DEBUG`` off,
and the embedded default's ``DEBUG=1``). Nothing executable is inline."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.deploy.test_entrypoints import command, free_port, image_env, start, stop, wait_http

TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
    ".png": ("image/png",),
}


class Assets(HTMLParser):
    """The URLs a browser fetches for the page (scripts, stylesheets, icons), and the
    types of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_script_types: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "script":
            self.inline_script_types.append(attrs.get("type") or "text/javascript")
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in ("img", "iframe") and attrs.get("src"):
            self.urls.append(attrs["src"])


@pytest.fixture(params=["0", "1"], ids=["image-cmd", "embedded-debug"])
def gunicorn_api(request, tmp_path):
    """The API under the api image's CMD (gunicorn, uvicorn workers) on a free port."""
    port = free_port()
    argv = command("api", "CMD", 8000, port)
    argv = [a.replace("--worker-tmp-dir=/tmp", f"--worker-tmp-dir={tmp_path}") for a in argv]
    argv = [a.replace("--workers=2", "--workers=1") for a in argv]
    environ = image_env(
        "api", tmp_path,
        DEBUG=request.param, SECRET_KEY="docs-test", POD_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost", CALLBACK_SIGNING_SECRET="whsec_" + "A" * 32,
    )  # fmt: skip
    log = tmp_path / "api.log"
    proc = start(argv, environ, log)
    try:
        assert wait_http(f"http://127.0.0.1:{port}/healthz", proc, log) == 200
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_swagger_ui_assets_come_from_this_server(gunicorn_api):
    with httpx.Client(timeout=30) as http:
        page = http.get(f"{gunicorn_api}/api/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = Assets()
        assets.feed(page.text)
        urls = [urljoin(f"{gunicorn_api}/api/docs", url) for url in assets.urls]
        assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
        # inline <script> blocks are data only: a script-src 'self' CSP runs the page
        assert set(assets.inline_script_types) <= {"application/json"}
        for url in urls:
            assert urlsplit(url).netloc == urlsplit(gunicorn_api).netloc, url
            response = http.get(url)
            assert response.status_code == 200, (url, response.text[:200])
            suffix = "." + urlsplit(url).path.rsplit(".", 1)[-1]
            content_type = response.headers["content-type"].split(";")[0].strip()
            assert content_type in TYPES[suffix], (url, content_type)
            assert len(response.content) > 100
            assert (
                http.get(
                    url, headers={"If-Modified-Since": response.headers["last-modified"]}
                ).status_code
                == 304
            )
        # the schema the page loads
        assert http.get(f"{gunicorn_api}/api/openapi.json").json()["info"]["title"]
        # and nothing else is served from the static folders
        for missing in ("/static/ninja/", "/static/ninja/nope.js", "/static/../api/settings.py"):
            assert http.get(f"{gunicorn_api}{missing}").status_code == 404
