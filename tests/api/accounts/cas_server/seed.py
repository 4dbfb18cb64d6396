"""Create the test CAS server's database and its service patterns (run once, before the
server): ``python -m tests.api.accounts.cas_server.seed``."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.api.accounts.cas_server.settings")
django.setup()

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
for position, service in enumerate(json.loads(os.environ.get("CAS_TEST_SERVICES", "[]"))):
    pattern = ServicePattern.objects.create(
        pos=position,
        name=f"service-{position}",
        pattern=service["pattern"],
        single_log_out=service.get("single_log_out", False),
        single_log_out_callback=service.get("single_log_out_callback", ""),
    )
    ReplaceAttributName.objects.create(name="*", service_pattern=pattern)
