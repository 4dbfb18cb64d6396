"""``manage.py analytics_purge``: forget idle viewing sessions (the counters stay)."""

from django.core.management.base import BaseCommand

from api.analytics.services import viewing_sessions_purge


class Command(BaseCommand):
    help = "Delete viewing sessions idle for longer than ANALYTICS_SESSION_IDLE_SECONDS."

    def handle(self, *args, **options):
        self.stdout.write(f"{viewing_sessions_purge()} viewing sessions deleted")
