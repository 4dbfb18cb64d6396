"""RTMP gate: checks the stream key before anything reaches ffmpeg.

ffmpeg's RTMP listener (``-listen 1``) does not refuse a wrong app or stream name: it
only logs a warning and records whatever is published. So broadcasters connect to this
gate, which relays the bytes to ffmpeg's listener on a private port while reading the
client's RTMP messages (handshake, then the chunk stream) until ``publish``:

- the client's bytes are relayed one *complete message* at a time, so a message is
  checked before ffmpeg sees it;
- ``publish`` with the right stream name (constant-time compare) opens the gate: from
  then on bytes are relayed untouched;
- a wrong name, a ``play``, or media before ``publish``: the connection is closed.
  ffmpeg saw no ``publish``, so its input never opens and nothing is recorded (the
  worker restarts the listener);
- the key is replaced by a placeholder of the same length (``k`` * len) in every command,
  so ffmpeg (its command line, its logs) never sees it.

One publisher at a time: a second connection while one is active is closed at once.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

HANDSHAKE_C0C1 = 1 + 1536
HANDSHAKE_C2 = 1536
MSG_SET_CHUNK_SIZE = 1
MSG_AUDIO, MSG_VIDEO = 8, 9
MSG_AMF3_COMMAND, MSG_AMF0_COMMAND = 17, 20
MAX_MESSAGE = 1 << 20


def placeholder(key: str) -> str:
    """What ffmpeg is told the stream name is: ``k`` repeated ``len(key)`` times."""
    return "k" * len(key)


class Refused(Exception):
    """The client is not let through (``reason``: a stable code, never the key)."""


def _amf0_string(data: bytes, pos: int) -> tuple[str, int]:
    if data[pos] != 0x02:
        raise Refused("malformed_command")
    (length,) = struct.unpack_from(">H", data, pos + 1)
    return data[pos + 3 : pos + 3 + length].decode("utf-8", "replace"), pos + 3 + length


def command_name_and_stream(payload: bytes) -> tuple[str, str | None]:
    """``(command, first string argument)`` of an AMF0 command message: for
    ``publish`` that is the stream name. Raises Refused when malformed."""
    try:
        name, pos = _amf0_string(payload, 0)
        if payload[pos] != 0x00:  # transaction id: number
            return name, None
        pos += 9
        if payload[pos] == 0x05:  # command object: null
            pos += 1
        else:
            return name, None
        if pos < len(payload) and payload[pos] == 0x02:
            return name, _amf0_string(payload, pos)[0]
        return name, None
    except (IndexError, struct.error):
        raise Refused("malformed_command") from None


class _ChunkReader:
    """Incremental parser of the client→server RTMP chunk stream (after the handshake).

    Append bytes to ``buf``; ``messages()`` yields ``(raw, payload_spans, type, payload)``
    for each complete message: ``raw`` the bytes as received (headers included),
    ``payload_spans`` the ``(offset, length)`` of the payload pieces inside ``raw``.
    """

    def __init__(self) -> None:
        self.buf = bytearray()
        self.chunk_size = 128
        self.headers: dict[int, dict] = {}

    def messages(self):
        while True:
            parsed = self._one()
            if parsed is None:
                return
            yield parsed

    def _one(self):
        """The next complete message, or None if more bytes are needed (then nothing is
        consumed: the buffer is parsed again from its start when more bytes arrive)."""
        buf, pos = self.buf, 0
        partial: dict[int, tuple[dict, int, list]] = {}
        while True:
            if len(buf) < pos + 1:
                return None
            fmt, csid = buf[pos] >> 6, buf[pos] & 0x3F
            pos += 1
            if csid in (0, 1):
                extra = 1 if csid == 0 else 2
                if len(buf) < pos + extra:
                    return None
                csid = 64 + buf[pos] + (buf[pos + 1] * 256 if extra == 2 else 0)
                pos += extra
            if csid in partial:
                head, received, spans = partial[csid]
            else:
                prev = self.headers.get(csid)
                if fmt != 0 and prev is None:
                    raise Refused("malformed_chunk")
                head, received, spans = dict(prev or {"ext": False}), 0, []
            size = (11, 7, 3, 0)[fmt]
            if len(buf) < pos + size:
                return None
            if fmt <= 2:
                head["ext"] = int.from_bytes(buf[pos : pos + 3], "big") == 0xFFFFFF
            if fmt <= 1:
                head["length"] = int.from_bytes(buf[pos + 3 : pos + 6], "big")
                head["type"] = buf[pos + 6]
            pos += size
            if head["ext"]:
                pos += 4
            if head["length"] > MAX_MESSAGE:
                raise Refused("message_too_large")
            take = min(self.chunk_size, head["length"] - received)
            if len(buf) < pos + take:
                return None
            spans = [*spans, (pos, take)]
            pos += take
            received += take
            if received < head["length"]:
                partial[csid] = (head, received, spans)
                continue
            partial.pop(csid, None)
            if partial:  # interleaved messages before publish: encoders do not do that
                raise Refused("interleaved_chunks")
            self.headers[csid] = head
            raw = bytes(buf[:pos])
            payload = b"".join(raw[o : o + n] for o, n in spans)
            del buf[:pos]
            if head["type"] == MSG_SET_CHUNK_SIZE and len(payload) >= 4:
                self.chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
            return raw, spans, head["type"], payload


def _check(reader: _ChunkReader, key: str) -> tuple[list[bytes], bool]:
    """Complete messages so far, rewritten; ``True`` once a good ``publish`` is seen."""
    out, opened = [], False
    key_b, ph_b = key.encode(), placeholder(key).encode()
    for raw, spans, mtype, payload in reader.messages():
        if mtype in (MSG_AUDIO, MSG_VIDEO):
            raise Refused("media_before_publish")
        if mtype in (MSG_AMF0_COMMAND, MSG_AMF3_COMMAND):
            body = payload[1:] if mtype == MSG_AMF3_COMMAND and payload[:1] == b"\0" else payload
            name, stream = command_name_and_stream(body)
            if name == "play":
                raise Refused("play_not_allowed")
            if name == "publish":
                if stream is None or not hmac.compare_digest(
                    stream.split("?", 1)[0].encode(), key_b
                ):
                    raise Refused("wrong_stream_key")
                opened = True
            if key_b in payload:
                new = payload.replace(key_b, ph_b)
                raw_b = bytearray(raw)
                done = 0
                for offset, length in spans:
                    raw_b[offset : offset + length] = new[done : done + length]
                    done += length
                raw = bytes(raw_b)
        out.append(raw)
        if opened:
            break
    return out, opened


class RtmpGate:
    """Listens on ``(bind, port)`` and relays checked clients to ``upstream_port``.

    ``on_refused(reason)`` and ``on_open()`` are called from the gate's threads.
    """

    def __init__(
        self,
        *,
        key: str,
        bind: str,
        port: int,
        upstream_port: int,
        on_refused: Callable[[str], None] | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        self.key = key
        self.upstream_port = upstream_port
        self.on_refused = on_refused or (lambda reason: None)
        self.connect_timeout = connect_timeout
        self.server = socket.create_server((bind, port), reuse_port=False)
        self.port = self.server.getsockname()[1]
        self.busy = threading.Lock()
        self.refused = 0
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="rtmp-gate", daemon=True)

    def start(self) -> RtmpGate:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, addr = self.server.accept()
            except OSError:
                return
            if not self.busy.acquire(blocking=False):
                log.info("refused %s: a publisher is already connected", addr[0])
                client.close()
                continue
            threading.Thread(
                target=self._serve, args=(client, addr), name="rtmp-client", daemon=True
            ).start()

    def _upstream(self) -> socket.socket:
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                return socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _serve(self, client: socket.socket, addr) -> None:
        upstream = None
        try:
            upstream = self._upstream()
            upstream.settimeout(None)
            client.settimeout(30)
            relay = threading.Thread(
                target=_pipe, args=(upstream, client), name="rtmp-down", daemon=True
            )
            relay.start()
            self._inspect(client, upstream)
            client.settimeout(None)
            log.info("publisher %s accepted", addr[0])
            _pipe(client, upstream)
            relay.join()
        except Refused as exc:
            self.refused += 1
            log.warning("publisher %s refused: %s", addr[0], exc)
            self.on_refused(str(exc))
        except OSError as exc:
            log.info("publisher %s: connection ended (%s)", addr[0], exc)
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self.busy.release()

    def _inspect(self, client: socket.socket, upstream: socket.socket) -> None:
        """Relay the handshake and the messages before ``publish``; raises Refused."""
        need = HANDSHAKE_C0C1 + HANDSHAKE_C2
        reader = _ChunkReader()
        while True:
            data = client.recv(65536)
            if not data:
                raise OSError("client closed before publishing")
            if need:
                take = min(need, len(data))
                upstream.sendall(data[:take])  # the handshake carries no key
                need -= take
                data = data[take:]
            reader.buf += data
            messages, opened = _check(reader, self.key)
            for raw in messages:
                upstream.sendall(raw)
            if opened:
                if reader.buf:
                    upstream.sendall(bytes(reader.buf))
                return


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
