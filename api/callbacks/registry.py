"""Callback handlers, one per event-type prefix (``encoding.``, ``live.``).

A handler names the event types it takes (their ``data`` is already typed:
``podv5_contract.events.CallbackEvent`` is a union discriminated by ``type``), how to
find the event's subject (the id a receipt records) and the function that applies an
event and returns the handler's own outcome (a JSON-able dict, the callback's answer).
Handlers are registered explicitly (``api.callbacks.apps.CallbacksConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Handler:
    prefix: str
    types: tuple[str, ...]
    subject: Callable[[Any], UUID]
    apply: Callable[[str, Any], dict]


_handlers: dict[str, Handler] = {}


def register(handler: Handler) -> None:
    """Register ``handler`` for its prefix (registering the same prefix again replaces it)."""
    if not handler.prefix.endswith(".") or not all(
        t.startswith(handler.prefix) for t in handler.types
    ):
        raise ValueError(f"handler types must start with its prefix {handler.prefix!r}")
    _handlers[handler.prefix] = handler


def handler_for(event_type: str) -> Handler | None:
    """The handler of ``event_type``, None if no handler takes it."""
    prefix = event_type.split(".", 1)[0] + "."
    handler = _handlers.get(prefix)
    return handler if handler is not None and event_type in handler.types else None
