"""Users, their roles and access groups.

**Roles** are derived from three flags on the user row rather than stored as Django
groups/permissions: ``admin`` = ``is_superuser``, ``manager`` = ``is_staff`` (sees and
changes every video, uses the admin site), ``uploader`` = ``can_upload``, else
``viewer``. The flags are already loaded with the authenticated user, so checking a role
costs no query, and selectors can use them to build their filters (Django's
group permissions would cost one or two queries per request and could not shape a
queryset). Django groups and model permissions remain available for the admin site.
:func:`api.accounts.services.user_set_role` sets the flags of a role consistently.

**Access groups** (Esup-Pod's ``AccessGroup``) are audiences, not permission bundles:
a video with ``visibility=restricted`` is seen by the members of its groups. Their
``code_name`` is the stable identifier clients and identity providers use. The members
of an ``auto_sync`` group (Esup-Pod's) follow an identity provider's group list at each
login: :func:`api.accounts.services.user_access_groups_sync`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Manager (staff)"
    UPLOADER = "uploader", "Uploader"
    VIEWER = "viewer", "Viewer"


class Affiliation(models.TextChoices):
    """eduPersonAffiliation values, plus those Esup-Pod adds."""

    STUDENT = "student", "Student"
    FACULTY = "faculty", "Faculty"
    STAFF = "staff", "Staff"
    EMPLOYEE = "employee", "Employee"
    MEMBER = "member", "Member"
    AFFILIATE = "affiliate", "Affiliate"
    ALUM = "alum", "Alumnus"
    LIBRARY_WALK_IN = "library-walk-in", "Library walk-in"
    RESEARCHER = "researcher", "Researcher"
    RETIRED = "retired", "Retired"
    EMERITUS = "emeritus", "Emeritus"
    TEACHER = "teacher", "Teacher"
    REGISTERED_READER = "registered-reader", "Registered reader"


class User(AbstractUser):
    """Pod V5 user. ``affiliation`` and ``establishment`` usually come from the identity
    provider; ``can_upload`` grants the right to create videos (managers and admins
    always have it: see :attr:`upload_allowed`)."""

    affiliation = models.CharField(
        max_length=32, choices=Affiliation.choices, blank=True, default=""
    )
    establishment = models.CharField(max_length=100, blank=True, default="")
    can_upload = models.BooleanField(
        default=False,
        help_text="May create videos (the uploader role). Staff and superusers always may.",
    )
    quota_bytes = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Storage quota in bytes, overriding the affiliation's and the default "
        "(USER_QUOTA_AFFILIATION_GB, USER_QUOTA_SIZE_GB); 0 = unlimited, empty = inherit. "
        "See api.accounts.quotas.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.username

    @property
    def role(self) -> Role:
        if self.is_superuser:
            return Role.ADMIN
        if self.is_staff:
            return Role.MANAGER
        return Role.UPLOADER if self.can_upload else Role.VIEWER

    @property
    def upload_allowed(self) -> bool:
        """Whether the user may create videos: any role but viewer."""
        return self.is_active and self.role != Role.VIEWER


class AccessGroup(models.Model):
    """A named audience (Esup-Pod's AccessGroup), e.g. a course or an LDAP group."""

    code_name = models.CharField(
        max_length=150, unique=True, help_text="Stable identifier, e.g. 'l3-physics'."
    )
    display_name = models.CharField(max_length=250)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="access_groups", blank=True
    )
    auto_sync = models.BooleanField(
        default=False,
        help_text="Members follow the identity provider's groups (LDAP, CAS...) at each "
        "login: a user no longer listed leaves the group.",
    )

    class Meta:
        ordering = ("display_name", "code_name")

    def __str__(self) -> str:
        return self.display_name or self.code_name
