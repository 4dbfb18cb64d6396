"""Benchmark of ``manage.py import_esup_v4`` (a script, not a test): the time to import
a V4 database of ``--videos`` videos (``tests/api/migration_v4/v4_fixture.seed``: 25
users, channels, themes, captions, chapters, comments, playlists, 6 real source files
copied, probed and queued for encoding, the others missing), then the time of a second
run over the same data (everything updated, nothing duplicated).

Needs PostgreSQL (the V4 database is created on the same server)::

    PGPORT=54341 scripts/with-postgres.sh \
        .venv/bin/python bench/import_v4.py [--videos 1000] [--profile]

The encodings the import queues are not waited for (the local backend's workers are
stopped when the script exits).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (scripts/with-postgres.sh)")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from api.migration_v4.reader import V4Source
    from api.migration_v4.services import import_run
    from tests.api.migration_v4.v4_fixture import create_database, drop_database, seed
    from tests.conftest import make_clip

    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="bench-v4-"))
    settings.MEDIA_ROOT = work / "ours"
    settings.UPLOAD_SPOOL_DIR = work / "ours" / "uploads"
    media = work / "v4-media"
    media.mkdir()
    clip = make_clip(work / "clip.mp4", seconds=1.0, size="160x120")
    name = f"v4_bench_{uuid.uuid4().hex[:8]}"
    t = time.perf_counter()
    data = seed(create_database(name), media, clip, videos=args.videos)
    print(f"V4 database seeded with {args.videos} videos in {time.perf_counter() - t:.1f} s")
    try:
        for label in ("first run", "second run"):
            profiler = cProfile.Profile() if args.profile else None
            with V4Source(data.url) as source:
                t = time.perf_counter()
                if profiler:
                    profiler.enable()
                report = import_run(source=source, media_root=media)
                if profiler:
                    profiler.disable()
                elapsed = time.perf_counter() - t
            videos = report.kinds["video"]
            print(
                f"{label}: {args.videos} videos in {elapsed:.2f} s "
                f"({args.videos / elapsed:.0f} videos/s; videos imported {videos.imported}, "
                f"updated {videos.updated}; sources imported "
                f"{report.kinds['source'].imported}, skipped {report.kinds['source'].skipped})"
            )
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
