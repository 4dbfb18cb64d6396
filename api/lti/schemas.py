from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator

from api.core.fields import line

Title = line(200, min_length=1)
Name = line(255, min_length=1)


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


Url = Annotated[line(1024, min_length=8), AfterValidator(_http_url)]
DeploymentIds = Annotated[list[Name], Field(max_length=100)]


class PlatformIn(Schema):
    title: Title
    issuer: Name = Field(description="the platform's iss (Moodle: its URL)")
    client_id: Name = Field(description="the client id the platform gave the tool")
    deployment_ids: DeploymentIds = Field([], description="deployment ids launches may use")
    auth_login_url: Url = Field(description="the platform's OIDC authentication request URL")
    auth_token_url: Url = Field(description="the platform's OAuth 2 access token URL")
    key_set_url: Url = Field(description="the platform's public keyset URL (JWKS)")
    is_active: bool = True


class PlatformPatch(Schema):
    title: Title | None = None
    issuer: Name | None = None
    client_id: Name | None = None
    deployment_ids: DeploymentIds | None = None
    auth_login_url: Url | None = None
    auth_token_url: Url | None = None
    key_set_url: Url | None = None
    is_active: bool | None = None
    rotate_key: bool = Field(False, description="give the tool a new key pair")


class ToolUrlsOut(Schema):
    """What to paste in the platform's tool configuration."""

    login_url: str = Field(description="Initiate login URL")
    launch_url: str = Field(description="Tool URL and Redirection URI")
    jwks_url: str = Field(description="Public keyset URL")
    deep_linking_url: str = Field(description="Content Selection URL (the launch URL)")


class PlatformOut(Schema):
    id: int
    title: str
    issuer: str
    client_id: str
    deployment_ids: list[str]
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    is_active: bool
    created_at: datetime
    tool_key_id: str = Field(description="kid of the tool's key for this registration")
    tool_public_key: str = Field(description="PEM, for platforms that take a key, not a URL")
    tool: ToolUrlsOut

    @staticmethod
    def resolve_tool(obj, context) -> dict:
        request = context["request"]
        launch = request.build_absolute_uri(reverse("lti-launch"))
        return {
            "login_url": request.build_absolute_uri(reverse("lti-login")),
            "launch_url": launch,
            "jwks_url": request.build_absolute_uri(reverse("lti-jwks")),
            "deep_linking_url": launch,
        }


class CodeIn(Schema):
    code: line(2000, min_length=1) = Field(description="the lti_code of a launch redirect")
