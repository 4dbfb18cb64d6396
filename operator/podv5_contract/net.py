"""Which URLs and addresses a URL import may reach: the server-side request forgery (SSRF)
policy shared by the API (a quick check of the request) and the worker (the
authoritative check, at every hop).

Follows OWASP's *Server-Side Request Forgery Prevention Cheat Sheet* ("case 2": the
application must reach arbitrary external hosts):

- only ``http`` and ``https``; no credentials in the URL; a host that is a DNS name or an
  IP literal (ports 1-65535), at most :data:`URL_MAX_LENGTH` characters;
- every address the host resolves to must be a *public* one: an address that is private,
  loopback, link-local, multicast, reserved, unspecified, shared (``100.64.0.0/10``) or
  otherwise not global (Python's ``ipaddress`` properties) is refused, and so are the
  IPv6 forms that embed such an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4
  ``2002::/16``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, IPv4-compatible
  ``::a.b.c.d``); legacy IPv4 spellings (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) are
  read as the resolver reads them (``inet_aton``); ``localhost`` and ``*.localhost``
  names stand for the loopback addresses (RFC 6761) without asking DNS;
- unless the address is in one of the *allowed networks* (``IMPORT_ALLOWED_NETWORKS``):
  an on-campus BigBlueButton server, loopback in tests.

Checking the name is not enough (DNS rebinding): the worker connects to the very address
it checked (``podv5_media.fetch``), and checks again at every redirect. :func:`resolve`
is the one place that asks DNS (the tests that simulate rebinding replace it).

Errors are :class:`UrlRefused` with a stable ``code``: ``import_invalid_url`` (not a URL
we fetch) or ``import_forbidden_address`` (a forbidden destination).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the longest URL an import takes (characters)
URL_MAX_LENGTH = 2048
SCHEMES = ("http", "https")
INVALID_URL = "import_invalid_url"
FORBIDDEN_ADDRESS = "import_forbidden_address"

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LOOPBACK = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
#: a DNS name once IDNA-encoded: letters, digits, hyphens and dots (a trailing dot allowed)
_HOSTNAME = re.compile(r"^(?=.{1,254}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
                       r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$")  # fmt: skip
#: what ``inet_aton`` may read as an IPv4 address: digits, hex digits, ``x`` and dots
_LEGACY_IPV4 = re.compile(r"^[0-9][0-9a-fx.]*$")


class UrlRefused(ValueError):
    """A URL an import may not fetch; ``code``: ``import_invalid_url`` or
    ``import_forbidden_address``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A checked URL: ``url`` (httpx's parse, the one the worker requests), ``host``
    (lower case, IDNA-encoded, no trailing dot), ``port`` (the scheme's default when
    absent) and ``literal``: the address when the host is an IP literal."""

    url: httpx.URL
    host: str
    port: int
    literal: IPAddress | None

    @property
    def is_localhost(self) -> bool:
        return self.host == "localhost" or self.host.endswith(".localhost")


def parse_url(url: str) -> Target:
    """Parse ``url`` as a URL an import may fetch (syntax only: no DNS); raises
    ``UrlRefused`` (``import_invalid_url``) for anything else."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX_LENGTH:
        raise UrlRefused(INVALID_URL, f"A URL of 1 to {URL_MAX_LENGTH} characters is needed.")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise UrlRefused(INVALID_URL, "The URL holds white space or control characters.")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UrlRefused(INVALID_URL, f"Not a URL: {exc}") from None
    if parsed.scheme not in SCHEMES:
        raise UrlRefused(INVALID_URL, "Only http:// and https:// URLs can be imported.")
    if parsed.userinfo:
        raise UrlRefused(INVALID_URL, "Credentials in a URL are not accepted.")
    raw_host = parsed.raw_host.decode("ascii", "replace").lower()
    if not raw_host:
        raise UrlRefused(INVALID_URL, "The URL names no host.")
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 1 <= port <= 65535:
        raise UrlRefused(INVALID_URL, f"Port {port} is out of range.")
    literal = ip_literal(raw_host)
    host = raw_host.rstrip(".") if literal is None else str(literal)
    if literal is None and not _HOSTNAME.match(raw_host):
        raise UrlRefused(INVALID_URL, "The URL's host is not a valid name or address.")
    return Target(url=parsed, host=host, port=port, literal=literal)


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, if it is an IP literal (IPv6 without brackets, dotted
    IPv4, or a legacy IPv4 spelling the resolver accepts: ``2130706433``, ``0x7f.1``,
    ``0177.0.0.1``); None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host.lower()):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise UrlRefused(INVALID_URL, f"{host!r} is not a valid IPv4 address.") from None
    return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64,
    IPv4-compatible), which is where a packet to it ends up; None otherwise."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _NAT64) or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_because(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination (``loopback``, ``private``...), or
    None when it is one. An IPv6 form embedding an IPv4 address is judged by that
    address (see the module docstring)."""
    inner = embedded_ipv4(address)
    if inner is not None:
        why = forbidden_because(inner)
        return f"{why} (embedded in {address})" if why else None
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if not address.is_global:
        return "not global"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """The addresses an import may connect to: public ones, plus ``allowed``
    (``IMPORT_ALLOWED_NETWORKS``)."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, networks: Iterable[str]) -> AddressPolicy:
        """From CIDR strings (``10.1.0.0/16``, ``127.0.0.1``); ValueError for a bad one."""
        return cls(tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks))

    def is_allowed(self, address: IPAddress) -> bool:
        forms = [address] + [a for a in (embedded_ipv4(address),) if a is not None]
        if any(a in net for a in forms for net in self.allowed if a.version == net.version):
            return True
        return forbidden_because(address) is None

    def check(self, address: IPAddress, host: str) -> None:
        """Raise ``UrlRefused`` (``import_forbidden_address``) unless allowed."""
        if not self.is_allowed(address):
            raise UrlRefused(
                FORBIDDEN_ADDRESS,
                f"{host} ({address}) is a {forbidden_because(address)} address: imports "
                "only reach public addresses (or IMPORT_ALLOWED_NETWORKS).",
            )

    def check_static(self, target: Target) -> None:
        """What can be told without DNS (the API's quick check): an IP literal or a
        ``localhost`` name to a forbidden address raises ``UrlRefused``."""
        for address in self._static_addresses(target):
            self.check(address, target.host)

    def _static_addresses(self, target: Target) -> tuple[IPAddress, ...]:
        if target.literal is not None:
            return (target.literal,)
        return _LOOPBACK if target.is_localhost else ()

    def addresses(self, target: Target) -> list[IPAddress]:
        """The addresses to connect to for ``target`` (the worker's check): its literal,
        the loopback addresses for a ``localhost`` name, else what :func:`resolve`
        answers; every one must be allowed (one forbidden answer refuses them all),
        else ``UrlRefused``; none: ``UrlRefused`` (``import_invalid_url``)."""
        addresses = list(self._static_addresses(target)) or resolve(target.host, target.port)
        if not addresses:
            raise UrlRefused(INVALID_URL, f"{target.host} does not resolve to any address.")
        for address in addresses:
            self.check(address, target.host)
        return addresses


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (the system resolver, TCP), in its order, each
    once; ``UrlRefused`` (``import_invalid_url``) when it does not resolve. The one
    function of ours that asks DNS."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UrlRefused(INVALID_URL, f"{host} does not resolve: {exc}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses
