"""API keys: long-lived, scoped credentials of integrations (LMS plug-ins, scripts).
See docs/auth.md "API keys"."""
