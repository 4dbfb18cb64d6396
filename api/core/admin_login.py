"""The admin's login form under the login rate limits.

A staff session becomes a JWT pair through ``POST /api/v1/auth/session-token``, so the
admin's password form (``/admin/login/``) is as valuable to a password guesser as
``POST /api/v1/auth/token/pair``: every POST of it counts against the same limits
(:func:`api.core.ratelimit.enforce_login`: scope ``login`` per client address, scope
``login_user`` per username). Past them the form answers HTTP 429 with ``Retry-After``
and the message as its error, before any password is checked, even the right one.

With ``STAFF_ALLOWED_CIDRS`` set, a staff account signing in from another address is
refused with :data:`api.core.staff_network.REFUSED` (code ``staff_network_refused``),
after its password was checked (``api.core.staff_network``). A sign-in service that is
down (an ``api.core.errors.PodError`` raised by an auth backend, e.g. LDAP's 503) is the
form's error instead of a server error.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import ValidationError

from api.core.errors import PodError, RateLimited
from api.core.ratelimit import enforce_login
from api.core.staff_network import REFUSED, staff_rights_allowed


class RateLimitedAdminLoginForm(AdminAuthenticationForm):
    """``AdminAuthenticationForm`` that counts the attempt first; past the limit, a
    non-field error (code ``rate_limited``) and ``retry_after`` (seconds) are set."""

    retry_after: int | None = None

    def clean(self):
        try:
            enforce_login(self.request, username=self.data.get("username", "") or "")
        except RateLimited as exc:
            self.retry_after = exc.retry_after
            raise ValidationError(str(exc), code="rate_limited") from None
        try:
            return super().clean()
        except PodError as exc:  # e.g. the LDAP directory is down
            raise ValidationError(exc.message, code=exc.code) from None

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)  # staff only, else "invalid_login"
        if not staff_rights_allowed(self.request):
            raise ValidationError(REFUSED, code="staff_network_refused")


def install(site: AdminSite) -> None:
    """Make ``site``'s login view use the limited form and answer 429 when limited."""
    site.login_form = RateLimitedAdminLoginForm
    login = site.login

    def limited_login(request, extra_context=None):
        response = login(request, extra_context)
        form = getattr(response, "context_data", {}) or {}
        form = form.get("form")
        retry_after = getattr(form, "retry_after", None)
        if retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    site.login = limited_login
