"""LTI 1.3 (IMS Learning Tools Interoperability, https://www.imsglobal.org/spec/lti/v1p3/):
the platforms (LMS such as Moodle) registered with Pod as a tool, the LMS users they
launched, and what their resource links show.

- :class:`LtiPlatform`: one registration of the tool in a platform (issuer + client id,
  the platform's OIDC login, token and key set URLs, the deployment ids allowed) and the
  tool's own RSA key pair for that registration (it signs deep linking responses; the
  public half is served at ``/lti/jwks/``).
- :class:`LtiUser`: the Pod user of a platform user (the id token's ``sub``).
- :class:`LtiResourceLink`: the video or playlist a resource link (a placement in a
  course) shows, remembered from the launch that named it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LtiPlatform(models.Model):
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=255, help_text="The platform's iss, e.g. its URL.")
    client_id = models.CharField(max_length=255, help_text="The client id the platform gave.")
    deployment_ids = models.JSONField(
        default=list, blank=True, help_text="The deployment ids launches may come from."
    )
    auth_login_url = models.URLField(max_length=1024, help_text="Platform's OIDC auth URL.")
    auth_token_url = models.URLField(max_length=1024, help_text="Platform's OAuth2 token URL.")
    key_set_url = models.URLField(max_length=1024, help_text="Platform's public keyset (JWKS).")
    #: the tool's private key for this registration (PEM, PKCS#8): generated, never shown
    tool_private_key = models.TextField(editable=False)
    tool_public_key = models.TextField(editable=False)
    #: the key's RFC 7638 thumbprint, its ``kid``
    tool_key_id = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("title", "id")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_platform_client"),
        ]

    def __str__(self) -> str:
        return self.title


class LtiUser(models.Model):
    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="users")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_accounts"
    )
    last_launch_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "sub"], name="lti_user_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}:{self.sub}"


class LtiResourceLink(models.Model):
    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    video = models.ForeignKey(
        "videos.Video", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    playlist = models.ForeignKey(
        "editorial.Playlist", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "resource_link_id"], name="lti_resource_link"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.resource_link_id
