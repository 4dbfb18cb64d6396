"""Reading settings from environment variables, with errors that name the variable.

Each helper returns ``default`` when the variable is unset or empty, else the parsed
value; a value that does not parse raises ``ImproperlyConfigured("<NAME> must be ...,
got '<value>'")``, so a bad deployment fails at startup with the variable to fix (never
a bare ``ValueError``). Used by ``api.settings``; imports nothing of Django but its
exception, so settings can use it before Django is set up.
"""

from __future__ import annotations

import ipaddress
import math
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env(name: str, default: str | None = None) -> str | None:
    """The variable's text, else ``default`` (unset or empty)."""
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _bad(name: str, what: str, value: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {what}, got {value!r}")


def env_bool(name: str, default: bool = False) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case)."""
    value = env(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise _bad(name, "a boolean (1/0, true/false)", value)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A decimal integer, at least ``minimum`` when given."""
    value = env(name)
    if value is None:
        return default
    try:
        number = int(value.strip(), 10)
    except ValueError:
        raise _bad(name, "an integer", value) from None
    if minimum is not None and number < minimum:
        raise _bad(name, f"an integer >= {minimum}", value)
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """A finite decimal number (``4``, ``0.5``, ``1e3``), at least ``minimum`` when given."""
    value = env(name)
    if value is None:
        return default
    try:
        number = float(value.strip())
    except ValueError:
        raise _bad(name, "a number", value) from None
    if not math.isfinite(number):
        raise _bad(name, "a finite number", value)
    if minimum is not None and number < minimum:
        raise _bad(name, f"a number >= {minimum}", value)
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared lower-cased)."""
    value = (env(name, default) or default).strip().lower()
    if value not in choices:
        raise _bad(name, " or ".join(repr(c) for c in choices), value)
    return value


def env_networks(name: str, default: str = "") -> list[str]:
    """A comma-separated list of networks (``10.0.0.0/8``, ``fd00::/8``) or addresses
    (``127.0.0.1``), returned normalised (``10.0.0.0/8``, ``127.0.0.1/32``)."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise _bad(name, "a comma-separated list of IP networks (CIDR)", item) from None
    return networks


def env_base_url(name: str, default: str = "") -> str:
    """An absolute ``http(s)://host[:port]`` URL without path, query or fragment (a
    trailing slash is dropped); ``""`` when unset."""
    value = (env(name, default) or "").strip().rstrip("/")
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _bad(name, "an http(s)://host[:port] URL", value) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(name, "an http(s)://host[:port] URL", value)
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise _bad(name, "an http(s)://host[:port] URL without path or query", value)
    return value


def env_pairs(name: str, defaults: dict[str, str]) -> dict[str, str]:
    """``key=value`` items separated by commas (``email=mail,groups=isMemberOf``) laid
    over ``defaults``; only the keys of ``defaults`` are allowed, an empty value turns a
    key off (``groups=``)."""
    pairs = dict(defaults)
    for item in env_list(name):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in defaults:
            raise _bad(name, f"key=value items with keys among {', '.join(defaults)}", item)
        pairs[key] = value.strip()
    return pairs


def env_number_map(name: str, default: str = "", *, minimum: float = 0) -> dict[str, float]:
    """A comma-separated list of ``key:number`` pairs (``student:5,faculty:50``), each
    number finite and at least ``minimum``; a key given twice keeps its last value."""
    mapping: dict[str, float] = {}
    for item in env_list(name, default):
        key, sep, value = item.partition(":")
        try:
            number = float(value.strip()) if sep and key.strip() else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < minimum:
            raise _bad(name, f"comma-separated key:number pairs (numbers >= {minimum})", item)
        mapping[key.strip()] = number
    return mapping
