"""Who the client is, behind reverse proxies: its address, its scheme, the public base URL.

Every place that needs the client's address (rate limits, view counts, logs) calls
:func:`client_ip`; nothing else reads ``REMOTE_ADDR`` or ``X-Forwarded-For``.

Settings (``api.settings``; default: trust nobody, the peer is the client):

- ``TRUSTED_PROXY_CIDRS``: networks of the reverse proxies whose ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` are believed (``["10.0.0.0/8", "127.0.0.1/32"]``);
- ``TRUSTED_PROXY_HOPS``: how many trusted proxies at most stand in front of the API
  (0: no bound). With ``TRUSTED_PROXY_HOPS`` and no ``TRUSTED_PROXY_CIDRS``, any peer is
  taken for the first proxy: only when nothing but the proxy can reach the API.
- ``PUBLIC_BASE_URL``: ``scheme://host[:port]`` the clients use; when set, every absolute
  URL the API builds (``request.build_absolute_uri``: tus ``Location``, player config,
  live heartbeat) starts with it, whatever the Host and scheme of the request.

The client address is found from the right of ``X-Forwarded-For`` (each proxy appends
the address it received the request from): starting from the peer (``REMOTE_ADDR``),
while the current address is a trusted proxy, step one entry left. The first address
that is not a trusted proxy is the client. A malformed entry stops the walk (the last
good address is kept); so does the hop bound. Only the rightmost ``MAX_ENTRIES``
entries are looked at.

:class:`TrustedProxyMiddleware` (first in ``MIDDLEWARE``) stores the result as
``request.client_ip``, drops ``X-Forwarded-Proto`` of requests that did not come from a
trusted proxy (so ``SECURE_PROXY_SSL_HEADER`` only believes the proxy: ``https://`` URLs,
``request.is_secure()``), and applies ``PUBLIC_BASE_URL``.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: entries of X-Forwarded-For looked at, from the right (a longer header is cut)
MAX_ENTRIES = 32
#: the META keys of the proxy headers (WSGI/ASGI names)
FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"

#: the client address of the request being handled in this context ("" outside requests),
#: added to log records by ``api.core.request_id.ClientIpFilter``
CLIENT_IP: ContextVar[str] = ContextVar("pod_client_ip", default="")


def parse_address(text: str) -> IPAddress | None:
    """One address as proxies write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``::1``,
    ``[::1]:443``, with blanks around; an IPv4-mapped IPv6 address is made IPv4.
    Anything else (``unknown``, obfuscated ``_hidden`` names, garbage) → None. Never raises.
    """
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # no zone ids
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def parse_forwarded_for(header: str) -> list[IPAddress | None]:
    """The entries of an ``X-Forwarded-For`` value, left (client side) to right (nearest
    proxy), at most the rightmost ``MAX_ENTRIES``; malformed entries are None. Several
    headers joined with commas are one list. Never raises."""
    entries = header.split(",")[-MAX_ENTRIES:]
    return [parse_address(entry) for entry in entries]


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _trusted(address: IPAddress) -> bool:
    cidrs = tuple(settings.TRUSTED_PROXY_CIDRS)
    if cidrs:
        return any(address in network for network in _networks(cidrs))
    return settings.TRUSTED_PROXY_HOPS > 0


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the peer of the connection (``REMOTE_ADDR``) is a trusted proxy."""
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and _trusted(peer)


def resolve_client_ip(remote_addr: str, forwarded_for: str | None) -> str:
    """The client address for a connection from ``remote_addr`` carrying the
    ``X-Forwarded-For`` value ``forwarded_for`` (None: no header), per the settings.
    Returns the address as text (``remote_addr`` unchanged when it is not an address)."""
    current = parse_address(remote_addr)
    if current is None:
        return remote_addr
    entries = parse_forwarded_for(forwarded_for) if forwarded_for else []
    hops, bound = 0, settings.TRUSTED_PROXY_HOPS
    while entries and _trusted(current) and (bound <= 0 or hops < bound):
        previous = entries.pop()
        if previous is None:
            break
        current, hops = previous, hops + 1
    return str(current)


def client_ip(request: HttpRequest) -> str:
    """The address of the client that made ``request`` (text, e.g. ``203.0.113.7``;
    ``""`` when the server gave none): ``request.client_ip`` set by the middleware,
    else worked out from ``REMOTE_ADDR`` and ``X-Forwarded-For`` (see the module)."""
    known = getattr(request, "client_ip", None)
    if known is not None:
        return known
    return resolve_client_ip(request.META.get("REMOTE_ADDR", ""), request.META.get(FORWARDED_FOR))


class TrustedProxyMiddleware:
    """Sets ``request.client_ip`` (and :data:`CLIENT_IP`), drops ``X-Forwarded-Proto``
    unless the peer is a trusted proxy, applies ``PUBLIC_BASE_URL``. First middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        CLIENT_IP.set(request.client_ip)
        if not peer_is_trusted_proxy(request):
            request.META.pop(FORWARDED_PROTO, None)
        if settings.PUBLIC_BASE_URL:
            # what request.build_absolute_uri() joins paths to (a cached property)
            request._current_scheme_host = settings.PUBLIC_BASE_URL
        return self.get_response(request)
