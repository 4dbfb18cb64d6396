"""Bench-only settings for ``bench/list_api.py``: the project's settings plus the bare
floor view (``bench.list_urls``). Never used by the application or the tests."""

from api.settings import *  # noqa: F403

ROOT_URLCONF = "bench.list_urls"
