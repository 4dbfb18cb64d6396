"""A scratch Esup-Pod V4 database on the test PostgreSQL server: V4's schema
(``fixtures/v4_schema.sql``) and a realistic data set (:func:`seed`), plus the media
folder V4 reads its files from. Used by the tests here and by ``bench/import_v4.py``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from psycopg import sql

SCHEMA = Path(__file__).parent / "fixtures" / "v4_schema.sql"
T0 = datetime(2019, 5, 1, 9, 30, tzinfo=UTC)

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nBonjour\n\n00:00:01.000 --> 00:00:02.000\nSuite\n"
SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHello <font color='red'>there</font>\n"


def server_url(dbname: str) -> str:
    """``postgres://`` URL of ``dbname`` on the server the test database lives on."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def _admin():
    return psycopg.connect(server_url("postgres"), autocommit=True)


def create_database(name: str, *, template: str | None = None) -> str:
    """Create ``name`` (a copy of ``template`` when given); returns its URL."""
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(query)
    return server_url(name)


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass
class V4Data:
    """What :func:`seed` made: the ids the tests look at."""

    url: str
    media_root: Path
    videos: int
    real_sources: list[int] = field(default_factory=list)


def _insert(conn, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    with conn.cursor() as cur:
        cur.executemany(query, [tuple(r[c] for c in columns) for r in rows])
    # serial columns: continue after the ids given
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), max(id)) FROM {}").format(
                sql.Literal(table), sql.Identifier(table)
            )
        )


def _user(uid, username, *, password="!unusable", staff=False, superuser=False, active=True):
    return {
        "id": uid,
        "password": password,
        "last_login": T0 + timedelta(days=uid),
        "is_superuser": superuser,
        "username": username,
        "first_name": username.title(),
        "last_name": "Doe",
        "email": f"{username or 'nobody'}@univ.example.fr",
        "is_staff": staff,
        "is_active": active,
        "date_joined": T0 - timedelta(days=365),
    }


def _owner(uid, affiliation="member", establishment="Etab_1"):
    return {
        "id": uid,
        "user_id": uid,
        "auth_type": "CAS",
        "affiliation": affiliation,
        "commentaire": "",
        "hashkey": f"{uid:064x}",
        "establishment": establishment,
        "accepts_notifications": False,
    }


def _video(vid, owner, *, source, title=None, **fields):
    title = title or f"Cours numéro {vid}"
    return {
        "id": vid,
        "video": source,
        "title": title,
        "slug": f"{vid:04d}-cours-numero-{vid}"
        if title.startswith("Cours")
        else fields.pop("slug"),
        "type_id": 1,
        "owner_id": owner,
        "description": f"<p>Description {vid}</p>",
        "date_added": T0 + timedelta(hours=vid),
        "date_evt": None,
        "cursus": "0",
        "main_lang": "fr",
        "transcript": "",
        "tags": "",
        "licence": None,
        "allow_downloading": False,
        "is_360": False,
        "is_draft": False,
        "is_restricted": False,
        "password": None,
        "thumbnail_id": None,
        "duration": 2,
        "overview": None,
        "encoding_in_progress": False,
        "is_video": True,
        "date_delete": (T0 + timedelta(days=3650)).date(),
        "disable_comment": False,
        **fields,
    }


