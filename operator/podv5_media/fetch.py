"""HTTP(S) downloads of a URL import, guarded against server-side request forgery and
bounded in size and time (OWASP's *SSRF Prevention Cheat Sheet*; the address policy is
``podv5_contract.net``).

Every request, and every hop of a redirect (at most ``max_redirects``, each one checked
again from scratch):

1. the URL is parsed (``http``/``https`` only, no credentials) and its host resolved
   once, by ``podv5_contract.net.resolve``; every address must pass the policy;
2. the connection goes to **that checked address** (the URL's host replaced by it), with
   the ``Host`` header and the TLS server name (SNI, and the certificate's verification)
   of the original name (httpx's ``sni_hostname`` request extension): a DNS answer that
   changes between the check and the connection (rebinding) is never used;
3. one client, one connection per request (nothing pooled across names), no proxy from
   the environment (a proxy would dial the name itself), ``Accept-Encoding: identity``.

Bodies: a ``Content-Length`` past the limit fails before the body is read; the bytes are
counted as they stream and the transfer is cut at the limit (the partial file deleted).
The whole import has a deadline; each read may stall at most ``read_timeout`` seconds.

Failures are :class:`FetchFailed` with a stable ``reason``: ``import_invalid_url``,
``import_forbidden_address``, ``import_too_many_redirects``, ``import_not_found`` (404,
410), ``import_too_large``, ``quota_exceeded``, ``import_timeout``, ``import_failed``
(any other HTTP status, a connection or TLS error).

TLS certificates are verified against certifi's CAs, or the file
``MEDIA_IMPORT_CA_FILE`` names (an on-campus server's CA).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import certifi
import httpx

from podv5_contract import net

log = logging.getLogger(__name__)

#: bytes read at a time from a body
CHUNK = 1024 * 1024
USER_AGENT = "PodV5-import/1 (+https://github.com/EsupPortail/Esup-Pod)"
_REDIRECTS = (301, 302, 303, 307, 308)
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


class FetchFailed(Exception):
    """A fetch that cannot complete; ``reason`` is a stable code (module docstring)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Downloaded:
    """A body saved to ``path``: ``size`` bytes, from ``url`` (after redirects),
    ``filename`` from Content-Disposition or the URL's last path segment."""

    path: Path
    size: int
    url: str
    filename: str
    content_type: str


def ssl_context(env: dict[str, str] | None = None) -> ssl.SSLContext:
    """Certificate verification on, against ``MEDIA_IMPORT_CA_FILE`` or certifi's CAs."""
    env = os.environ if env is None else env
    return ssl.create_default_context(cafile=env.get("MEDIA_IMPORT_CA_FILE") or certifi.where())


