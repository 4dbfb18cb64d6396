"""What every external sign-in (CAS, Shibboleth) shares once the provider vouched for
the user: the ``user_logged_in`` signal, the sign-in session and its id, and revoking
the JWTs that came from a session when it ends.

A browser sign-in is a Django session (cookie). A ticket-less or ticket exchange
(``POST /api/v1/auth/cas``) makes a *server-side* session nobody gets the cookie of:
it is the record the CAS server's single logout finds (django-cas-ng's
``SessionTicket``: ticket → session) and ends. Each session carries a random id
(``pod_sid``, not the session key, which is a credential); the JWT pairs issued for the
session carry it as the ``sid`` claim (kept by refresh rotation), so ending the session
revokes exactly those refresh tokens, not the user's other devices.
"""

from __future__ import annotations

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from ninja_jwt.exceptions import TokenError
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import UntypedToken

from api.accounts.models import User
from api.accounts.services import SESSION_CLAIM
from api.core.errors import ValidationFailed

#: the session key holding the session's id (the ``sid`` of its JWTs)
SESSION_ID_KEY = "pod_sid"


def session_id_for(session: SessionBase) -> str:
    """The id of ``session`` (made and stored on first use): URL-safe text, 24 chars."""
    session_id = session.get(SESSION_ID_KEY)
    if not session_id:
        session_id = session[SESSION_ID_KEY] = secrets.token_urlsafe(18)
    return session_id


class NextNotAllowed(ValidationFailed):
    """A sign-in or sign-out ``?next=`` to a foreign host (HTTP 422 ``validation_error``)."""

    default_message = "next must be a URL of this API or of LOGIN_REDIRECT_ALLOWED_HOSTS."

    def __init__(self) -> None:
        super().__init__(field="next")


def next_is_allowed(request, url: str | None) -> bool:
    """Whether a sign-in may redirect to ``url`` (``?next=``): none, a path, or a URL of
    this host or of ``LOGIN_REDIRECT_ALLOWED_HOSTS`` (https only when the request is)."""
    if not url:
        return True
    hosts = {request.get_host(), *settings.LOGIN_REDIRECT_ALLOWED_HOSTS}
    return url_has_allowed_host_and_scheme(url, hosts, require_https=request.is_secure())


def signed_in(*, request, user: User) -> None:
    """Send Django's ``user_logged_in`` for a sign-in without ``django.contrib.auth.login``
    (the exchanges): its receivers run as for a browser login (``last_login``, the LDAP
    attribute population)."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)


def server_session_create(*, user: User, backend: str) -> SessionBase:
    """A stored Django session of ``user`` signed in by ``backend`` (dotted path, one of
    ``AUTHENTICATION_BACKENDS``), with its id; its cookie is never given out."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session_id_for(session)
    session.create()
    return session


def _session_of(raw: str) -> str | None:
    try:
        return UntypedToken(raw, verify=False).payload.get(SESSION_CLAIM)
    except TokenError:
        return None


@transaction.atomic
def session_tokens_revoke(*, user_id, session_id: str) -> int:
    """Revoke the user's outstanding refresh tokens whose ``sid`` is ``session_id``
    (issued for that session or refreshed from one); returns how many."""
    pending = OutstandingToken.objects.filter(
        user_id=user_id, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    )
    matching = [t for t in pending if session_id and _session_of(t.token) == session_id]
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in matching])
    return len(matching)
