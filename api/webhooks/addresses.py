"""Where webhooks may be sent: the server-side request forgery (SSRF) policy of their
target URLs (OWASP's SSRF Prevention Cheat Sheet, "application must reach arbitrary
external hosts").

- ``http`` or ``https`` only, a host, no credentials in the URL, at most 2048 characters;
- every address the host resolves to must be public: private, loopback, link-local,
  multicast, reserved, unspecified, shared (``100.64.0.0/10``) or otherwise non-global
  addresses are refused, and so are IPv6 forms embedding such an IPv4 address
  (IPv4-mapped, 6to4, NAT64); ``localhost`` names are loopback without asking DNS;
- unless the address is in ``WEBHOOK_ALLOWED_NETWORKS`` (an on-campus service; loopback
  in tests).

The sender connects to the very address it checked (:func:`resolve_target`, then
``api.webhooks.sender``), so DNS rebinding between the check and the connection cannot
redirect it. (The URL import on branch feat/urlimport has a fuller policy in
``podv5_contract.net``; this is the small one this app needs until they are merged.)
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from django.conf import settings

from api.core.errors import ValidationFailed

URL_MAX_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(ValidationFailed):
    """The URL's host is (or resolves to) an address webhooks may not reach (422)."""

    code = "webhook_url_forbidden"
    default_message = "Webhooks only reach public addresses (or WEBHOOK_ALLOWED_NETWORKS)."


class InvalidWebhookUrl(ValidationFailed):
    """Not an ``http(s)://`` URL webhooks can be sent to (422)."""

    code = "webhook_url_invalid"
    default_message = "An http:// or https:// URL with a host is needed."


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_because(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination (``loopback``, ``private``...), None
    when it is one."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return forbidden_because(inner)
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    return None if address.is_global else "not global"


def is_allowed(address: IPAddress) -> bool:
    forms = [address, *filter(None, [_embedded_ipv4(address)])]
    for network in settings.WEBHOOK_ALLOWED_NETWORKS:
        net = ipaddress.ip_network(network)
        if any(a.version == net.version and a in net for a in forms):
            return True
    return forbidden_because(address) is None


def parse_url(url: str, *, field: str = "url") -> httpx.URL:
    """The URL, checked for syntax only (no DNS); InvalidWebhookUrl (422) otherwise."""
    if not url or len(url) > URL_MAX_LENGTH or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise InvalidWebhookUrl(
            f"A URL of 1 to {URL_MAX_LENGTH} characters is needed.", field=field
        )
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise InvalidWebhookUrl("Not a URL.", field=field) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidWebhookUrl(field=field)
    if parsed.userinfo:
        raise InvalidWebhookUrl(
            "Credentials in the URL are not accepted: the signature authenticates.", field=field
        )
    if parsed.fragment:
        raise InvalidWebhookUrl("A webhook URL has no #fragment.", field=field)
    return parsed


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (an IP literal: itself; ``localhost``: the
    loopback addresses), each once. The one function here that asks DNS. Raises
    InvalidWebhookUrl (422) when it does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidWebhookUrl(f"{host} does not resolve: {exc}") from None
    found: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def resolve_target(url: str, *, field: str = "url") -> Target:
    """Parse ``url``, resolve its host and check every address (one forbidden answer
    refuses them all: AddressRefused, 422); InvalidWebhookUrl (422) for a bad URL or a
    host that does not resolve."""
    parsed = parse_url(url, field=field)
    host = parsed.host.lower().rstrip(".")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except InvalidWebhookUrl as exc:
        raise InvalidWebhookUrl(exc.message, field=field) from None
    if not addresses:
        raise InvalidWebhookUrl(f"{host} does not resolve to any address.", field=field)
    for address in addresses:
        if not is_allowed(address):
            raise AddressRefused(
                f"{host} ({address}) is a {forbidden_because(address)} address: webhooks "
                "only reach public addresses (or WEBHOOK_ALLOWED_NETWORKS).",
                field=field,
            )
    return Target(url=parsed, host=host, port=port, addresses=tuple(addresses))
