"""The signed-callback receiver of ``tests/podv5_media``, for the contract's tests."""

from tests.podv5_media.conftest import *  # noqa: F403
