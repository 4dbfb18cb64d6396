"""The errors of LTI launches (codes in ``api.core.errors.ERROR_CODES``).

A launch that fails one of the checks of the LTI 1.3 / IMS Security Framework answers
one of these, as the error envelope: the platform (or the teacher looking at the
iframe) sees which check failed, never a stack trace.
"""

from __future__ import annotations

from api.core.errors import PodError


class LtiUnknownPlatform(PodError):
    """No active registration has this issuer (HTTP 403)."""

    status, code = 403, "lti_unknown_platform"
    default_message = "This platform (issuer) is not registered with Pod, or is disabled."


class LtiUnknownDeployment(PodError):
    """The launch's deployment id is not one of the registration's (HTTP 403)."""

    status, code = 403, "lti_unknown_deployment"
    default_message = "This deployment of the tool is not registered with Pod."


class LtiInvalidToken(PodError):
    """The id_token is missing, malformed, expired, or its signature does not verify
    with the platform's keys (HTTP 401)."""

    status, code = 401, "lti_invalid_token"
    default_message = "The id_token is invalid: bad signature, expired or malformed."


class LtiWrongAudience(PodError):
    """The id_token was not issued to this tool: its ``aud``/``azp`` name another client
    of the platform (HTTP 401)."""

    status, code = 401, "lti_wrong_audience"
    default_message = "The id_token was issued to another client (aud/azp)."


class LtiInvalidNonce(PodError):
    """The id_token's nonce is not one this tool issued, or was used already: a replayed
    launch (HTTP 401)."""

    status, code = 401, "lti_invalid_nonce"
    default_message = "The launch's nonce is unknown or already used (a replay): launch again."


class LtiInvalidState(PodError):
    """The launch's ``state`` does not match the one the login set (cookie) (HTTP 401)."""

    status, code = 401, "lti_invalid_state"
    default_message = "The launch's state does not match the login: launch again from the LMS."


class LtiInvalidMessage(PodError):
    """A signed message without the claims LTI 1.3 requires, or of a type Pod does not
    handle (HTTP 422)."""

    status, code = 422, "lti_invalid_message"
    default_message = "The LTI message lacks required claims or is of an unsupported type."


class LtiPlatformUnavailable(PodError):
    """The platform's key set URL did not answer a JWK Set (HTTP 503)."""

    status, code = 503, "lti_platform_unavailable"
    default_message = "The platform's key set could not be fetched: try again later."


class LtiLinkNotConfigured(PodError):
    """A resource link without a video or playlist: no ``video``/``playlist`` custom
    parameter and none remembered (HTTP 409)."""

    status, code = 409, "lti_link_not_configured"
    default_message = (
        "This link shows no video yet: the teacher must choose one (deep linking, or the "
        "custom parameter video=<id>)."
    )


class LtiInvalidDeepLink(PodError):
    """A deep linking choice whose token is invalid, expired or already used (HTTP 403)."""

    status, code = 403, "lti_invalid_deep_link"
    default_message = "This content selection expired or was already sent: start it again."


class LtiInvalidCode(PodError):
    """``POST /lti/session-token`` with a launch code that is invalid, expired or used
    (HTTP 401)."""

    status, code = 401, "lti_invalid_code"
    default_message = "The launch code is invalid, expired or already used: launch again."
