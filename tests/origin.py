"""A real HTTP(S) server on a loopback address for the URL import tests: the "remote"
site a video is imported from (a media file, a fake-but-real PeerTube API, a BigBlueButton
playback folder).

``Origin(host)`` serves ``routes``: a path → :class:`Route` (a body with its headers, a
redirect, a body streamed without end or length, a stall), and records every request
(path, ``Host`` header, bytes sent) in ``requests``. ``https=True`` serves TLS with a
certificate for ``names`` signed by a throwaway CA (``ca_file``), made with
``cryptography``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    """What a path answers: ``body`` (with ``status``, ``headers``), ``redirect`` (a
    Location, with ``status`` 302 by default), ``endless`` (chunks of ``body`` forever,
    no Content-Length) or ``stall`` (headers, then silence for that many seconds).
    ``content_length``: announce this instead of the body's length (a lie, or a big one)."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    redirect: str | None = None
    endless: bool = False
    stall: float = 0.0
    content_length: int | None = None

    @classmethod
    def json(cls, document) -> Route:
        return cls(json.dumps(document).encode(), headers={"Content-Type": "application/json"})

    @classmethod
    def file(cls, path: Path, content_type: str = "video/mp4") -> Route:
        return cls(Path(path).read_bytes(), headers={"Content-Type": content_type})


@dataclass
class Seen:
    """A request received: its path and Host header, the body bytes written back, and
    whether the client hung up while the body was being sent."""

    path: str
    host: str
    sent: int = 0
    hung_up: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, family):
        self.address_family = family
        super().__init__(address, handler)


class Origin:
    """A running server (use as a context manager, or ``start``/``stop``)."""

    def __init__(self, host: str = "127.0.0.1", *, https: bool = False, names=(), tmp=None):
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.https = https
        self.ca_file: Path | None = None
        self._lock = threading.Lock()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.server = _Server((host, 0), self._handler(), family)
        if https:
            self.ca_file, context = _tls(tmp, list(names) or ["localhost"])
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        host = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{'https' if self.https else 'http'}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests]

    def start(self) -> Origin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Origin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler(self):
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server naming)
                seen = Seen(path=self.path, host=self.headers.get("Host", ""))
                with origin._lock:
                    origin.requests.append(seen)
                    route = origin.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    return self._answer(404, b"not found", {})
                if route.redirect is not None:
                    status = route.status if route.status != 200 else 302
                    return self._answer(status, b"", {"Location": route.redirect})
                if route.endless:
                    return self._endless(route, seen)
                headers = dict(route.headers)
                if route.stall:
                    self.send_response(route.status)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    time.sleep(route.stall)
                    return
                length = route.content_length
                self._answer(route.status, route.body, headers, length=length, seen=seen)

            def _answer(self, status, body, headers, *, length=None, seen=None):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(body)
                    if seen is not None:
                        seen.sent = len(body)
                except OSError:
                    pass

            def _endless(self, route, seen):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = route.body or b"\0" * 65536
                try:
                    for _ in range(100_000):  # bounded: 6.5 GB at most, never reached
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        seen.sent += len(chunk)
                except OSError:  # the client hung up: what the test wants
                    seen.hung_up = True

            def log_message(self, *args):
                pass

        return Handler


def _tls(tmp: Path, names: list[str]) -> tuple[Path, ssl.SSLContext]:
    """A CA (its certificate written to ``tmp``/ca.pem) and a server context whose
    certificate, signed by it, is valid for ``names`` (DNS names or IP addresses)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, key, signer, *, ca: bool, sans=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Pod test CA", "Pod test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    sans = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    cert = build(names[0], "Pod test CA", key, ca_key, ca=False, sans=sans)
    tmp = Path(tmp)
    ca_file = tmp / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain = tmp / "server.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return ca_file, context
