"""The handler registry: one handler per event-type prefix, registered by the app."""

import pytest

from api.callbacks.registry import Handler, handler_for, register
from podv5_contract.events import EVENT_TYPES


def test_every_event_type_has_its_handler():
    for event_type in EVENT_TYPES:
        handler = handler_for(event_type)
        assert handler is not None and event_type.startswith(handler.prefix)


def test_unknown_types_have_none():
    assert handler_for("encoding.exploded") is None
    assert handler_for("billing.paid") is None


def test_a_handler_takes_only_types_of_its_prefix():
    with pytest.raises(ValueError):
        register(
            Handler(
                prefix="encoding.",
                types=("live.ended",),
                subject=lambda data: None,
                apply=lambda event_type, data: {},
            )
        )
