"""ASGI entry point: ``api.asgi:application``, served by gunicorn with the uvicorn worker
of :mod:`api.serving` (see ``make serve``, the Dockerfile and the chart).

Two layers around Django's :class:`~django.core.handlers.asgi.ASGIHandler`:

- :class:`BodyStallGuard` bounds how long a request body may stall between two chunks
  (``UPLOAD_BODY_STALL_SECONDS``): past it the application sees the client as gone
  (``http.disconnect``) and the client gets ``408 request_timeout`` in the JSON error
  envelope with ``Connection: close``. A tus PATCH cut that way keeps the bytes that
  arrived (its offset says how many).
- :class:`PodASGIHandler` streams tus bodies (``POST``/``PATCH`` of
  ``application/offset+octet-stream`` under ``/api/v1/uploads/``) from the ASGI receive
  channel straight into the upload: Django would first copy the whole body into a
  temporary file, a second copy of a possibly multi-GiB body on disk. Other requests
  are read as Django does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import os
import threading
import time
from collections import deque

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

TUS_PREFIX = "/api/v1/uploads/"
TUS_CONTENT_TYPE = b"application/offset+octet-stream"
#: what a read of the streamed body gathers before waking the view's thread, bytes
PULL_BYTES = 4 * 1024 * 1024

_streaming: contextvars.ContextVar[StreamingBody | None] = contextvars.ContextVar(
    "tus_streaming_body", default=None
)


class StreamingBody:
    """A read-only binary file over an ASGI ``receive`` channel, read from a sync thread
    (the view's) while the channel lives on the event loop ``loop``.

    ``read(n)`` returns up to ``n`` bytes (all remaining with ``n`` < 0), ``b""`` at the
    end of the body; it raises :class:`OSError` once the client is gone (disconnect, or
    a stall cut by :class:`BodyStallGuard`) — what a socket read does under WSGI. While
    the caller writes what it got, the loop already gathers the next :data:`PULL_BYTES`
    (at most about two pulls are held in memory). :meth:`read_parts` gives the pieces as
    received, without joining them.
    """

    def __init__(self, receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive, self._loop = receive, loop
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._prefetch: concurrent.futures.Future | None = None
        self.finished = asyncio.Event()  # the body ended (complete or cut)
        self.disconnected = False

    async def _pull(self, want: int) -> None:
        """(loop) Receive messages until ``want`` bytes are held or the body ends."""
        while self._buffered < want and not self.finished.is_set():
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                self.finished.set()
                break
            body = message.get("body", b"")
            if body:
                self._chunks.append(body)
                self._buffered += len(body)
            if not message.get("more_body", False):
                self.finished.set()

    def _wait(self, want: int) -> None:
        """(thread) Until ``want`` bytes are held or the body ended; no pull runs after."""
        if self._prefetch is not None:
            self._prefetch.result()
            self._prefetch = None
        if self._buffered < want and not self.finished.is_set():
            asyncio.run_coroutine_threadsafe(self._pull(want), self._loop).result()

    def _take(self, size: int) -> list[bytes]:
        parts, taken = [], 0
        while self._chunks and taken < size:
            chunk = self._chunks[0]
            if taken + len(chunk) <= size:
                parts.append(self._chunks.popleft())
                taken += len(chunk)
            else:
                parts.append(chunk[: size - taken])
                self._chunks[0] = chunk[size - taken :]
                taken = size
        self._buffered -= taken
        return parts

    def read(self, size: int = -1) -> bytes:
        return b"".join(self.read_parts(size))

    def read_parts(self, size: int = -1) -> list[bytes]:
        """Like :meth:`read`, as the received pieces (no copy: for ``os.pwritev``)."""
        if size is None or size < 0:
            self._wait(2**62)
            size = self._buffered
        else:
            self._wait(size)
        if not self._buffered and self.disconnected:
            raise OSError("the client went away before the end of the body")
        data = self._take(size)
        if not self.finished.is_set():  # gather the next piece while the caller writes
            self._prefetch = asyncio.run_coroutine_threadsafe(self._pull(PULL_BYTES), self._loop)
        return data

    async def _write_to(self, fd: int, position: int, limit: int, deadline: float, hasher) -> int:
        """(loop) :meth:`write_to`'s work."""
        if self._prefetch is not None:  # a read_parts() before: let its pull end first
            await asyncio.wrap_future(self._prefetch)
            self._prefetch = None
        done = 0
        while done < limit and time.monotonic() < deadline:
            if self._chunks:
                piece = self._chunks.popleft()
                self._buffered -= len(piece)
            elif self.finished.is_set():
                break
            else:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    self.disconnected = True
                    self.finished.set()
                    break
                if not message.get("more_body", False):
                    self.finished.set()
                piece = message.get("body", b"")
                if not piece:
                    continue
                if time.monotonic() >= deadline:  # arrived past the deadline: kept for later
                    self._chunks.append(piece)
                    self._buffered += len(piece)
                    break
            if len(piece) > limit - done:
                rest = piece[limit - done :]
                self._chunks.appendleft(rest)
                self._buffered += len(rest)
                piece = piece[: limit - done]
            _pwrite(fd, piece, position + done)
            if hasher is not None:
                hasher.update(piece)
            done += len(piece)
        return done

    def write_to(
        self, fd: int, position: int, limit: int, deadline: float, hasher=None
    ) -> tuple[int, bool]:
        """(thread) Write the body's next bytes, at most ``limit``, to ``fd`` at
        ``position`` as they arrive, and feed them to ``hasher`` (if any); stops at the
        end of the body or at ``time.monotonic()`` ``deadline`` (a piece arriving later
        is kept for the next call, unwritten). Returns (bytes written, the body ended).

        The event loop writes each piece as it is received (``os.pwrite`` of at most a
        read buffer, a page-cache copy well under a millisecond), while the piece is
        still in the CPU cache: gathering megabytes for a thread to write costs several
        times more on a memory-bound machine (bench/tus_vs_tusd.py)."""
        done = asyncio.run_coroutine_threadsafe(
            self._write_to(fd, position, limit, deadline, hasher), self._loop
        ).result()
        return done, self.finished.is_set() and not self._buffered

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.cancel()
        self._chunks.clear()
        self._buffered = 0


def _pwrite(fd: int, data: bytes, position: int) -> None:
    view = memoryview(data)
    while view:
        step = os.pwrite(fd, view, position)
        view, position = view[step:], position + step


def _header(scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return b""


def _is_tus_body(scope) -> bool:
    if not scope.get("path", "").startswith(TUS_PREFIX):
        return False
    method = scope.get("method", "")
    if method == "POST":
        method = _header(scope, b"x-http-method-override").decode("latin-1") or method
    content_type = _header(scope, b"content-type").split(b";")[0].strip()
    return method in ("POST", "PATCH") and content_type == TUS_CONTENT_TYPE


class PodASGIHandler(ASGIHandler):
    """Django's ASGI handler, streaming tus upload bodies (see the module docstring).

    A tus request (under :data:`TUS_PREFIX`) runs the middleware chain and the view in
    sync mode, as under WSGI, in one call to the request's thread: in async mode each
    sync-only middleware, and each ``process_request``/``process_view``/
    ``process_response`` of Django's own, is a hop between the event loop and the
    thread (about twenty per request, ~2 ms of the fixed cost of a tus PATCH). The same
    middlewares in the same order, so the same behaviour; other requests keep Django's
    async chain."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async)
        self._sync_handler = BaseHandler()
        self._sync_handler.load_middleware(is_async=False)

    async def get_response_async(self, request):
        if not request.path.startswith(TUS_PREFIX):
            return await super().get_response_async(request)
        return await sync_to_async(self._sync_handler.get_response, thread_sensitive=True)(request)

    async def read_body(self, receive):
        scope = _scope.get()
        if scope is None or not _is_tus_body(scope):
            return await super().read_body(receive)
        body = StreamingBody(receive, asyncio.get_running_loop())
        _streaming.set(body)
        return body

    async def listen_for_disconnect(self, receive):
        body = _streaming.get()
        if body is not None:
            # the view owns the channel until the body ends; a body cut short is the
            # view's to notice (its read raises OSError) and to answer
            await body.finished.wait()
            if body.disconnected:
                await asyncio.Future()  # the view's answer ends the request
        return await super().listen_for_disconnect(receive)

    async def __call__(self, scope, receive, send):
        """Django's, but the request's thread (its sync code: middleware, view) comes from
        :data:`_THREADS`, kept between requests with its database connections
        (``CONN_MAX_AGE``): Django would start a thread per request, so a new connection
        per request (a few ms of the fixed cost of each tus PATCH)."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        executor = _THREADS.acquire()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            _THREADS.release(executor)

    async def handle(self, scope, receive, send):
        _scope.set(scope)
        await super().handle(scope, receive, send)


class _RequestThread(concurrent.futures.ThreadPoolExecutor):
    """One thread for a request's sync code, which knows when it has nothing to run:
    ``on_idle`` (set on the loop) is called, in the thread, once the last call
    submitted has returned."""

    def __init__(self) -> None:
        super().__init__(1, thread_name_prefix="request")
        self._count_lock = threading.Lock()
        self.pending = 0
        self.on_idle = None

    def submit(self, fn, /, *args, **kwargs):
        with self._count_lock:
            self.pending += 1
        return super().submit(self._run, fn, args, kwargs)

    def _run(self, fn, args, kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            with self._count_lock:
                self.pending -= 1
                callback = self.on_idle if not self.pending else None
                if callback is not None:
                    self.on_idle = None
            if callback is not None:
                callback()


class _ThreadPool:
    """Request threads (used on the event loop only): one per request in flight (never
    a wait: a stalled upload holds its own), at most ``keep`` idle ones kept for the
    next requests; the others are retired after closing their database connections.
    A thread is idle once it is done with its request (the sync code of a request cut
    by a disconnect may still be running after the request ended)."""

    def __init__(self, keep: int) -> None:
        self.keep, self._idle = keep, []

    def acquire(self) -> _RequestThread:
        return self._idle.pop() if self._idle else _RequestThread()

    def release(self, executor: _RequestThread) -> None:
        loop = asyncio.get_running_loop()

        def later() -> None:
            if not loop.is_closed():  # a stopping worker's last requests: just dropped
                loop.call_soon_threadsafe(self._put, executor)

        with executor._count_lock:
            if executor.pending:
                executor.on_idle = later
                return
        self._put(executor)

    def _put(self, executor: _RequestThread) -> None:
        if len(self._idle) < self.keep:
            self._idle.append(executor)
            return
        from django.db import connections

        executor.submit(connections.close_all)
        executor.shutdown(wait=False)


#: idle request threads kept (and their database connections)
_THREADS = _ThreadPool(keep=8)


_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("asgi_scope", default=None)


def _timeout_response(scope, message: str) -> tuple[dict, dict]:
    error = {"code": "request_timeout", "message": message}
    body = json.dumps({"status": "error", "data": None, "errors": [error]}).encode()
    start = {
        "type": "http.response.start",
        "status": 408,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    if scope.get("path", "").startswith(TUS_PREFIX):
        start["headers"].append((b"tus-resumable", b"1.0.0"))
    return start, {"type": "http.response.body", "body": body}


class BodyStallGuard:
    """ASGI middleware: a request body that sends nothing for ``stall_seconds`` between
    two chunks ends as if the client had gone; the client gets 408 ``request_timeout``
    (JSON envelope, ``Connection: close``) unless a response had already started."""

    def __init__(self, app, stall_seconds: float) -> None:
        self.app, self.stall_seconds = app, stall_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = {"body_done": False, "stalled": False, "started": False}

        async def guarded_receive():
            if state["stalled"]:
                return {"type": "http.disconnect"}
            if state["body_done"]:
                return await receive()  # after the body: only a disconnect comes
            try:
                async with asyncio.timeout(self.stall_seconds):  # no task per message
                    message = await receive()
            except TimeoutError:
                state["stalled"] = True
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["body_done"] = True
            return message

        async def guarded_send(message):
            if state["stalled"]:
                return  # the 408 below replaces whatever the application answers
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)
        if state["stalled"] and not state["started"]:
            for message in _timeout_response(
                scope, f"The request body stalled for more than {self.stall_seconds:g} s."
            ):
                await send(message)


def _build() -> BodyStallGuard:
    django.setup(set_prefix=False)  # what get_asgi_application() does before its handler
    from django.conf import settings

    return BodyStallGuard(PodASGIHandler(), float(settings.UPLOAD_BODY_STALL_SECONDS))


def _start_up() -> None:
    """Resume the encoding jobs a restart cut off (``on_server_start``), in a thread of its
    own: uvicorn started directly with worker processes or reloading (``uvicorn
    api.asgi:application --workers N``) imports this module inside its running event
    loop, where Django refuses database queries
    (``SynchronousOnlyOperation``). Waited for, so the jobs are resumed before the first
    request, as under gunicorn."""
    from django.db import connections

    # imported here, not for a cycle: Django is set up by _build() first (models load)
    from api.encoding.backends import on_server_start

    def run() -> None:
        try:
            on_server_start()
        finally:
            connections.close_all()  # this thread's connections, not left open

    thread = threading.Thread(target=run, name="on-server-start")
    thread.start()
    thread.join()


application = _build()
_start_up()
