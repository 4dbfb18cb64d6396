"""ASGI entry point (uvicorn/granian ``api.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

application = get_asgi_application()

from api.encoding.backends import on_server_start  # noqa: E402

on_server_start()
