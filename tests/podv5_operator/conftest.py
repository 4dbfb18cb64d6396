"""The media fixtures (clips, the signed-callback receiver, the worker runner) of
``tests/podv5_media``, for the operator's tests too."""

from tests.podv5_media.conftest import *  # noqa: F403
