"""HTTP clients of peers the API calls synchronously (the CAS server): never without a
timeout, so a peer that stops answering cannot hold a request thread forever."""

from __future__ import annotations

import requests


class TimeoutSession(requests.Session):
    """A ``requests.Session`` whose requests time out after ``timeout`` seconds (connect
    and each read) unless they give their own."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)
