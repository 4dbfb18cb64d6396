"""A tus PATCH over real HTTP (httpx), shared by the tests that drive concurrent writers
against a live server."""

from __future__ import annotations

import httpx


def tus_patch(http: httpx.Client, url: str, offset: int, content, length: int) -> httpx.Response:
    """PATCH ``content`` (bytes or an iterator of bytes) of ``length`` bytes at ``offset``."""
    return http.patch(
        url,
        content=content,
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(offset),
            "Content-Length": str(length),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=60,
    )
