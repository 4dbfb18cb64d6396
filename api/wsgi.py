"""WSGI entry point (gunicorn ``api.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

application = get_wsgi_application()

from api.encoding.backends import on_server_start  # noqa: E402

on_server_start()
