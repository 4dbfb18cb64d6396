"""The LTI 1.3 tool on pylti1p3 (its Django integration, ``pylti1p3.contrib.django``):
the OIDC third-party login initiation and the launch validation, with the platform
registrations read from our database (:class:`PodToolConf`).

What pylti1p3 leaves to the tool, done here:

- **checks in a safe order, each with its own error**: state (the cookie the login set),
  id_token format, audience (``aud`` names this client; several audiences need ``azp``,
  LTI 1.3 §5.1.3 / OIDC Core §3.1.3.7), registration (issuer + client id), signature
  (the platform's JWKS, ``exp`` and ``iat`` required), then the nonce, the deployment
  and the message's claims. pylti1p3 decodes with ``verify_aud`` off and checks the nonce
  before the signature; here a forged token never reaches the nonce.
- **single-use nonces**: pylti1p3 only checks that a nonce was issued; here it is
  deleted when used (:class:`PodSessionService`), so a replayed launch (same id_token,
  same state) is refused with ``lti_invalid_nonce``.
- **the platform's key set** is fetched with a timeout (``LTI_HTTP_TIMEOUT_SECONDS``) and
  cached ``LTI_JWKS_CACHE_SECONDS`` in Django's cache; a platform that does not answer a
  JWK Set gives ``lti_platform_unavailable`` (503), never a 500.

Nonces, states and launch data live in Django's cache (pylti1p3's
``DjangoCacheDataStorage``): with several API processes, ``CACHE_BACKEND=database``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from jwcrypto.common import JWException
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.contrib.django.session import DjangoSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from api.core.errors import PodError, ValidationFailed
from api.core.http import TimeoutSession
from api.lti.errors import (
    LtiInvalidMessage,
    LtiInvalidNonce,
    LtiInvalidState,
    LtiInvalidToken,
    LtiPlatformUnavailable,
    LtiUnknownDeployment,
    LtiUnknownPlatform,
    LtiWrongAudience,
)
from api.lti.models import LtiPlatform

#: the claims of an LTI 1.3 message (LTI Core §5)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = CLAIM + "message_type"
DEPLOYMENT_ID = CLAIM + "deployment_id"
RESOURCE_LINK = CLAIM + "resource_link"
CONTEXT = CLAIM + "context"
ROLES = CLAIM + "roles"
CUSTOM = CLAIM + "custom"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
#: how long a login's nonce and state wait for their launch (seconds)
LOGIN_SECONDS = 600


def registration_of(platform: LtiPlatform) -> Registration:
    """pylti1p3's view of a registration (with the tool's key pair)."""
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(platform.tool_private_key)
        .set_tool_public_key(platform.tool_public_key)
    )


class PodToolConf(ToolConfAbstract):
    """Registrations from :class:`LtiPlatform` (active ones), several clients per
    issuer. ``platform`` is the one last found (the launch's)."""

    platform: LtiPlatform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args, **kwargs):
        return None

    def _platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        platforms = LtiPlatform.objects.filter(issuer=iss, is_active=True)
        if client_id is not None:
            return platforms.filter(client_id=client_id).first()
        found = list(platforms[:2])
        return found[0] if len(found) == 1 else None  # without client_id: unambiguous only

    def find_registration_by_params(self, iss: str, client_id: str | None, *args, **kwargs):
        self.platform = self._platform(iss, client_id)
        return registration_of(self.platform) if self.platform else None

    def find_deployment(self, iss: str, deployment_id: str):
        return None

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str, *a, **kw):
        platform = self._platform(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)

    @staticmethod
    def issuer_known(iss: str) -> bool:
        return LtiPlatform.objects.filter(issuer=iss, is_active=True).exists()


class PodLaunchDataStorage(DjangoCacheDataStorage):
    """pylti1p3's cache storage, plus :meth:`consume` (delete a key, say whether it was
    there): what makes nonces single use."""

    def __init__(self) -> None:
        super().__init__(cache_name="default")

    def consume(self, key: str) -> bool:
        return bool(self._get_cache().delete(self._prepare_key(key)))


class PodSessionService(DjangoSessionService):
    """A nonce is valid once: checking it deletes it."""

    def check_nonce(self, nonce: str) -> bool:
        storage = self.data_storage
        key = self._get_key("nonce", nonce)
        if isinstance(storage, PodLaunchDataStorage):
            return storage.consume(key)
        return False  # never without our storage: a nonce that cannot be consumed is refused


def _services(request: HttpRequest, *, post_only: bool) -> tuple[DjangoRequest, PodSessionService]:
    lti_request = DjangoRequest(request, post_only=post_only)
    return lti_request, PodSessionService(lti_request)


class PodOIDCLogin(DjangoOIDCLogin):
    """The OIDC third-party initiated login (LTI 1.3 §5.1.1, IMS Security §5.1.1)."""

    def __init__(self, request: HttpRequest, tool_conf: PodToolConf) -> None:
        lti_request, session = _services(request, post_only=False)
        storage = PodLaunchDataStorage()
        super().__init__(
            lti_request, tool_conf, session_service=session, launch_data_storage=storage
        )
        session.set_data_storage(storage)  # (redirect() sets it again, with its cookie)
        self.set_launch_data_lifetime(LOGIN_SECONDS)


