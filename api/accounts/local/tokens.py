"""The one-time tokens of e-mailed links, made by Django's ``PasswordResetTokenGenerator``
(an HMAC of the user's state and a timestamp, keyed by ``SECRET_KEY``, valid
``PASSWORD_RESET_TIMEOUT`` seconds): nothing is stored, and a token dies when the state it
signs changes.

- password reset: Django's generator as is; it signs the password hash and last login,
  so a token dies once the password is set with it;
- activation: signs ``is_active``, so a token dies once the account is active;
  :func:`activation_was_used` tells such a replay from a forged token.

Links carry ``uid`` (the user's id, base64url, as Django's own reset views do) and
``token``.
"""

from __future__ import annotations

import copy

from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from api.accounts.models import User


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of account activation links (their own HMAC salt: a reset token never
    activates and the reverse)."""

    key_salt = "api.accounts.local.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0)
        return f"{user.pk}{user.is_active}{login}{user.email}{timestamp}"


activation_token = ActivationTokenGenerator()
reset_token = default_token_generator


def uid_encode(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def uid_user(uid: str, *, lock: bool = False) -> User | None:
    """The user a link's ``uid`` names, or None (malformed, unknown). ``lock``: select
    the row for update (inside a transaction), so one token is only used once."""
    try:
        pk = int(urlsafe_base64_decode(uid).decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None
    users = User.objects.select_for_update() if lock else User.objects
    return users.filter(pk=pk).first()


def activation_was_used(user: User, token: str) -> bool:
    """Whether ``token`` is a genuine activation token of ``user`` issued while the
    account was pending (inactive, never logged in): a replayed link."""
    pending = copy.copy(user)
    pending.is_active, pending.last_login = False, None
    return activation_token.check_token(pending, token)
