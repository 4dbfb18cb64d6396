from django.core.management.base import BaseCommand

from api.uploads.services import uploads_expire


class Command(BaseCommand):
    help = "Delete unfinished tus uploads past their expiry (tus §expiration), with their bytes."

    def handle(self, *args, **options):
        count = uploads_expire()
        self.stdout.write(f"{count} expired upload(s) deleted")