def login_redirect(request: HttpRequest, *, launch_url: str):
    """The redirect to the platform's authorization endpoint for a login initiation
    (GET or POST: ``iss``, ``login_hint``, ``target_link_uri`` required;
    ``client_id``, ``lti_message_hint``, ``lti_deployment_id`` optional), with the
    state cookie set. Raises ValidationFailed (422) for a missing parameter,
    LtiUnknownPlatform (403)."""
    params = {**request.GET.dict(), **request.POST.dict()}
    for name in ("iss", "login_hint", "target_link_uri"):
        if not params.get(name, "").strip():
            raise ValidationFailed(f"{name} is required (LTI login initiation).", field=name)
    tool_conf = PodToolConf()
    try:
        return PodOIDCLogin(request, tool_conf).redirect(launch_url)
    except OIDCException:
        raise LtiUnknownPlatform() from None


def _step(check: Callable[[], object], error: type[PodError]) -> None:
    """Run one pylti1p3 check; its LtiException becomes ``error`` with its reason."""
    try:
        check()
    except PodError:
        raise
    except (LtiException, JWException, ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = str(exc)[:200]
        raise error(f"{error.default_message} ({reason})" if reason else None) from None


class PodMessageLaunch(DjangoMessageLaunch):
    """A launch (``id_token`` and ``state`` form-posted by the platform), validated as
    the module says; :attr:`platform` is its registration once validated."""

    platform: LtiPlatform | None = None

    def __init__(self, request: HttpRequest, tool_conf: PodToolConf) -> None:
        lti_request, session = _services(request, post_only=True)
        try:
            super().__init__(
                lti_request,
                tool_conf,
                session_service=session,
                launch_data_storage=PodLaunchDataStorage(),
                requests_session=TimeoutSession(timeout=settings.LTI_HTTP_TIMEOUT_SECONDS),
            )
        except LtiException:  # https: the launch session cookie is missing
            raise LtiInvalidState() from None
        self.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})

    def get_client_id(self) -> str:
        """This tool's client id from ``aud`` (a string or a list) and ``azp``: one
        audience, or ``azp`` among several (LtiWrongAudience otherwise)."""
        body = self._jwt.get("body", {})
        aud, azp = body.get("aud"), body.get("azp")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not audiences or not all(isinstance(a, str) for a in audiences):
            raise LtiWrongAudience("The id_token has no audience (aud).")
        if azp is not None:
            if azp not in audiences:
                raise LtiWrongAudience("The id_token's azp is not one of its audiences.")
            return azp
        if len(audiences) > 1:
            raise LtiWrongAudience("The id_token has several audiences and no azp.")
        return audiences[0]

    def validate_registration(self) -> PodMessageLaunch:
        iss, client_id = self.get_iss(), self.get_client_id()
        tool_conf: PodToolConf = self._tool_config
        self._registration = tool_conf.find_registration_by_params(iss, client_id)
        if self._registration is None:
            if tool_conf.issuer_known(iss):
                raise LtiWrongAudience(
                    "The id_token was issued to a client id not registered for this platform."
                )
            raise LtiUnknownPlatform()
        self.platform = tool_conf.platform
        return self

    def fetch_public_key(self, key_set_url: str):
        """The platform's JWK Set, from the cache or fetched (LtiPlatformUnavailable)."""
        key = "lti-jwks:" + hashlib.sha256(key_set_url.encode()).hexdigest()
        jwks = cache.get(key)
        if jwks is not None:
            return jwks
        try:
            response = self._requests_session.get(key_set_url)
            response.raise_for_status()
            jwks = response.json()
        except (requests.RequestException, ValueError):
            raise LtiPlatformUnavailable() from None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise LtiPlatformUnavailable("The platform's key set URL did not answer a JWK Set.")
        cache.set(key, jwks, settings.LTI_JWKS_CACHE_SECONDS)
        return jwks

    def _check_format(self) -> None:
        self.validate_jwt_format()
        if not isinstance(self._jwt.get("header"), dict) or not isinstance(
            self._jwt.get("body"), dict
        ):
            raise LtiException("the JWT header and body must be JSON objects")

    def validate(self) -> PodMessageLaunch:
        """Every check, in order (module docstring); then the launch data is saved."""
        if self._restored:
            raise LtiInvalidMessage("A restored launch cannot be validated again.")
        self._validated = True
        try:
            _step(self.validate_state, LtiInvalidState)
            _step(self._check_format, LtiInvalidToken)
            _step(lambda: self.get_iss(), LtiInvalidToken)
            self.validate_registration()
            _step(self.validate_jwt_signature, LtiInvalidToken)
            _step(self.validate_nonce, LtiInvalidNonce)
            _step(self.validate_deployment, LtiUnknownDeployment)
            _step(self.validate_message, LtiInvalidMessage)
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self


def launch_validate(request: HttpRequest) -> PodMessageLaunch:
    """The validated launch of a platform's form post (``id_token``, ``state``); raises
    the errors of :mod:`api.lti.errors`."""
    if not request.POST.get("id_token"):
        raise LtiInvalidToken("The launch carries no id_token.")
    return PodMessageLaunch(request, PodToolConf()).validate()
