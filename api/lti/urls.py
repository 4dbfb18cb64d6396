"""The LTI tool's protocol URLs, under ``/lti/`` (:mod:`api.lti.views`)."""

from django.urls import path

from api.lti import views

urlpatterns = [
    path("login/", views.oidc_login, name="lti-login"),
    path("launch/", views.launch, name="lti-launch"),
    path("jwks/", views.jwks, name="lti-jwks"),
    path("deep-link/", views.deep_link, name="lti-deep-link"),
]
