"""Schemas of local accounts. Every field is bounded (see ``api.core.fields``)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator

from api.accounts.schemas import Email, LoginPassword
from api.core.fields import line

#: an e-mail address that must be given
RequiredEmail = Annotated[Email, AfterValidator(lambda v: v if v else _required())]
#: a new account's user name (Django's rule, letters, digits and @.+-_, is checked after)
UserName = line(150, min_length=1)
#: a link's ``uid`` (base64url of a user id) and ``token`` (Django's ``<ts>-<hmac>``)
LinkUid = line(64, min_length=1, strip=False)
LinkToken = line(128, min_length=1, strip=False)


def _required() -> str:
    raise ValueError("An e-mail address is required.")


class RegisterIn(Schema):
    username: UserName = Field(description="letters, digits and @.+-_")
    email: RequiredEmail
    password: LoginPassword


class LinkIn(Schema):
    uid: LinkUid = Field(description="the link's uid")
    token: LinkToken = Field(description="the link's token")


class ResetIn(Schema):
    email: RequiredEmail


class ResetConfirmIn(LinkIn):
    new_password: LoginPassword


class PasswordChangeIn(Schema):
    old: LoginPassword = Field(description="the current password")
    new: LoginPassword = Field(description="the new password (AUTH_PASSWORD_VALIDATORS)")


class AcceptedOut(Schema):
    detail: str
