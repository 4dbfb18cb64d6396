"""The API's HTTP server: gunicorn as process manager, uvicorn workers (one event loop
each, httptools parser) serving the ASGI application ``api.asgi:application``.

    gunicorn -c api/gunicorn_conf.py api.asgi:application -k api.serving.UvicornWorker \\
        --bind 127.0.0.1:8000 --workers 1 --timeout 30 --graceful-timeout 30 --keep-alive 5

Why: under threaded WSGI every connection that sends a partial request holds a thread;
a dozen anonymous slow clients starved the gthread workers and ``/healthz`` timed out.
On an event loop a waiting connection costs a socket and a few KiB; a request's sync
Django code gets its own thread only once its headers (and, but for tus bodies, its
body) have arrived. Every wait is bounded:

- headers: a connection that has not sent a whole header block
  ``REQUEST_HEADER_TIMEOUT_SECONDS`` after it opened (or after its previous request began)
  is answered 408 and closed (:class:`HeaderTimeoutProtocol`; uvicorn has no such timer);
- bodies: ``UPLOAD_BODY_STALL_SECONDS`` between two chunks (``api.asgi.BodyStallGuard``);
- idle keep-alive connections: gunicorn's ``--keep-alive`` seconds;
- a worker whose event loop stops answering for ``--timeout`` seconds is restarted by the
  master (uvicorn notifies it from the loop, so long uploads do not count);
- ``--graceful-timeout``: how long a stopping worker lets requests finish.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker as _UvicornWorker

_TIMEOUT_BODY = (
    b'{"status": "error", "data": null, "errors": [{"code": "request_timeout", '
    b'"message": "The request headers did not arrive in time."}]}'
)
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n"
) + _TIMEOUT_BODY


def header_timeout_seconds() -> float:
    """``REQUEST_HEADER_TIMEOUT_SECONDS`` (Django settings are loaded with the app)."""
    from django.conf import settings

    return float(getattr(settings, "REQUEST_HEADER_TIMEOUT_SECONDS", 10))


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol plus a header timer: armed when a connection opens
    and when a request begins, disarmed once its headers are complete. On expiry the
    client gets 408 (JSON envelope) and the connection is closed."""

    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(header_timeout_seconds(), self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._disarm()  # idle from here on: uvicorn's keep-alive timer takes over
        super().on_response_complete()


class UvicornWorker(_UvicornWorker):
    """gunicorn worker class (``-k api.serving.UvicornWorker``): uvloop, httptools with
    the header timer, no lifespan (Django has none), proxy headers left to Django's
    settings."""

    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": HeaderTimeoutProtocol,
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
    }
