"""The test CAS server's URLs: the CAS protocol under /cas/ (login, logout,
serviceValidate, p3/serviceValidate...)."""

from django.urls import include, path

urlpatterns = [path("cas/", include("cas_server.urls", namespace="cas_server"))]
