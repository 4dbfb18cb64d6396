"""WSGI entry point (``WSGI_APPLICATION``): what ``manage.py runserver`` serves. The API
is served in production by ``api.asgi:application`` (gunicorn + uvicorn workers, see
:mod:`api.serving`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

application = get_wsgi_application()

from api.encoding.backends import on_server_start  # noqa: E402

on_server_start()
