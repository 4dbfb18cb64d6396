from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from api.accounts.models import Role
from api.accounts.services import user_set_role


class Command(BaseCommand):
    help = "Create a user if it does not exist, or reset its password (demo, first admin)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--staff", action="store_true", help="same as --role admin")
        parser.add_argument("--role", choices=list(Role.values), help="give the user this role")

    def handle(self, *args, username, password, email, staff, role, **options):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        user.set_password(password)
        user.save()
        role = Role.ADMIN if staff else role
        if role:
            user_set_role(user=user, role=role)
        self.stdout.write(f"user {username} {'created' if created else 'updated'} ({user.role})")
