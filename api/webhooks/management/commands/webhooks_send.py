"""``manage.py webhooks_send [--loop SECONDS]``: send the due webhook deliveries once
(cron), or keep sending, looking every SECONDS seconds. Safe beside other senders (the
API's in-process one, other copies of this command): see ``api.webhooks.sender``."""

import time

from django.core.management.base import BaseCommand

from api.webhooks import sender


class Command(BaseCommand):
    help = "Send the due webhook deliveries (once, or in a loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, loop: float = 0, **options):
        while True:
            sent = sender.run_once()
            if sent or loop <= 0:
                self.stdout.write(f"attempts={sent}")
            if loop <= 0:
                return
            time.sleep(loop)
