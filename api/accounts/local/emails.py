"""Mails to users, through Django's e-mail backend (``EMAIL_*`` settings,
``DEFAULT_FROM_EMAIL``).

A mail is rendered in the request (templates ``accounts/email/<name>_subject.txt``,
``<name>.txt`` and, when it exists, ``<name>.html`` as an alternative part) and handed,
once the transaction commits, to one background thread that sends it. The request does
not wait for the mail server: an answer takes as long whether a mail was sent or not
(registration and reset requests do not reveal which addresses have an account), and a
slow or failing server does not fail the request. A failure is logged
(``api.accounts.mail``); the mail is not retried.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger("api.accounts.mail")

#: one sender thread: mails leave in the order they were queued
_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pod-mail")


def render_mail(*, to: str, template: str, context: dict) -> EmailMultiAlternatives:
    """The mail ``template`` for ``to`` (subject on one line, with
    ``EMAIL_SUBJECT_PREFIX``)."""
    base = f"accounts/email/{template}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    body = render_to_string(f"{base}.txt", context)
    message = EmailMultiAlternatives(
        settings.EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [to]
    )
    with contextlib.suppress(TemplateDoesNotExist):  # the HTML part is optional
        message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


def _deliver(message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception:
        logger.exception("could not send %r to %s", message.subject, ", ".join(message.to))


def mail_send(*, to: str, template: str, context: dict) -> None:
    """Render ``template`` for ``to`` now, send it after the current transaction commits
    (at once outside one), in the background."""
    message = render_mail(to=to, template=template, context=context)
    transaction.on_commit(lambda: _sender.submit(_deliver, message))


def mail_flush(timeout: float = 30) -> None:
    """Wait until every mail queued so far was handed to the mail server (or failed)."""
    marker: Future = _sender.submit(lambda: None)
    marker.result(timeout=timeout)