class GuardedClient:
    """GET requests under the policy (module docstring). ``deadline``: a
    ``time.monotonic()`` value past which everything fails with ``import_timeout``."""

    def __init__(
        self,
        policy: net.AddressPolicy,
        *,
        deadline: float,
        max_redirects: int = 5,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.verify = verify or ssl_context()

    # -- whole bodies --------------------------------------------------------------------

    def download(
        self, url: str, dest: Path, *, max_bytes: int, quota_bytes: int | None = None
    ) -> Downloaded:
        """Save the body of ``url`` to ``dest``; past ``max_bytes`` → ``import_too_large``,
        past ``quota_bytes`` → ``quota_exceeded`` (checked on Content-Length first, then
        while streaming); nothing is left at ``dest`` on failure."""
        try:
            with self.stream(url) as (response, final_url):
                length = _content_length(response)
                if length is not None:
                    _check_size(length, max_bytes, quota_bytes, announced=True)
                size = 0
                with open(dest, "wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        size += len(chunk)
                        _check_size(size, max_bytes, quota_bytes, announced=False)
                        self._check_deadline()
                        out.write(chunk)
                return Downloaded(
                    path=dest,
                    size=size,
                    url=str(final_url),
                    filename=_filename(response, final_url),
                    content_type=response.headers.get("content-type", ""),
                )
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    def get_bytes(self, url: str, *, max_bytes: int = 2 * 1024 * 1024) -> tuple[bytes, str]:
        """A small document (API answers, XML): ``(body, final URL)``."""
        with self.stream(url) as (response, final_url):
            length = _content_length(response)
            if length is not None:
                _check_size(length, max_bytes, None, announced=True)
            body = bytearray()
            for chunk in response.iter_bytes(64 * 1024):
                body += chunk
                _check_size(len(body), max_bytes, None, announced=False)
                self._check_deadline()
            return bytes(body), str(final_url)

    def get_json(self, url: str, *, max_bytes: int = 2 * 1024 * 1024):
        """A JSON document; ``import_failed`` if it is not JSON."""
        body, _ = self.get_bytes(url, max_bytes=max_bytes)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise FetchFailed("import_failed", f"{url} did not answer JSON: {exc}") from None

    # -- one GET, redirects followed ------------------------------------------------------

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[tuple[httpx.Response, httpx.URL]]:
        """``(response, url)``: the final 2xx response of a GET of ``url`` (body not
        read yet), redirects followed and checked, and the URL it answered for (by name,
        not by address)."""
        current = url
        for _hop in range(self.max_redirects + 1):
            checked = self._target(current)
            target = checked[0]
            with self._send(checked) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    try:
                        current = str(target.url.join(response.headers["location"]))
                    except (httpx.InvalidURL, ValueError) as exc:
                        raise FetchFailed("import_invalid_url", f"bad redirect: {exc}") from None
                    log.info("import: %s redirects to %s", target.url, current)
                    continue
                if response.status_code in (404, 410):
                    raise FetchFailed("import_not_found", f"{target.url}: {response.status_code}")
                if not 200 <= response.status_code < 300:
                    raise FetchFailed(
                        "import_failed", f"{target.url} answered HTTP {response.status_code}"
                    )
                yield response, target.url
                return
        raise FetchFailed(
            "import_too_many_redirects", f"more than {self.max_redirects} redirects from {url}"
        )

    def _target(self, url: str) -> tuple[net.Target, list]:
        try:
            target = net.parse_url(url)
            return target, self.policy.addresses(target)
        except net.UrlRefused as exc:
            raise FetchFailed(exc.code, str(exc)) from None

    @contextlib.contextmanager
    def _send(self, checked: tuple[net.Target, list]) -> Iterator[httpx.Response]:
        """GET the target at its checked addresses, in order (the next one on a
        connection failure), with its name in ``Host`` and as the TLS server name."""
        target, addresses = checked
        host_header = target.url.netloc.decode("ascii")
        last: Exception | None = None
        for address in addresses:
            remaining = self._check_deadline()
            timeout = httpx.Timeout(
                min(self.read_timeout, remaining), connect=min(self.connect_timeout, remaining)
            )
            extensions = {"sni_hostname": target.host} if target.literal is None else {}
            client = httpx.Client(
                verify=self.verify, trust_env=False, follow_redirects=False, timeout=timeout
            )
            try:
                request = client.build_request(
                    "GET",
                    target.url.copy_with(host=str(address)),
                    headers={
                        "Host": host_header,
                        "User-Agent": USER_AGENT,
                        "Accept-Encoding": "identity",
                    },
                    extensions=extensions,
                )
                try:
                    response = client.send(request, stream=True)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    last = exc
                    log.info("import: %s at %s: %s", target.host, address, exc)
                    continue
                with contextlib.closing(response):
                    yield response
                return
            except httpx.TimeoutException as exc:
                raise FetchFailed("import_timeout", f"{target.url}: timed out ({exc})") from None
            except httpx.HTTPError as exc:
                raise FetchFailed("import_failed", f"{target.url}: {exc}") from None
            finally:
                client.close()
        raise FetchFailed("import_failed", f"cannot connect to {target.host}: {last}")

    def _check_deadline(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed("import_timeout", "the import took longer than its time limit")
        return remaining


def _content_length(response: httpx.Response) -> int | None:
    raw = response.headers.get("content-length", "").strip()
    return int(raw) if raw.isdigit() else None


def _check_size(size: int, max_bytes: int, quota_bytes: int | None, *, announced: bool) -> None:
    how = "announces" if announced else "passed"
    if size > max_bytes:
        raise FetchFailed(
            "import_too_large", f"the source {how} {size} bytes: at most {max_bytes} allowed"
        )
    if quota_bytes is not None and size > quota_bytes:
        raise FetchFailed(
            "quota_exceeded",
            f"the source {how} {size} bytes: the owner's quota allows {quota_bytes} more",
        )


def _filename(response: httpx.Response, url: httpx.URL) -> str:
    match = _FILENAME.search(response.headers.get("content-disposition", ""))
    name = unquote(match.group(1)) if match else ""
    if not name:
        name = unquote(url.path.rsplit("/", 1)[-1])
    return name.replace("/", "_").replace("\\", "_")[:255]
