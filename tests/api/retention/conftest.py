"""A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to, and
helpers to move a video's dates."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received: one parsed message per DATA, with its envelope."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m for m, rcpts in zip(self.messages, self.recipients, strict=True) if address in rcpts
        ]

    def clear(self) -> None:
        self.messages.clear()
        self.recipients.clear()


@pytest.fixture
def smtp(settings):
    """A running SMTP server on 127.0.0.1 (a free port) and Django's SMTP backend
    pointed at it; yields its inbox."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "pod@univ.example"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def policy_settings(settings):
    """A known policy: 2 years, faculty 3; warnings 60, 30 and 7 days before; archived
    videos kept 30 days; owners extend at most 5 years on."""
    settings.RETENTION_YEARS = 2
    settings.RETENTION_AFFILIATION_YEARS = {"faculty": 3}
    settings.RETENTION_WARNING_DAYS = [60, 30, 7]
    settings.RETENTION_ARCHIVE_DAYS = 30
    settings.RETENTION_EXTEND_MAX_YEARS = 5
    settings.PUBLIC_BASE_URL = "https://pod.univ.example"
    settings.VIDEO_PAGE_URL = ""
    return settings


def noon(year: int, month: int, day: int) -> datetime:
    """An instant well inside that calendar day in any European time zone."""
    return datetime(year, month, day, 12, tzinfo=UTC)


def set_deletion_date(video, day) -> None:
    from api.retention.models import VideoRetention

    VideoRetention.objects.filter(video=video).update(deletion_date=day, warned_days=None)
