"""Where webhooks may be sent: the server-side request forgery (SSRF) policy of their
target URLs, the one URL imports use (``podv5_contract.net``, OWASP's SSRF Prevention
Cheat Sheet, "application must reach arbitrary external hosts"):

- ``http`` or ``https`` only, a host, no credentials in the URL, at most 2048 characters;
  no fragment;
- every address the host resolves to must be public: private, loopback, link-local,
  multicast, reserved, unspecified, shared (``100.64.0.0/10``) or otherwise non-global
  addresses are refused, and so are IPv6 forms embedding such an IPv4 address
  (IPv4-mapped, 6to4, NAT64, IPv4-compatible) and legacy IPv4 spellings of them;
  ``localhost`` names are loopback without asking DNS;
- unless the address is in ``WEBHOOK_ALLOWED_NETWORKS`` (an on-campus service; loopback
  in tests).

The sender connects to the very address it checked (:func:`resolve_target`, then
``api.webhooks.sender``), so DNS rebinding between the check and the connection cannot
redirect it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings

from api.core.errors import ValidationFailed
from podv5_contract import net


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
    addresses: tuple[net.IPAddress, ...]


def _refused(exc: net.UrlRefused, field: str) -> ValidationFailed:
    message = str(exc).replace("imports only reach", "webhooks only reach")
    message = message.replace("IMPORT_ALLOWED_NETWORKS", "WEBHOOK_ALLOWED_NETWORKS")
    message = message.replace("can be imported", "can receive webhooks")
    if exc.code == net.FORBIDDEN_ADDRESS:
        return AddressRefused(message, field=field)
    return InvalidWebhookUrl(message, field=field)


def resolve_target(url: str, *, field: str = "url") -> Target:
    """Parse ``url``, resolve its host and check every address (one forbidden answer
    refuses them all: AddressRefused, 422); InvalidWebhookUrl (422) for a bad URL or a
    host that does not resolve."""
    try:
        target = net.parse_url(url)
        if target.url.fragment:
            raise net.UrlRefused(net.INVALID_URL, "A webhook URL has no #fragment.")
        policy = net.AddressPolicy.of(settings.WEBHOOK_ALLOWED_NETWORKS)
        addresses = policy.addresses(target)
    except net.UrlRefused as exc:
        raise _refused(exc, field) from None
    return Target(url=target.url, host=target.host, port=target.port, addresses=tuple(addresses))
