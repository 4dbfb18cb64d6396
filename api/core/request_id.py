"""The request id: one id per API request, in every log line it causes and in its answer.

``RequestIdMiddleware`` (outermost) takes the ``X-Request-ID`` header when it is a
well-formed id (1-128 characters of ``[A-Za-z0-9._:@+=/-]``), else makes a fresh one
(32 hex digits; a malformed header is replaced, never echoed), makes it the current
request id (``podv5_contract.logs.REQUEST_ID``, read by the ``RequestIdFilter`` of the
log handlers) for the time of the request, and sends it back as ``X-Request-ID`` on
every response. An encode the request starts carries it in its EncodingJob's
``spec.requestId`` (see ``api.encoding.services.build_spec``), and from there into the
worker's log lines (env ``POD_REQUEST_ID``).

``ClientIpFilter`` (on the log handlers of ``settings.LOGGING``) adds ``client_ip`` to
every record: the client address of the request being handled (``api.core.client``:
the forwarded one behind trusted proxies), ``-`` outside requests. JSON logs carry it as
a field; text logs do not show it.
"""

from __future__ import annotations

import logging

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from api.core.client import CLIENT_IP
from podv5_contract.logs import REQUEST_ID, new_request_id, valid_request_id

HEADER = "X-Request-ID"


def current_request_id() -> str | None:
    """The request id of the request being handled in this context, or None."""
    return REQUEST_ID.get()


class RequestIdMiddleware:
    """Sets ``request.request_id`` and the context's request id; adds ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = valid_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id
        # kept until the response is closed (request_finished): Django logs 4xx/5xx
        # responses (django.request) after the middlewares have returned
        REQUEST_ID.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class ClientIpFilter(logging.Filter):
    """Sets ``record.client_ip``: the current request's client address, else ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "client_ip", None):
            record.client_ip = CLIENT_IP.get() or "-"
        return True


def _forget_request_id(**_) -> None:
    REQUEST_ID.set(None)
    CLIENT_IP.set("")


request_finished.connect(_forget_request_id, dispatch_uid="pod-v5-request-id")
