from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    name = "api.apikeys"
    label = "apikeys"
    verbose_name = "API keys"
