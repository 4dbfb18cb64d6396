from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "api.accounts"
    label = "accounts"

    def ready(self):
        # signal receivers of the LDAP populator (django-auth-ldap's, user_logged_in);
        # imported here, once the models are loaded
        from api.accounts import ldap  # noqa: F401
