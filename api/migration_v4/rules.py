"""How V4's values become ours: pure functions, no database (unit-tested alone).

Sources: Esup-Pod V4's models (``pod/video/models.py``: ``Video``, ``LICENCE_CHOICES``,
the TagField of django-tagging; ``pod/authentication/models.py``: ``Owner``,
``AFFILIATION``; ``pod/playlist/models.py``: ``Playlist.VISIBILITY_CHOICES``) and its
access rules (a draft is seen by its owners; a video restricted to groups by their
members; ``is_restricted`` alone means "signed-in users"; a password asks for it).
"""

from __future__ import annotations

import re

from django.contrib.auth.hashers import identify_hasher, make_password
from django.utils.text import slugify

from api.accounts.models import Affiliation
from api.videos.models import Licence, Visibility

#: V4's ``LICENCE_CHOICES`` codes → ours (no code, or an unknown one: all rights reserved)
LICENCES = {
    "by": Licence.CC_BY,
    "by-sa": Licence.CC_BY_SA,
    "by-nd": Licence.CC_BY_ND,
    "by-nc": Licence.CC_BY_NC,
    "by-nc-sa": Licence.CC_BY_NC_SA,
    "by-nc-nd": Licence.CC_BY_NC_ND,
}

#: V4's playlist visibilities → ours (no password-protected playlists here: private)
PLAYLIST_VISIBILITIES = {
    "public": Visibility.PUBLIC,
    "protected": Visibility.PRIVATE,
    "private": Visibility.PRIVATE,
}

#: the name of a user's favorites playlist in V4 (``pod.playlist.apps``), with
#: ``editable=False``: its videos become our favorites
FAVORITES_NAME = "Favorites"

_LEADING_ID = re.compile(r"^([0-9]{1,18})(?:-|$)")


def licence(code: str | None) -> tuple[str, str | None]:
    """``(our licence, note)``: the note says why an unknown code was dropped."""
    code = (code or "").strip().lower()
    if not code:
        return Licence.ALL_RIGHTS_RESERVED, None
    if code in LICENCES:
        return LICENCES[code], None
    return Licence.ALL_RIGHTS_RESERVED, f"unknown licence {code!r}: all rights reserved"


def video_visibility(
    *, is_restricted: bool, has_groups: bool, password: str | None
) -> tuple[str, str | None]:
    """``(visibility, note)`` of a V4 video, never wider than V4's (drafts are separate:
    ``is_draft`` is kept as is).

    - restricted to access groups → ``restricted`` (a password besides is dropped: the
      members see it without one; noted);
    - a password → ``password``;
    - ``is_restricted`` alone (V4: any signed-in user) → ``private``, since there is no
      "signed-in users" visibility here (noted: the owners may widen it);
    - else ``public``.
    """
    if has_groups:
        note = "password dropped: restricted to its access groups" if password else None
        return Visibility.RESTRICTED, note
    if password:
        return Visibility.PASSWORD, None
    if is_restricted:
        return Visibility.PRIVATE, "restricted to signed-in users in V4: imported as private"
    return Visibility.PUBLIC, None


def password_hash(value: str | None) -> str:
    """A Django password hash for V4's video password: V4 stores either the plain text
    (older versions) or a ``pbkdf2_sha256$...`` hash (``Video.set_password``), which
    is kept as is (our ``PASSWORD_HASHERS`` verify it and upgrade it at the first
    unlock). Empty: no password."""
    if not value:
        return ""
    try:
        identify_hasher(value)
    except ValueError:
        return make_password(value)
    return value


def parse_tags(text: str | None) -> list[str]:
    """The tag names of a django-tagging ``TagField`` value (V4's ``Video.tags``):
    double quotes group words; with a comma outside quotes, commas separate tags, else
    spaces do. Order kept, duplicates dropped."""
    text = text or ""
    quoted = re.findall(r'"([^"]*)"', text)
    rest = re.sub(r'"[^"]*"', " ", text).replace('"', " ")
    separator = "," if "," in rest else None
    names = quoted + rest.split(separator)
    seen: dict[str, None] = {}
    for name in names:
        name = " ".join(name.split())
        if name:
            seen.setdefault(name, None)
    return list(seen)


def video_slug(v4_id: int, title: str, slug: str | None) -> str:
    """V4's slug (``%04d-<slugified title>``), rebuilt the way V4 builds it when the
    column is empty."""
    return slug or f"{v4_id:04d}-{slugify(title)}"


def legacy_id(slug: str) -> int | None:
    """The V4 video id a V4 URL segment names, as V4 reads it: the digits before the
    first ``-`` (``0042-my-lecture`` and ``0042`` → 42); None when there are none."""
    match = _LEADING_ID.match(slug)
    return int(match.group(1)) if match else None


def download_id(filename: str) -> int | None:
    """The V4 video id in a file name posted to V4's ``/download/`` (relative to its
    MEDIA_ROOT): encodings live in ``videos/<owner hash>/<%04d id>/...``; None for any
    other name (a source file is looked up by its path instead)."""
    parts = [p for p in filename.strip().split("/") if p]
    if len(parts) >= 4 and parts[0] == "videos" and parts[2].isdigit() and len(parts[2]) < 19:
        return int(parts[2])
    return None


def affiliation(value: str | None) -> str:
    """V4's ``Owner.affiliation`` if it is one of ours, else blank."""
    value = (value or "").strip()
    return value if value in Affiliation.values else ""


def user_flags(*, is_superuser: bool, is_staff: bool, owns_videos: bool) -> tuple[bool, bool, bool]:
    """``(is_superuser, is_staff, can_upload)`` of a V4 user. V4's superusers administer
    the platform: admins here. V4's ``is_staff`` is what lets a user upload (Esup-Pod
    sets it for the AFFILIATION_STAFF affiliations): uploaders here, not managers (who
    see and change every video). Owners of V4 videos keep the right to upload."""
    if is_superuser:
        return True, True, True
    return False, False, bool(is_staff or owns_videos)
