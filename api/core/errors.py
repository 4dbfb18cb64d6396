"""Our exceptions. Services raise these; ``api.core.envelope`` maps them to HTTP and the
error envelope in one place. ``code`` values are stable: clients may switch on them.
"""

from __future__ import annotations

from collections.abc import Iterable


def listing(values: Iterable[object], *, limit: int = 5, width: int = 40) -> str:
    """Some of ``values`` for an error message, never all of them: at most ``limit``
    (sorted), each cut to ``width`` characters and quoted, then ``and N more``. Messages
    name what was wrong in the input without echoing input of unbounded size."""
    items = sorted(str(v) for v in values)
    shown = [repr(v if len(v) <= width else v[:width] + "…") for v in items[:limit]]
    rest = len(items) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


class PodError(Exception):
    """Base error: HTTP ``status`` and a stable machine-readable ``code``."""

    status: int = 400
    code: str = "bad_request"
    default_message: str = "Bad request."

    def __init__(
        self, message: str | None = None, *, field: str | None = None, code: str | None = None
    ) -> None:
        self.message = message or self.default_message
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)

    def as_error(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return error


class NotAuthenticated(PodError):
    status, code, default_message = 401, "not_authenticated", "Authentication required."


class PermissionDenied(PodError):
    status, code, default_message = 403, "permission_denied", "You may not do this."


class NotFound(PodError):
    status, code, default_message = 404, "not_found", "Not found."


class Conflict(PodError):
    status, code, default_message = 409, "conflict", "Conflicts with the current state."


class InvalidState(Conflict):
    code, default_message = "invalid_state", "Not possible in the resource's current state."


class Gone(PodError):
    status, code, default_message = 410, "gone", "This resource is gone."


class PayloadTooLarge(PodError):
    status, code, default_message = 413, "payload_too_large", "Too large."


class QuotaExceeded(PayloadTooLarge):
    """Storing this would take the owner past their storage quota (HTTP 413;
    ``api.accounts.quotas``)."""

    code, default_message = "quota_exceeded", "This would exceed the owner's storage quota."


class UnsupportedMedia(PodError):
    """The uploaded file is not audio or video we can read (HTTP 415)."""

    status, code = 415, "unsupported_media"
    default_message = "The file is not an audio or video file we can read."


class UnsupportedImage(PodError):
    """An uploaded image (thumbnail, watermark) that is not one we can decode (HTTP 415)."""

    status, code = 415, "unsupported_image"
    default_message = "The file is not an image we can decode."


class ValidationFailed(PodError):
    status, code, default_message = 422, "validation_error", "Invalid input."


class SignatureInvalid(PodError):
    status, code, default_message = 401, "invalid_signature", "Bad or stale signature."


class WrongPassword(PodError):
    """``POST /videos/{id}/unlock`` with a password that does not match (HTTP 403)."""

    status, code, default_message = 403, "wrong_password", "Wrong password."


class InvalidGrant(PodError):
    """An ``X-Video-Grant`` that is malformed, tampered with or expired (HTTP 403)."""

    status, code = 403, "invalid_grant"
    default_message = "The video grant is invalid or expired: unlock the video again."


class InvalidMediaToken(PodError):
    """A ``/media/t/<token>/...`` URL whose token is malformed, tampered with, expired
    or issued for another path (HTTP 403)."""

    status, code = 403, "invalid_media_token"
    default_message = "The media token is invalid: fetch the player config again."


class RateLimited(PodError):
    """Too many requests of one kind from one client (HTTP 429, ``Retry-After``)."""

    status, code, default_message = 429, "rate_limited", "Too many requests: slow down."

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationFailed(PodError):
    """``POST /auth/token/pair`` with a wrong username or password, or an inactive
    account (HTTP 401)."""

    status, code = 401, "authentication_failed"
    default_message = "No active account found with the given credentials."


class TokenInvalid(PodError):
    """A JWT that is malformed, tampered with, expired or of the wrong type (HTTP 401)."""

    status, code, default_message = 401, "token_not_valid", "Token is invalid or expired."


class TokenRevoked(PodError):
    """A refresh token that was already rotated or logged out (HTTP 401). Reusing one
    revokes every refresh token of its user: a stolen token cannot outlive the theft."""

    status, code = 401, "token_revoked"
    default_message = "This refresh token was revoked: log in again."


class CsrfFailed(PodError):
    """A session-authenticated unsafe request (POST, PUT, PATCH, DELETE) without a valid
    CSRF token (``X-CSRFToken`` header matching the ``csrftoken`` cookie) (HTTP 403).
    Bearer-token requests are exempt."""

    status, code = 403, "csrf_failed"
    default_message = "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."


#: Every stable error ``code`` the API answers with: code → (HTTP status, meaning).
#: One source of truth: the OpenAPI schema lists these codes with examples
#: (``api.core.envelope.wrap_openapi``) and ``docs/api.md``'s table is checked against
#: this table by ``tests/api/core/test_error_codes.py``, as is every ``PodError``
#: subclass and every ``code="..."`` given to one in ``api/``.
ERROR_CODES: dict[str, tuple[int, str]] = {
    # 400
    "bad_request": (400, "The request body is not parsable (e.g. malformed JSON)."),
    "incomplete_body": (400, "tus: the PATCH body was cut short (the bytes received are kept)."),
    "link_invalid": (
        400,
        "An activation or password reset link (uid, token) forged, expired or already used.",
    ),
    # 401
    "not_authenticated": (
        401,
        "No credentials (bearer token or session) on an endpoint that needs them.",
    ),
    "authentication_failed": (
        401,
        "Login with a wrong username or password, or an inactive account.",
    ),
    "token_not_valid": (
        401,
        "A JWT that is malformed, tampered with, expired or of the wrong type.",
    ),
    "token_revoked": (
        401,
        "A refresh token already rotated or logged out (reuse revokes the user's others).",
    ),
    "invalid_signature": (
        401,
        "A worker callback whose Standard Webhooks signature or timestamp is wrong.",
    ),
    "cas_ticket_invalid": (
        401,
        "POST /auth/cas: the CAS server refused the ticket (unknown, expired, already used, "
        "another service's) or its user is inactive.",
    ),
    "shibboleth_no_identity": (
        401,
        "Shibboleth sign-in without the SP's headers: not from TRUSTED_PROXY_CIDRS, no "
        "username header, or an inactive user.",
    ),
    "api_key_invalid": (
        401,
        "An API key that is malformed, unknown or wrong, or whose owner is inactive.",
    ),
    "api_key_revoked": (401, "An API key its owner revoked."),
    "api_key_expired": (401, "An API key past its expires_at."),
    "lti_invalid_token": (
        401,
        "LTI launch: the id_token is missing, malformed, expired, or its signature does not "
        "verify with the platform's keys.",
    ),
    "lti_wrong_audience": (
        401,
        "LTI launch: the id_token's aud/azp name another client than this registration's.",
    ),
    "lti_invalid_nonce": (401, "LTI launch: the nonce is unknown or already used (a replay)."),
    "lti_invalid_state": (
        401,
        "LTI launch: the state does not match the login's (cookie missing or another state).",
    ),
    "lti_invalid_code": (
        401,
        "POST /lti/session-token: the launch code is invalid, expired or already used.",
    ),
    # 403
    "permission_denied": (
        403,
        "You may see the resource but not do this (e.g. edit another's video).",
    ),
    "csrf_failed": (
        403,
        "A session-authenticated unsafe request without a valid X-CSRFToken header.",
    ),
    "wrong_password": (
        403,
        "POST /videos/{id}/unlock or a live event's unlock with a wrong password; "
        "POST /users/me/password with a wrong old password.",
    ),
    "invalid_grant": (403, "An X-Video-Grant header that is malformed, tampered with or expired."),
    "invalid_stream_token": (
        403,
        "An event stream's ?token= that is malformed, tampered with, expired or for another "
        "stream.",
    ),
    "invalid_media_token": (
        403,
        "A /media/t/<token>/ URL whose token is invalid, expired or for another path.",
    ),
    "api_key_scope": (
        403,
        "The API key's scope does not allow the request (or API keys may not do it at all).",
    ),
    "local_auth_disabled": (403, "Password login or local accounts with USE_LOCAL_AUTH off."),
    "registration_disabled": (403, "Self-registration with REGISTRATION_ENABLED off."),
    "password_reset_disabled": (403, "Password reset by e-mail with PASSWORD_RESET_ENABLED off."),
    "invalid_embed_token": (
        403,
        "An embed token that is unknown, expired, revoked or of another video.",
    ),
    "lti_unknown_platform": (
        403,
        "LTI login or launch from an issuer that is not registered (or is disabled).",
    ),
    "lti_unknown_deployment": (
        403,
        "LTI launch with a deployment id that is not one of the registration's.",
    ),
    "lti_invalid_deep_link": (
        403,
        "LTI deep linking: the picker's token is invalid, expired or already used.",
    ),
    # 404
    "not_found": (404, "Unknown, or hidden from you (private videos answer 404, not 403)."),
    "upload_not_found": (404, "tus: no such upload, or not yours."),
    # 405
    "method_not_allowed": (
        405,
        "The method is not allowed on this URL (the message lists the allowed ones).",
    ),
    # 408
    "request_timeout": (
        408,
        "The request's headers, or its body between two chunks, stalled; the connection is "
        "closed (REQUEST_HEADER_TIMEOUT_SECONDS, UPLOAD_BODY_STALL_SECONDS).",
    ),
    # 409
    "conflict": (409, "Conflicts with the current state of the resource."),
    "invalid_state": (
        409,
        "Not possible in the resource's current state (e.g. uploading to an encoded video).",
    ),
    "not_password_protected": (
        409,
        "Unlocking a video or live event that is not password-protected.",
    ),
    "offset_mismatch": (
        409,
        "tus: Upload-Offset differs from the upload's offset (HEAD it and resume).",
    ),
    "upload_complete": (409, "tus: the upload already has all its bytes."),
    "self_lockout": (
        409,
        "Staff changing their own role or deactivating themselves (another admin must).",
    ),
    "access_group_exists": (409, "Another access group already has this code_name."),
    "slug_taken": (409, "Another channel, theme, playlist... already has this slug."),
    "already_listed": (409, "The video is already in this playlist or favorites."),
    "comments_disabled": (409, "The video's owners closed its comments."),
    "comment_deleted": (409, "Replying to or editing a deleted comment."),
    "track_exists": (409, "Another upload of the same caption track is under way."),
    "chapter_exists": (409, "Another chapter of the video starts at the same time."),
    "transcription_running": (409, "A transcription of the video is already running."),
    "event_over": (409, "The live event's end has passed."),
    "not_live": (409, "The live event is not live."),
    "ingest_busy": (409, "The live event's ingest is already in use."),
    "encoding_running": (
        409,
        "POST /videos/{id}/encode while an encoding job of the video is pending or running.",
    ),
    "live_unsupported_storage": (
        409,
        "Starting a live event with STORAGE_BACKEND=s3: the live worker needs local storage.",
    ),
    "username_taken": (409, "Registering a user name another account has (any case)."),
    "already_active": (409, "An activation link used again: the account is active, log in."),
    "api_key_limit": (409, "Creating an API key past API_KEYS_MAX_PER_USER unrevoked keys."),
    "lti_link_not_configured": (
        409,
        "LTI launch of a resource link that shows no video or playlist yet (no custom "
        "parameter video=/playlist=, none remembered).",
    ),
    "too_many_items": (
        409,
        "A video's contributors, documents or links, or a user's notes on it, are at their limit.",
    ),
    "webhook_limit": (409, "Creating a webhook subscription past WEBHOOKS_MAX_PER_USER."),
    "webhook_disabled": (
        409,
        "Retrying a delivery of a disabled webhook subscription (turn it on first).",
    ),
    # 410 to 416
    "gone": (410, "This resource is gone."),
    "upload_expired": (
        410,
        "tus: the upload expired (UPLOAD_EXPIRATION_SECONDS after its last write).",
    ),
    "length_required": (411, "tus: Content-Length is required."),
    "tus_version_unsupported": (412, "tus: Tus-Resumable is not 1.0.0."),
    "payload_too_large": (413, "The request body is too large."),
    "upload_too_large": (413, "tus: Upload-Length is over UPLOAD_MAX_SIZE."),
    "upload_length_exceeded": (413, "tus: the body goes past Upload-Length."),
    "quota_exceeded": (
        413,
        "tus: the upload would take the video's owner past their storage quota (nothing "
        "is stored); POST /videos/import: the owner's quota is used up.",
    ),
    "unsupported_media": (415, "The uploaded file is not audio or video we can read."),
    "truncated_media": (415, "The uploaded file's index points past its end (a cut file)."),
    "unsupported_image": (
        415,
        "An uploaded thumbnail or watermark that is not a PNG, JPEG or WebP image we can "
        "decode (a watermark: PNG only).",
    ),
    "wrong_content_type": (415, "tus: a PATCH body that is not application/offset+octet-stream."),
    "unsupported_document": (
        415,
        "An attached document that is not a PDF, OpenDocument, Office Open XML file or a "
        "PNG, JPEG or WebP image (judged by its content).",
    ),
    "range_not_satisfiable": (416, "A media Range header past the end of the file."),
    # 422
    "validation_error": (422, "Invalid input; `field` names it (tus header errors answer 400)."),
    "invalid_cursor": (422, "A pagination cursor that was not made for this ordering."),
    "malformed_json": (422, "A worker callback whose body is not JSON."),
    "unsupported_event": (422, "A worker callback of an unknown event type."),
    "invalid_webvtt": (422, "A caption file that is not valid WebVTT."),
    "invalid_srt": (422, "A caption file that is not valid SRT."),
    "chapter_out_of_range": (422, "A chapter starting outside the video's duration."),
    "cas_service_not_allowed": (
        422,
        "POST /auth/cas for a service URL that is not one of CAS_ALLOWED_SERVICES.",
    ),
    "cut_out_of_range": (422, "A cut whose trim or removed segment ends past the source's end."),
    "cut_overlap": (422, "A cut whose removed segments overlap each other."),
    "cut_empty": (422, "A cut that leaves less than half a second of the video."),
    "lti_invalid_message": (
        422,
        "LTI launch: a message without the claims LTI 1.3 requires, or of an unsupported type.",
    ),
    "retention_limit_exceeded": (
        422,
        "An owner's new deletion date past the policy's latest (RETENTION_EXTEND_MAX_YEARS).",
    ),
    "transcription_language_unsupported": (
        422,
        "A transcription in a language its engine has no model for (pocketsphinx: English).",
    ),
    "import_invalid_url": (
        422,
        "POST /videos/import: not an http(s) URL we fetch (another scheme, credentials in "
        "it, no host, a bad port, white space, over 2048 characters).",
    ),
    "import_forbidden_address": (
        422,
        "POST /videos/import: the URL's host is a private, loopback, link-local, "
        "multicast, reserved... address or a localhost name (not in IMPORT_ALLOWED_NETWORKS).",
    ),
    "import_unsupported_source": (
        422,
        "POST /videos/import: kind peertube or bbb for a URL that is not a PeerTube video's "
        "or a BigBlueButton recording's.",
    ),
    "position_out_of_range": (
        422,
        "A heartbeat, note or resume position (or played range) past the end of the video.",
    ),
    "heartbeat_too_long": (
        422,
        "A heartbeat whose played ranges add up to more than ANALYTICS_HEARTBEAT_MAX_SECONDS.",
    ),
    "webhook_url_invalid": (
        422,
        "A webhook URL that is not http(s)://host..., holds credentials, or does not resolve.",
    ),
    "webhook_url_forbidden": (
        422,
        "A webhook URL whose host is (or resolves to) a private, loopback, link-local... "
        "address outside WEBHOOK_ALLOWED_NETWORKS.",
    ),
    # 423, 429, 460
    "upload_locked": (423, "tus: another request is writing this upload."),
    "rate_limited": (
        429,
        "Too many requests of one kind (login, uploads, unlock, comments, heartbeats): see "
        "Retry-After.",
    ),
    "checksum_mismatch": (
        460,
        "tus checksum extension: the body does not match Upload-Checksum (it is discarded).",
    ),
    # 5xx
    "internal_error": (500, "An unexpected server error (logged); the message gives no detail."),
    "backend_unavailable": (503, "The encoding or live backend (Kubernetes) did not answer."),
    "database_unavailable": (503, "GET /readyz: the database does not answer."),
    "ldap_unavailable": (
        503,
        "Signing in through LDAP while the directory is down, times out or refuses the "
        "service account (local accounts still sign in).",
    ),
    "too_many_streams": (
        503,
        "An event stream past SSE_MAX_STREAMS open on this server process; retry (Retry-After).",
    ),
    "events_unavailable": (503, "An event stream could not listen for events (database down)."),
    "storage_unavailable": (503, "The media storage did not answer; retry later, nothing is lost."),
    "oembed_format_unsupported": (501, "GET /oembed with a format other than json (oEmbed §2.2)."),
    "lti_platform_unavailable": (
        503,
        "LTI launch: the platform's key set URL did not answer a JWK Set (in "
        "LTI_HTTP_TIMEOUT_SECONDS); retry.",
    ),
    "cas_unavailable": (
        503,
        "The CAS server did not answer the ticket validation (in CAS_TIMEOUT_SECONDS) or not "
        "with CAS XML; retry.",
    ),
}
