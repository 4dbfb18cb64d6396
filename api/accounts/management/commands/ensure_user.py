from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a user if it does not exist, or reset its password (demo, first admin)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--staff", action="store_true", help="staff and superuser")

    def handle(self, *args, username, password, email, staff, **options):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        user.set_password(password)
        user.is_staff = user.is_superuser = staff or user.is_staff
        user.save()
        self.stdout.write(f"user {username} {'created' if created else 'updated'}")
