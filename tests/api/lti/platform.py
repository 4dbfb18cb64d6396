"""A real LTI 1.3 platform, as far as a tool can tell: its own RSA key, its JWKS served
over HTTP on loopback (``http.server`` in a thread), the OIDC login initiation it sends
the browser to, and the id_tokens it signs (PyJWT) and form-posts to the tool's launch
URL. The tests play the platform's side of each step; the tool (Pod) runs in Django's
live server and is reached over real HTTP."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = [
    ROLE + "Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
]
LEARNER = [ROLE + "Learner", "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"]
COURSE = {"id": "course-42", "label": "PHY101", "title": "Physics 101"}


class JwksServer:
    """Serves ``/jwks`` (the platform's JWK Set) until :meth:`stop`."""

    def __init__(self) -> None:
        self.jwks: dict = {"keys": []}
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                owner.requests += 1
                body = json.dumps(owner.jwks).encode()
                self.send_response(200 if self.path == "/jwks" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Platform:
    """A Moodle-like platform registered with the tool as (issuer, client_id, "1")."""

    issuer = "https://moodle.test"
    client_id = "pod-client-1"
    deployment_id = "1"
    auth_login_url = "https://moodle.test/mod/lti/auth.php"
    auth_token_url = "https://moodle.test/mod/lti/token.php"
    return_url = "https://moodle.test/mod/lti/contentitem_return.php?course=42"

    def __init__(self, jwks: JwksServer, tool_url: str) -> None:
        self.jwks_server, self.tool_url = jwks, tool_url
        self.key, self.kid = new_key(), "moodle-key-1"
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwks.jwks = {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def browser(self) -> httpx.Client:
        """A browser (cookies kept, redirects not followed: the test plays them)."""
        return httpx.Client(timeout=30, follow_redirects=False)

    def login(self, browser: httpx.Client, *, iss: str | None = None, hint: str = "u-1") -> dict:
        """The OIDC third-party initiated login: the browser goes to the tool's login URL,
        which must redirect to our auth URL; the auth request's parameters, as a dict."""
        response = browser.get(
            f"{self.tool_url}/lti/login/",
            params={
                "iss": iss or self.issuer,
                "login_hint": hint,
                "target_link_uri": f"{self.tool_url}/lti/launch/",
                "lti_message_hint": "msg-hint",
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
            },
        )
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(self.auth_login_url + "?")
        return dict(parse_qsl(urlsplit(location).query))

    def claims(
        self,
        auth: dict,
        *,
        sub: str = "u-1",
        roles=LEARNER,
        custom: dict | None = None,
        context: dict | None = COURSE,
        link_id: str = "rl-1",
        message_type: str = "LtiResourceLinkRequest",
        **extra,
    ) -> dict:
        """The claims of an id_token answering ``auth`` (LTI Core §5, Moodle's names)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": auth["nonce"],
            "given_name": "Ada",
            "family_name": "Lovelace",
            "name": "Ada Lovelace",
            "email": f"{sub}@moodle.test",
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": auth["redirect_uri"],
            CLAIM + "roles": list(roles),
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": link_id, "title": "Week 1 lecture"}
        else:
            claims[DL_CLAIM + "deep_linking_settings"] = {
                "deep_link_return_url": self.return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "data": "moodle-opaque-42",
            }
        if context:
            claims[CLAIM + "context"] = context
        if custom is not None:
            claims[CLAIM + "custom"] = custom
        claims.update(extra)
        return claims

    def sign(self, claims: dict, *, key=None, kid: str | None = None, alg: str = "RS256") -> str:
        return jwt.encode(claims, key or self.key, algorithm=alg, headers={"kid": kid or self.kid})

    def launch(self, browser: httpx.Client, auth: dict, id_token: str) -> httpx.Response:
        """The platform's auto-submitted form: POST id_token and state to redirect_uri."""
        form = {"id_token": id_token, "state": auth["state"]}
        return browser.post(auth["redirect_uri"], data=form)

    def full_launch(self, browser: httpx.Client, **claims) -> httpx.Response:
        auth = self.login(browser, hint=claims.get("sub", "u-1"))
        return self.launch(browser, auth, self.sign(self.claims(auth, **claims)))


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["code"]


def random_sub() -> str:
    return uuid.uuid4().hex[:12]
