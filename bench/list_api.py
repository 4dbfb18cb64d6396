"""List API throughput: ``GET /api/v1/videos?limit=20`` against a bare Django view.

Seeds a PostgreSQL database (default ``podv5_bench`` on the dev cluster) with 10,000
videos (bulk-created, with 100 owners, 50 channels, 300 tags, types, disciplines and
an encoding job each; the bench user owns or co-owns 2,000 of them), serves the
project as production does (gunicorn, uvicorn workers of ``api.serving`` on
``api.asgi:application``) on loopback — both sides through the same server — and loads,
with ``wrk`` at 32 concurrent connections:

- the API: ``GET /api/v1/videos?limit=20`` (Django Ninja: auth, filters, keyset page,
  ``VideoOut`` schema, envelope);
- the floor: ``GET /bench/videos?limit=20``, a plain function view (``bench/list_views``,
  mounted by ``bench/list_settings`` only) running the same queries and answering the
  same JSON with ``JsonResponse``.

The two alternate in short rounds (the machine's other load weighs on both alike).
Prints requests/s (all rounds), the median p50 and the worst p99 of the rounds, and
the API/floor ratio. Targets
(issue #5): ratio ≥ 0.6, API p99 ≤ 100 ms.

Usage: ``.venv/bin/python bench/list_api.py [--db-url postgres://...] [--duration 15]
[--reseed]``. Needs ``wrk`` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from uuid import uuid4

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
VIDEOS, OWNERS, CHANNELS, TAGS = 10_000, 100, 50, 300
CONNECTIONS = 32


def ensure_database(url: str, reseed: bool) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed() -> None:
    """Bulk-create the data set (idempotent: skipped when already there)."""
    from api.accounts.models import User
    from api.editorial.models import Channel, Discipline, Tag, Theme, VideoType
    from api.encoding.models import EncodingJob
    from api.videos.models import Video

    if Video.objects.count() >= VIDEOS:
        return
    rng = random.Random(5)
    bench = User.objects.create_user("bench", password="bench-pw-1", can_upload=True)
    owners = User.objects.bulk_create(
        [User(username=f"owner{i}", can_upload=True) for i in range(OWNERS)]
    )
    channels = Channel.objects.bulk_create(
        [Channel(title=f"Channel {i}", slug=f"channel-{i}") for i in range(CHANNELS)]
    )
    themes = Theme.objects.bulk_create(
        [Theme(channel=c, title=f"Theme {c.pk}", slug="theme") for c in channels]
    )
    tags = Tag.objects.bulk_create([Tag(slug=f"tag-{i}", name=f"Tag {i}") for i in range(TAGS)])
    types = VideoType.objects.bulk_create(
        [VideoType(title=t, slug=t.lower()) for t in ("Lecture", "Tutorial", "Conference")]
    )
    disciplines = Discipline.objects.bulk_create(
        [Discipline(title=f"Discipline {i}", slug=f"discipline-{i}") for i in range(20)]
    )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    videos, links = [], {"channels": [], "themes": [], "tags": [], "disciplines": [], "co": []}
    for i in range(VIDEOS):
        mine = i % 5 == 0
        owner = bench if mine and i % 10 == 0 else owners[i % OWNERS]
        video_tags = rng.sample(tags, 3)
        video = Video(
            id=uuid4(),
            owner=owner,
            title=f"Lecture {i}: {rng.choice(['optics', 'algebra', 'history', 'biology'])}",
            slug=f"lecture-{i}",  # set: no per-row lookup of a free slug at insert
            description="A recorded lecture. " * 5,
            status="ready",
            is_draft=False,
            visibility=rng.choice(["public", "public", "unlisted", "restricted", "private"]),
            duration=rng.uniform(60, 7200),
            output_prefix=f"videos/{i}/encodes/x/",
            manifest={"hls": {"master": "hls/master.m3u8", "renditions": []}, "duration": 1},
            type=rng.choice(types),
            licence="cc-by",
            search_tags=" ".join(sorted(t.slug for t in video_tags)),
        )
        videos.append(video)
        channel = channels[i % CHANNELS]
        links["channels"].append(Video.channels.through(video_id=video.id, channel=channel))
        links["themes"].append(Video.themes.through(video_id=video.id, theme=themes[i % CHANNELS]))
        links["disciplines"].append(
            Video.disciplines.through(video_id=video.id, discipline=rng.choice(disciplines))
        )
        links["tags"] += [Video.tags.through(video_id=video.id, tag=t) for t in video_tags]
        if mine and owner is not bench:
            links["co"].append(Video.additional_owners.through(video_id=video.id, user=bench))
    Video.objects.bulk_create(videos, batch_size=1000)
    # spread the creation dates (auto_now_add set them all to now)
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "UPDATE videos_video SET created_at = %s - (random() * interval '700 days')",
            [start + timedelta(days=700)],
        )
    for rows in links.values():
        type(rows[0]).objects.bulk_create(rows, batch_size=2000)
    EncodingJob.objects.bulk_create(
        # finished jobs: the server's start-up must not resume them
        [
            EncodingJob(video=v, backend="local", spec={}, phase="Succeeded", progress=100)
            for v in videos
        ],
        batch_size=1000,
    )
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def wrk(url: str, token: str, seconds: int, connections: int = CONNECTIONS) -> dict:
    out = subprocess.run(
        [
            "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
            "--latency", "--timeout", "10s",
            "-H", f"Authorization: Bearer {token}", url,
        ],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default="postgres://postgres@127.0.0.1:54330/podv5_bench")
    parser.add_argument("--duration", type=int, default=30, help="seconds per side")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs of each")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")

    var = tempfile.mkdtemp(prefix="podv5-bench-")
    os.environ.update(
        DATABASE_URL=args.db_url,
        DJANGO_SETTINGS_MODULE="bench.list_settings",
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdef",
        CALLBACK_SIGNING_SECRET="whsec_YmVuY2gtY2FsbGJhY2stc2VjcmV0LTAxMjM0NTY3ODk=",
        ALLOWED_HOSTS="127.0.0.1",
        POD_VAR_DIR=var,
        LOG_LEVEL="WARNING",
        DEBUG="false",
    )
    sys.path.insert(0, str(ROOT))
    ensure_database(args.db_url, args.reseed)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.monotonic()
    seed()
    print(f"data set ready ({time.monotonic() - t0:.1f} s)")

    from ninja_jwt.tokens import AccessToken

    from api.accounts.models import User
    from api.videos.models import Video

    bench = User.objects.get(username="bench")
    token = str(AccessToken.for_user(bench))
    port = 8000 + os.getpid() % 1000
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "api.asgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", "api.serving.UvicornWorker", "--timeout", "30",
            "--keep-alive", "5",
            "--chdir", str(ROOT), "--log-level", "warning",
        ],
        cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(100):
            try:
                httpx.get(f"{base}/bench/videos?limit=1", headers=headers, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        api = httpx.get(f"{base}/api/v1/videos?limit=20", headers=headers).json()["data"]
        floor = httpx.get(f"{base}/bench/videos?limit=20", headers=headers).json()["data"]
        assert [v["id"] for v in api["items"]] == [v["id"] for v in floor["items"]]
        assert api["count"] == floor["count"] and len(api["items"]) == 20
        total = Video.objects.count()
        print(
            f"{total} videos; the bench user's list holds {api['count']}; "
            f"{CONNECTIONS} connections, {args.duration} s per side in {args.rounds} "
            f"alternating rounds, gunicorn "
            f"{args.workers} uvicorn workers, {os.cpu_count()} CPUs"
        )
        # alternate short runs, so that the load of other processes on the machine
        # weighs on both sides alike
        paths = {"floor": "/bench/videos?limit=20", "api": "/api/v1/videos?limit=20"}
        for path in paths.values():
            wrk(base + path, token, 3)  # warm-up
        runs = {name: [] for name in paths}
        seconds = max(1, args.duration // args.rounds)
        for _ in range(args.rounds):
            for name, path in paths.items():
                runs[name].append(wrk(base + path, token, seconds))
        results = {}
        for name, label in (("floor", "bare Django view"), ("api", "GET /api/v1/videos")):
            r = results[name] = {
                "rps": sum(x["requests"] for x in runs[name]) / (seconds * args.rounds),
                "p50": statistics.median(x["p50"] for x in runs[name]),
                "p99": max(x["p99"] for x in runs[name]),
                "requests": sum(x["requests"] for x in runs[name]),
                "errors": sum(x["errors"] for x in runs[name]),
            }
            rounds = " ".join(f"{x['rps']:.0f}" for x in runs[name])
            print(
                f"{label:<20} {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  "
                f"p99 {r['p99']:6.1f} ms  ({r['requests']} requests, {r['errors']} non-2xx; "
                f"req/s per round: {rounds})"
            )
        # the latency of one request when the server is not saturated (1 connection)
        for name, label in (("floor", "bare Django view"), ("api", "GET /api/v1/videos")):
            r = wrk(base + paths[name], token, max(3, seconds), connections=1)
            print(
                f"{label:<20} 1 connection: {r['rps']:6.1f} req/s  p50 {r['p50']:6.1f} ms  "
                f"p99 {r['p99']:6.1f} ms"
            )
        ratio = results["api"]["rps"] / results["floor"]["rps"]
        p99 = results["api"]["p99"]
        print(f"ratio api/floor: {ratio:.2f} (target >= 0.6: {'ok' if ratio >= 0.6 else 'MISSED'})")
        print(f"api p99: {p99:.1f} ms (target <= 100 ms: {'ok' if p99 <= 100 else 'MISSED'})")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
