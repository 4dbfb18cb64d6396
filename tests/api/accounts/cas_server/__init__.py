"""A real CAS server (django-cas-server) for the CAS sign-in tests: its own small Django
project, run by ``tests/api/accounts/conftest.py`` in its own process (gunicorn), on
SQLite in a temporary folder. Configured by environment variables:

- ``CAS_TEST_DB``: the SQLite file;
- ``CAS_TEST_ACCOUNTS``: JSON ``{username: {"password": ..., "attributes": {...}}}``;
- ``CAS_TEST_SERVICES``: JSON list of service patterns ``{"pattern", "single_log_out",
  "single_log_out_callback"}``, each releasing every attribute (``*``).
"""
