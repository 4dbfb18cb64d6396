"""``manage.py live_tick [--loop SECONDS]``: run the live scheduler once (cron), or every
SECONDS seconds."""

import time

from django.core.management.base import BaseCommand

from api.live.services import live_tick


class Command(BaseCommand):
    help = "Start due auto-start live events and stop those whose end passed."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, loop: float = 0, **options):
        while True:
            result = live_tick()
            counts = {key: len(value) for key, value in result.items()}
            self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if loop <= 0:
                return
            time.sleep(loop)
