"""Our exceptions. Services raise these; ``api.core.envelope`` maps them to HTTP and the
error envelope in one place. ``code`` values are stable: clients may switch on them.
"""

from __future__ import annotations


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


class UnsupportedMedia(PodError):
    """The uploaded file is not audio or video we can read (HTTP 415)."""

    status, code = 415, "unsupported_media"
    default_message = "The file is not an audio or video file we can read."


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
