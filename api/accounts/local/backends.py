"""The password backend of local accounts: Django's ``ModelBackend`` switched by
``USE_LOCAL_AUTH`` (read at each call). Off, local passwords sign in nowhere (API, admin
site), while the backend still answers for users and permissions of sessions; other
password backends (LDAP) keep working."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class LocalPasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.USE_LOCAL_AUTH:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
