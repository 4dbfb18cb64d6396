"""Building blocks of the access rules, shared by every owned object with visibility
(videos, live events; playlists next): expressed as query conditions, so selectors apply
them in the database, never by filtering in Python.

The model needs ``owner``, ``additional_owners`` (users) and ``access_groups``
(``accounts.AccessGroup``) fields.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    Value,
)


def is_staff(user) -> bool:
    """Managers and admins see and change everything."""
    return bool(user.is_authenticated and user.is_staff)


def _through_filter(model: type[Model], relation: str, **conditions):
    field = model._meta.get_field(relation)
    own_key = f"{field.m2m_field_name()}_id"
    return field.remote_field.through.objects.filter(**{own_key: OuterRef("pk")}, **conditions)


def owners_q(model: type[Model], user) -> Q:
    """``user`` owns the object or is one of its additional owners."""
    co_owner = _through_filter(model, "additional_owners", user_id=user.pk)
    return Q(owner_id=user.pk) | Q(Exists(co_owner))


def group_member_q(model: type[Model], user) -> Q:
    """``user`` is a member of one of the object's access groups."""
    member = _through_filter(model, "access_groups", accessgroup__members=user.pk)
    return Q(Exists(member))


def can_edit_expression(model: type[Model], user) -> Expression:
    """A boolean the database computes per row (``annotate(user_can_edit=...)``): staff,
    or an owner or additional owner."""
    if is_staff(user):
        return Value(True)
    if user.is_authenticated:
        return ExpressionWrapper(owners_q(model, user), output_field=BooleanField())
    return Value(False)
