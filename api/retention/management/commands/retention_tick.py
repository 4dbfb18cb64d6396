"""``manage.py retention_tick [--dry-run] [--now ISO] [--loop SECONDS]``: run the
retention schedule once (cron), or every SECONDS seconds; ``--dry-run`` prints what it
would do and changes nothing."""

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.retention.services import retention_tick


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: not an ISO 8601 date or datetime: {value!r}") from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = (
        "Warn owners before their videos' deletion dates, archive the videos whose date "
        "came, delete those whose archive period is over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be done; change nothing"
        )
        parser.add_argument(
            "--now", type=_instant, default=None, help="run as of this ISO 8601 time"
        )
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, dry_run=False, now=None, loop: float = 0, **options):
        while True:
            result = retention_tick(now=now, dry_run=dry_run)
            prefix = "dry run: would have " if dry_run else ""
            self.stdout.write(
                prefix + " ".join(f"{key}={len(value)}" for key, value in result.items())
            )
            for key, values in result.items():
                for value in values:
                    self.stdout.write(f"  {key} {value}")
            if loop <= 0:
                return
            time.sleep(loop)
