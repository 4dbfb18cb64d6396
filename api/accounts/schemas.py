"""Account schemas. ``role`` and ``can_upload`` are read-only here: roles are given by
administrators (admin site, ``manage.py ensure_user --role``, the user administration
API: ``api.accounts.admin_schemas``) or identity providers."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from api.accounts.models import Role
from api.accounts.quotas import quota_limit_bytes, quota_of
from api.core.fields import line


class AccessGroupOut(Schema):
    code_name: str
    display_name: str


class QuotaOut(Schema):
    used_bytes: int = Field(description="bytes stored for the videos you own (sources, outputs)")
    limit_bytes: int | None = Field(description="your storage quota in bytes; null: unlimited")


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    affiliation: str = Field(description="eduPersonAffiliation value, or ''")
    establishment: str
    role: Role = Field(description="admin, manager (staff), uploader or viewer")
    can_upload: bool = Field(description="whether the user may create videos")
    is_staff: bool
    access_groups: list[AccessGroupOut]
    quota: QuotaOut = Field(description="storage quota (docs/auth.md, Quotas)")

    @staticmethod
    def resolve_can_upload(obj) -> bool:
        return obj.upload_allowed

    @staticmethod
    def resolve_quota(obj) -> dict:
        used = getattr(obj, "quota_used", None)  # counted for a whole page by user_list
        if used is None:
            return quota_of(obj)
        return {"used_bytes": used, "limit_bytes": quota_limit_bytes(obj)}

    @staticmethod
    def resolve_access_groups(obj):
        return obj.access_groups.all()


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("Enter a valid email address.") from None
    return value


Name = line(150)
Email = Annotated[line(254), AfterValidator(_email)]

LoginName = line(150, min_length=1, strip=False)
LoginPassword = line(4096, min_length=1, strip=False)
#: a JWT (base64url segments and dots; bounded so a huge one is refused before decoding)
JwtText = line(8192, min_length=1, strip=False)


class UserPatch(Schema):
    """What users may change about themselves; other fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None


class LoginIn(Schema):
    username: LoginName
    password: LoginPassword


class RefreshIn(Schema):
    refresh: JwtText = Field(description="a refresh token from /auth/token/pair")


class TokenIn(Schema):
    token: JwtText = Field(description="an access or refresh token")


class TokenPairOut(Schema):
    access: str = Field(description="JWT for `Authorization: Bearer`, valid JWT_ACCESS_MINUTES")
    refresh: str = Field(description="JWT for /auth/token/refresh, single use (rotated)")


class CsrfOut(Schema):
    csrf_token: str = Field(description="send it back as the X-CSRFToken header")


#: a CAS service URL, and a service ticket (CAS 3.0 §3.1.2: up to 256 characters)
CasService = line(2048, min_length=1, strip=False)
CasTicket = line(256, min_length=1, strip=False)


class CasTicketIn(Schema):
    service: CasService = Field(
        description="the service URL the ticket was issued for (one of CAS_ALLOWED_SERVICES)"
    )
    ticket: CasTicket = Field(description="the service ticket (ST-...) given to the service")
