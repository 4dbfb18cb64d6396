"""V4 values → ours (pure functions)."""

import pytest
from django.contrib.auth.hashers import check_password, make_password

from api.migration_v4 import rules


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("physique chimie", ["physique", "chimie"]),
        ('physique "mécanique quantique" cours', ["mécanique quantique", "physique", "cours"]),
        ("chimie, travaux pratiques", ["chimie", "travaux pratiques"]),
        ("a a  b", ["a", "b"]),
        ('"unclosed tag', ["unclosed", "tag"]),
        ("", []),
        (None, []),
    ],
)
def test_tags_are_read_as_django_tagging_writes_them(text, names):
    assert rules.parse_tags(text) == names


def test_licences():
    assert rules.licence("by-nc-sa") == ("cc-by-nc-sa", None)
    assert rules.licence(None) == ("all-rights-reserved", None)
    licence, note = rules.licence("weird")
    assert licence == "all-rights-reserved" and "weird" in note


@pytest.mark.parametrize(
    ("restricted", "groups", "password", "visibility", "noted"),
    [
        (False, False, None, "public", False),
        (True, True, None, "restricted", False),
        (False, True, "pw", "restricted", True),  # never wider: members, not everyone
        (False, False, "pw", "password", False),
        (True, False, None, "private", True),  # V4's "signed-in users": no such thing here
    ],
)
def test_video_visibility_is_never_wider_than_v4s(restricted, groups, password, visibility, noted):
    result, note = rules.video_visibility(
        is_restricted=restricted, has_groups=groups, password=password
    )
    assert result == visibility and bool(note) == noted


def test_video_passwords_plain_or_hashed_both_work():
    assert check_password("secret", rules.password_hash("secret"))
    hashed = make_password("v5-pw", hasher="pbkdf2_sha256")
    assert rules.password_hash(hashed) == hashed
    assert rules.password_hash("") == rules.password_hash(None) == ""


@pytest.mark.parametrize(
    ("slug", "v4_id"),
    [("0042-my-lecture", 42), ("0042", 42), ("42", 42), ("my-lecture", None), ("4x-a", None)],
)
def test_v4_urls_name_a_video_by_their_leading_id(slug, v4_id):
    assert rules.legacy_id(slug) == v4_id


def test_download_names():
    assert rules.download_id("videos/abc/0042/video_42_720.mp4") == 42
    assert rules.download_id("/videos/abc/0042/audio/audio_42.mp3") == 42
    assert rules.download_id("videos/abc/source.mp4") is None
    assert rules.download_id("files/abc/0042/x.pdf") is None


def test_user_flags():
    assert rules.user_flags(is_superuser=True, is_staff=False, owns_videos=False) == (
        True,
        True,
        True,
    )
    # V4's staff upload; they do not manage everyone's videos here
    assert rules.user_flags(is_superuser=False, is_staff=True, owns_videos=False) == (
        False,
        False,
        True,
    )
    assert rules.user_flags(is_superuser=False, is_staff=False, owns_videos=True)[2]
    assert not rules.user_flags(is_superuser=False, is_staff=False, owns_videos=False)[2]
