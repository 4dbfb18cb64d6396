from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "api.accounts"
    label = "accounts"

    def ready(self):
        # signal receivers, imported here once the models are loaded: the LDAP populator
        # (django-auth-ldap's, user_logged_in); django-cas-ng's (the attribute mapping,
        # single logout's JWT revocation)
        from api.accounts import cas, ldap  # noqa: F401