def seed(url: str, media_root: Path, clip: Path, *, videos: int = 1000, sources: int = 3) -> V4Data:
    """Load V4's schema into the database at ``url`` and fill it:

    - users: an admin (PBKDF2 password ``admin-pw``), a teacher (V4 staff, CAS: no
      usable password), a student (``etu-pw``), a user of an unknown affiliation, one
      with an empty username (refused), 20 more uploaders;
    - two access groups, two types, two disciplines, two channels (one not listed),
      three themes (a tree);
    - videos 1-7 made by hand (see below) and generated ones up to ``videos``: the first
      ``sources`` of those have a real source file (a copy of ``clip``), the others a
      missing one;
    - caption tracks (WebVTT, SRT, an invalid one, a missing file), chapters (one at a
      taken start, one past the end), a comment thread, playlists, favorites.

    Videos: 1 public, tags, licence, channel and themes, co-owner, real source; 2 a
    draft with a plain-text password, real source; 3 restricted to a group, comments
    closed, real source; 4 V4's "signed-in users", missing file; 5 a PBKDF2 password,
    a path outside the media folder; 6 a text file as source; 7 the student's.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())
        pbkdf2 = "pbkdf2_sha256"
        users = [
            _user(1, "admin", password=make_password("admin-pw", hasher=pbkdf2), superuser=True),
            _user(2, "prof", staff=True),
            _user(3, "etu", password=make_password("etu-pw", hasher=pbkdf2)),
            _user(4, "ghost"),
            _user(5, ""),
        ] + [_user(10 + n, f"uploader{n}", staff=True) for n in range(20)]
        _insert(conn, "auth_user", users)
        owners = [
            _owner(1, "staff"),
            _owner(2, "faculty", "Etab_2"),
            _owner(3, "student"),
            _owner(4, "wizard"),
            _owner(5),
        ] + [_owner(10 + n) for n in range(20)]
        _insert(conn, "authentication_owner", owners)
        _insert(
            conn,
            "authentication_accessgroup",
            [
                {
                    "id": 1,
                    "display_name": "L3 Physique",
                    "code_name": "l3-physics",
                    "auto_sync": False,
                },
                {
                    "id": 2,
                    "display_name": "Personnels",
                    "code_name": "staff-only",
                    "auto_sync": True,
                },
            ],
        )
        _insert(
            conn,
            "authentication_owner_accessgroups",
            [
                {"id": 1, "owner_id": 2, "accessgroup_id": 1},
                {"id": 2, "owner_id": 3, "accessgroup_id": 1},
                {"id": 3, "owner_id": 1, "accessgroup_id": 2},
            ],
        )
        _insert(
            conn,
            "video_type",
            [
                {"id": 1, "title": "Cours", "slug": "cours", "description": None, "icon_id": None},
                {
                    "id": 2,
                    "title": "Conférence",
                    "slug": "conference",
                    "description": "Talks",
                    "icon_id": None,
                },
            ],
        )
        _insert(
            conn,
            "video_discipline",
            [
                {
                    "id": 1,
                    "title": "Physique",
                    "slug": "physique",
                    "description": None,
                    "icon_id": None,
                    "site_id": 1,
                },
                {
                    "id": 2,
                    "title": "Chimie",
                    "slug": "chimie",
                    "description": "",
                    "icon_id": None,
                    "site_id": 1,
                },
            ],
        )
        channel = {"headband_id": None, "color": None, "style": None, "site_id": 1}
        _insert(
            conn,
            "video_channel",
            [
                {
                    "id": 1,
                    "title": "Sciences",
                    "slug": "sciences",
                    "description": "<p>S</p>",
                    "visible": True,
                    **channel,
                },
                {
                    "id": 2,
                    "title": "Interne",
                    "slug": "interne",
                    "description": "",
                    "visible": False,
                    **channel,
                },
            ],
        )
        _insert(
            conn,
            "video_channel_owners",
            [{"id": 1, "channel_id": 1, "user_id": 2}, {"id": 2, "channel_id": 2, "user_id": 1}],
        )
        _insert(conn, "video_channel_users", [{"id": 1, "channel_id": 1, "user_id": 3}])
        theme = {"description": None, "headband_id": None}
        _insert(
            conn,
            "video_theme",
            [
                {
                    "id": 1,
                    "parentId_id": None,
                    "title": "Mécanique",
                    "slug": "mecanique",
                    "channel_id": 1,
                    **theme,
                },
                {
                    "id": 2,
                    "parentId_id": 1,
                    "title": "Optique",
                    "slug": "optique",
                    "channel_id": 1,
                    **theme,
                },
                {
                    "id": 3,
                    "parentId_id": None,
                    "title": "Archives",
                    "slug": "archives",
                    "channel_id": 2,
                    **theme,
                },
            ],
        )

        # media: V4's layout, videos/<owner hashkey>/<file>
        real_sources = [1, 2, 3] + list(range(8, 8 + sources))
        for vid in real_sources:
            path = media_root / "videos" / f"{2:064x}" / f"source-{vid}.mp4"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(clip, path)
        (media_root / "videos" / "notes.pdf").write_bytes(
            b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
        )
        files = media_root / "files" / "prof"
        files.mkdir(parents=True, exist_ok=True)
        (files / "fr.vtt").write_bytes(VTT)
        (files / "en.srt").write_bytes(SRT)
        (files / "de.vtt").write_bytes(b"not webvtt\n")

        def src(vid):
            return f"videos/{2:064x}/source-{vid}.mp4"

        rows = [
            _video(
                1,
                2,
                source=src(1),
                title="Mécanique quantique",
                slug="0001-mecanique-quantique",
                tags='physique "Mécanique quantique" cours',
                licence="by-nc",
                type_id=2,
            ),
            _video(2, 2, source=src(2), is_draft=True, password="secret"),
            _video(3, 2, source=src(3), is_restricted=True, disable_comment=True),
            _video(4, 2, source="videos/gone/missing.mp4", is_restricted=True),
            _video(5, 2, source="../../etc/passwd", password=make_password("v5-pw", hasher=pbkdf2)),
            _video(6, 2, source="videos/notes.pdf"),
            _video(7, 3, source="", licence="weird", tags="chimie, travaux pratiques"),
        ]
        for vid in range(8, videos + 1):
            source = src(vid) if vid in real_sources else f"videos/{vid:064x}/lost-{vid}.mp4"
            rows.append(
                _video(
                    vid,
                    10 + vid % 20,
                    source=source,
                    tags=f"gen tag{vid % 7}",
                    licence="by",
                    is_draft=vid % 5 == 0,
                )
            )
        _insert(conn, "video_video", rows)
        _insert(conn, "video_video_additional_owners", [{"id": 1, "video_id": 1, "user_id": 3}])
        _insert(
            conn,
            "video_video_discipline",
            [
                {"id": 1, "video_id": 1, "discipline_id": 1},
                {"id": 2, "video_id": 7, "discipline_id": 2},
            ],
        )
        _insert(conn, "video_video_channel", [{"id": 1, "video_id": 1, "channel_id": 1}])
        _insert(
            conn,
            "video_video_theme",
            [
                {"id": 1, "video_id": 1, "theme_id": 1},
                {"id": 2, "video_id": 1, "theme_id": 2},
                {"id": 3, "video_id": 1, "theme_id": 3},
            ],
        )  # 3: not of video 1's channels
        _insert(
            conn,
            "video_video_restrict_access_to_groups",
            [{"id": 1, "video_id": 3, "accessgroup_id": 1}],
        )

        now = T0 + timedelta(days=10)
        file_row = {
            "description": None,
            "date_created": now,
            "date_updated": now,
            "folder_id": None,
            "created_by_id": 2,
        }
        _insert(
            conn,
            "podfile_customfilemodel",
            [
                {"id": 1, "name": "fr", "file": "files/prof/fr.vtt", **file_row},
                {"id": 2, "name": "en", "file": "files/prof/en.srt", **file_row},
                {"id": 3, "name": "de", "file": "files/prof/de.vtt", **file_row},
                {"id": 4, "name": "it", "file": "files/prof/gone.vtt", **file_row},
            ],
        )
        _insert(
            conn,
            "completion_track",
            [
                {
                    "id": 1,
                    "video_id": 1,
                    "kind": "subtitles",
                    "lang": "fr",
                    "src_id": 1,
                    "enrich_ready": False,
                },
                {
                    "id": 2,
                    "video_id": 1,
                    "kind": "captions",
                    "lang": "en",
                    "src_id": 2,
                    "enrich_ready": False,
                },
                {
                    "id": 3,
                    "video_id": 2,
                    "kind": "subtitles",
                    "lang": "de",
                    "src_id": 3,
                    "enrich_ready": False,
                },
                {
                    "id": 4,
                    "video_id": 3,
                    "kind": "subtitles",
                    "lang": "it",
                    "src_id": 4,
                    "enrich_ready": False,
                },
            ],
        )
        _insert(
            conn,
            "chapter_chapter",
            [
                {
                    "id": 1,
                    "video_id": 1,
                    "title": "Introduction",
                    "slug": "1-introduction",
                    "time_start": 0,
                },
                {"id": 2, "video_id": 1, "title": "Suite", "slug": "2-suite", "time_start": 1},
                {"id": 3, "video_id": 1, "title": "Doublon", "slug": "3-doublon", "time_start": 1},
                {
                    "id": 4,
                    "video_id": 1,
                    "title": "Trop tard",
                    "slug": "4-trop-tard",
                    "time_start": 5,
                },
            ],
        )
        _insert(
            conn,
            "video_comment",
            [
                {
                    "id": 1,
                    "author_id": 3,
                    "content": "Merci !",
                    "parent_id": None,
                    "direct_parent_id": None,
                    "video_id": 1,
                    "added": now,
                },
                {
                    "id": 2,
                    "author_id": 2,
                    "content": "Avec plaisir",
                    "parent_id": 1,
                    "direct_parent_id": 1,
                    "video_id": 1,
                    "added": now + timedelta(hours=1),
                },
                {
                    "id": 3,
                    "author_id": 3,
                    "content": "Une question",
                    "parent_id": 1,
                    "direct_parent_id": 2,
                    "video_id": 1,
                    "added": now + timedelta(hours=2),
                },
                {
                    "id": 4,
                    "author_id": 1,
                    "content": "Fermé ici",
                    "parent_id": None,
                    "direct_parent_id": None,
                    "video_id": 3,
                    "added": now,
                },
            ],
        )
        playlist = {
            "password": "",
            "autoplay": True,
            "promoted": False,
            "date_created": now,
            "date_updated": now,
            "site_id": 1,
        }
        _insert(
            conn,
            "playlist_playlist",
            [
                {
                    "id": 1,
                    "name": "Révisions",
                    "description": "Pour l'examen",
                    "visibility": "public",
                    "editable": True,
                    "slug": "1-revisions",
                    "owner_id": 3,
                    **playlist,
                },
                {
                    "id": 2,
                    "name": "Favorites",
                    "description": "",
                    "visibility": "private",
                    "editable": False,
                    "slug": "2-favorites",
                    "owner_id": 3,
                    **playlist,
                },
                {
                    "id": 3,
                    "name": "Secret",
                    "description": "",
                    "visibility": "protected",
                    "editable": True,
                    "slug": "3-secret",
                    "owner_id": 2,
                    **playlist,
                },
            ],
        )
        _insert(
            conn, "playlist_playlist_additional_owners", [{"id": 1, "playlist_id": 1, "user_id": 2}]
        )
        _insert(
            conn,
            "playlist_playlistcontent",
            [
                {"id": 1, "playlist_id": 1, "video_id": 1, "date_added": now, "rank": 2},
                {"id": 2, "playlist_id": 1, "video_id": 3, "date_added": now, "rank": 1},
                {"id": 3, "playlist_id": 2, "video_id": 7, "date_added": now, "rank": 1},
                {"id": 4, "playlist_id": 2, "video_id": 1, "date_added": now, "rank": 2},
                {"id": 5, "playlist_id": 3, "video_id": 2, "date_added": now, "rank": 1},
            ],
        )
    return V4Data(url=url, media_root=media_root, videos=videos, real_sources=real_sources)
