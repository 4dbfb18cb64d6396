"""The test CAS server's WSGI application (served by gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.api.accounts.cas_server.settings")
application = get_wsgi_application()
