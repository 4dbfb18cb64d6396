"""A real SMTP server on loopback (aiosmtpd) and Django's SMTP backend pointed at it."""

from __future__ import annotations

import email
import email.policy
import logging
import queue
import re
import socket
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from api.accounts.local.emails import mail_flush


class Inbox:
    """aiosmtpd handler keeping every message received, in order."""

    def __init__(self) -> None:
        self._messages: queue.Queue[EmailMessage] = queue.Queue()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self._messages.put(message)
        return "250 Message accepted for delivery"

    def next(self, timeout: float = 15) -> EmailMessage:
        """The next message received (waits for it)."""
        return self._messages.get(timeout=timeout)

    def pending(self) -> list[EmailMessage]:
        """The messages received and not taken yet, once every queued mail left."""
        mail_flush()
        found = []
        while not self._messages.empty():
            found.append(self._messages.get_nowait())
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """An SMTP server on a free loopback port; Django sends through it (SMTP backend)."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        mail_flush()
        controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: EmailMessage, start: str) -> tuple[str, dict[str, str]]:
    """The link starting with ``start`` in the plain text part, and its query."""
    found = re.search(re.escape(start) + r"\S+", text_of(message))
    assert found, f"no {start} link in:\n{text_of(message)}"
    query = {k: v[0] for k, v in parse_qs(urlsplit(found[0]).query).items()}
    return found[0], query
