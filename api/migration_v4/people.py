"""Users (with their V4 password hashes, kept as is) and access groups.

V4 tables: ``auth_user``, ``authentication_owner`` (affiliation, establishment),
``authentication_accessgroup`` and ``authentication_owner_accessgroups`` (members, by
Owner id).
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from api.accounts.models import AccessGroup, User
from api.migration_v4 import rules
from api.migration_v4.models import Kind
from api.migration_v4.services import Context

USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
]


def _owners(ctx: Context) -> dict[int, dict]:
    """V4's Owner profiles by Owner id: ``{"user_id", "affiliation", "establishment"}``."""
    if not ctx.source.has_table("authentication_owner"):
        return {}
    return {
        row["id"]: row
        for row in ctx.source.rows(
            "authentication_owner", ["id", "user_id"], optional=("affiliation", "establishment")
        )
    }


def _password(user: User, v4_hash: str, previous: str | None, created: bool) -> str | None:
    """The hash to give ``user`` (None: keep theirs). V4's hashes are Django's and are
    kept as is (``PASSWORD_HASHERS`` verifies them and upgrades them at the next login).
    A later run sets V4's hash again only while the user still has the one the previous
    run gave (a password changed here is never reverted); a user who existed before the
    import (same username) keeps a usable password of theirs."""
    v4_hash = v4_hash or make_password(None)
    if created:
        return v4_hash
    if previous is not None:
        return v4_hash if user.password == previous and v4_hash != previous else None
    return None if user.has_usable_password() else v4_hash


def import_users(ctx: Context) -> None:
    """V4 users → ours, by V4 id, else by username (an account that signed in here
    before the import is merged, not duplicated). Roles: :func:`rules.user_flags`."""
    owners = {o["user_id"]: o for o in _owners(ctx).values()}
    video_owners = {r["owner_id"] for r in ctx.source.rows("video_video", ["id", "owner_id"])}
    mapped = ctx.mapped(Kind.USER)
    existing = User.objects.in_bulk([int(m.target_id) for m in mapped.values()])
    for row in list(ctx.source.rows("auth_user", USER_COLUMNS)):
        username = (row["username"] or "").strip()
        if not username or len(username) > 150:
            ctx.report.refuse("user", row["id"], "no usable username")
            continue
        mapping = mapped.get(row["id"])
        user = existing.get(int(mapping.target_id)) if mapping else None
        if user is None:
            user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        elif User.objects.filter(username=username).exclude(pk=user.pk).exists():
            ctx.report.refuse("user", row["id"], f"username {username!r} is another user's")
            continue
        owner = owners.get(row["id"], {})
        user.username = username
        user.first_name = (row["first_name"] or "")[:150]
        user.last_name = (row["last_name"] or "")[:150]
        user.email = (row["email"] or "")[:254]
        user.is_active = bool(row["is_active"])
        user.date_joined = row["date_joined"] or user.date_joined
        user.last_login = row["last_login"] or user.last_login
        user.is_superuser, user.is_staff, user.can_upload = rules.user_flags(
            is_superuser=bool(row["is_superuser"]),
            is_staff=bool(row["is_staff"]),
            owns_videos=row["id"] in video_owners,
        )
        affiliation = rules.affiliation(owner.get("affiliation"))
        if owner.get("affiliation") and not affiliation:
            ctx.report.note("user", row["id"], f"unknown affiliation {owner['affiliation']!r}")
        user.affiliation = affiliation or user.affiliation
        user.establishment = (owner.get("establishment") or user.establishment or "")[:100]
        previous = mapping.data.get("password") if mapping else None
        password = _password(user, row["password"] or "", previous, created)
        if password is not None:
            user.password = password
        user.save()
        ctx.record(Kind.USER, row["id"], user.pk, password=password or previous or "")
        ctx.report.done("user", created)


def import_access_groups(ctx: Context) -> None:
    """V4 access groups → ours, by V4 id, else by ``code_name`` (merged); members are
    V4's (by Owner profile), replacing the group's members."""
    if not ctx.source.has_table("authentication_accessgroup"):
        return
    owner_users = {oid: o["user_id"] for oid, o in _owners(ctx).items()}
    members: dict[int, list[int]] = {}
    for owner_id, group_id in ctx.source.pairs(
        "authentication_owner_accessgroups", "owner_id", "accessgroup_id"
    ):
        user_id = ctx.target(Kind.USER, owner_users.get(owner_id))
        if user_id:
            members.setdefault(group_id, []).append(int(user_id))
    mapped = ctx.mapped(Kind.ACCESS_GROUP)
    rows = list(
        ctx.source.rows(
            "authentication_accessgroup",
            ["id", "code_name", "display_name"],
            optional=("auto_sync",),
        )
    )
    for row in rows:
        code_name = (row["code_name"] or "").strip()[:150]
        if not code_name:
            ctx.report.refuse("access_group", row["id"], "no code name")
            continue
        mapping = mapped.get(row["id"])
        group = AccessGroup.objects.filter(pk=mapping.target_id).first() if mapping else None
        group = group or AccessGroup.objects.filter(code_name=code_name).first()
        created = group is None
        if created:
            group = AccessGroup(code_name=code_name)
        elif AccessGroup.objects.filter(code_name=code_name).exclude(pk=group.pk).exists():
            ctx.report.refuse("access_group", row["id"], f"code name {code_name!r} is taken")
            continue
        group.code_name = code_name
        group.display_name = (row["display_name"] or code_name)[:250]
        group.auto_sync = bool(row["auto_sync"])
        group.save()
        group.members.set(members.get(row["id"], []))
        ctx.record(Kind.ACCESS_GROUP, row["id"], group.pk)
        ctx.report.done("access_group", created)
