"""tus 1.0.0 server at ``/api/v1/uploads/``: core protocol plus the creation,
creation-with-upload, creation-defer-length, termination, checksum and expiration extensions
(https://tus.io/protocols/resumable-upload). Plain Django views: they stream request
bodies, which Ninja would not.

Error responses carry the JSON error envelope (tus clients read only the status);
``GET /api/v1/uploads/{id}`` returns the upload's state in the envelope.
"""

from __future__ import annotations

import base64
import binascii
import re
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from ninja_extra.exceptions import APIException

from api.accounts.auth import authenticate_request
from api.core import metrics
from api.core.envelope import json_error_response, pod_error_response, success_body
from api.core.errors import (
    CsrfFailed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    PodError,
    ValidationFailed,
)
from api.core.parsing import parse_uint
from api.core.ratelimit import enforce
from api.core.tus import CHECKSUM_ALGORITHMS
from api.pipeline import services as pipeline
from api.uploads import services
from api.uploads.models import Upload
from api.videos.selectors import can_edit, video_get_editable

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


class PreconditionFailed(PodError):
    status, code = 412, "tus_version_unsupported"
    default_message = f"Tus-Resumable must be {TUS_VERSION}."


class WrongContentType(PodError):
    status, code = 415, "wrong_content_type"
    default_message = f"PATCH bodies must be {OFFSET_CONTENT_TYPE}."


class LengthRequired(PodError):
    status, code, default_message = 411, "length_required", "Content-Length is required."


#: Upload-Metadata is ``key SP base64`` pairs: printable ASCII only (no NUL, no controls)
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*", re.ASCII)
#: C0 and C1 control characters (NUL included): a filename is shown and stored, never run
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated ``key base64(value)`` pairs (tus 1.0.0 §creation).
    The header must be printable ASCII (a base64 alphabet and keys without spaces or
    commas); values must decode to UTF-8. Raises ValidationFailed (sent as 400) otherwise.
    """
    if not _PRINTABLE_ASCII.fullmatch(header):
        raise ValidationFailed(
            "Upload-Metadata must be printable ASCII (keys and base64 values).",
            field="Upload-Metadata",
        )
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        if not key or " " in value.strip():
            raise ValidationFailed(
                f"Malformed Upload-Metadata pair {pair!r}.", field="Upload-Metadata"
            )
        try:
            result[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(
                f"Upload-Metadata value of {key!r} is not base64 UTF-8.", field="Upload-Metadata"
            ) from None
    return result


def clean_filename(name: str) -> str:
    """The client's file name as stored: control characters (NUL included, which
    PostgreSQL text refuses) replaced by ``_``, at most 255 characters."""
    return _CONTROLS.sub("_", name)[:255]


def _int_header(request: HttpRequest, name: str, *, required: bool = True) -> int | None:
    """An integer header (``1*DIGIT``, RFC 9110; tus Upload-Length/Upload-Offset):
    ValidationFailed (400) when missing (if ``required``) or not a plain ASCII number of
    at most 19 digits (see :func:`api.core.parsing.parse_uint`)."""
    value = request.headers.get(name)
    if value is None:
        if required:
            raise ValidationFailed(f"{name} is required.", field=name)
        return None
    number = parse_uint(value.strip(" \t"))
    if number is None:
        raise ValidationFailed(
            f"{name} must be a non-negative integer (ASCII digits, at most 19).", field=name
        )
    return number


def _checksum(request: HttpRequest) -> tuple[str, bytes] | None:
    header = request.headers.get("Upload-Checksum")
    if not header:
        return None
    algorithm, _, digest = header.partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ValidationFailed(
            f"Unsupported checksum algorithm {algorithm!r}; use one of "
            f"{', '.join(CHECKSUM_ALGORITHMS)}.",
            field="Upload-Checksum",
        )
    try:
        return algorithm, base64.b64decode(digest, validate=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII text
        raise ValidationFailed(
            "Upload-Checksum digest is not base64.", field="Upload-Checksum"
        ) from None


@method_decorator(csrf_exempt, name="dispatch")
class TusUploadView(View):
    http_method_names = ["options", "post", "head", "patch", "delete", "get"]

    # --- plumbing ------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        override = request.headers.get("X-HTTP-Method-Override")
        if request.method == "POST" and override in ("PATCH", "DELETE"):
            request.method = override
        try:
            versioned = request.method not in ("OPTIONS", "GET")
            if versioned and request.headers.get("Tus-Resumable") != TUS_VERSION:
                raise PreconditionFailed()
            response = super().dispatch(request, *args, **kwargs)
        except PodError as exc:
            status = 400 if isinstance(exc, ValidationFailed) else exc.status
            response = pod_error_response(exc)
            response.status_code = status
        except APIException as exc:  # bad or expired bearer token
            response = json_error_response(exc.status_code, "not_authenticated", str(exc.detail))
        response["Tus-Resumable"] = TUS_VERSION
        if response.status_code == 412:
            response["Tus-Version"] = TUS_VERSION
        response["Cache-Control"] = "no-store"
        return response

    def _user(self, request: HttpRequest):
        user = authenticate_request(request)
        if not user.is_authenticated:
            raise NotAuthenticated()
        if "Authorization" not in request.headers and request.method not in (
            "GET",
            "HEAD",
            "OPTIONS",
        ):
            # session-authenticated browser requests must pass CSRF checks
            failure = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if failure is not None:
                raise CsrfFailed()  # 403 csrf_failed
        return user

    def _upload(self, request: HttpRequest, upload_id: UUID) -> Upload:
        """The upload, for its creator (or staff) while they may still change its video:
        NotFound (404) otherwise, or PermissionDenied (403) when they could change it but
        no longer (e.g. a co-owner removed since the upload began)."""
        user = self._user(request)
        try:  # get(): no ORDER BY to build (first() would sort by the model's ordering)
            upload = Upload.objects.select_related("video").get(id=upload_id)
        except Upload.DoesNotExist:
            upload = None
        if upload is None or not (user.is_staff or upload.owner_id == user.id):
            raise NotFound("No such upload.", code="upload_not_found")
        if not can_edit(user, upload.video):  # the selectors' rule, without video_get's joins
            raise PermissionDenied("Only the owners of this video may upload its source.")
        return upload

    @staticmethod
    def _state_headers(response: HttpResponse, upload: Upload) -> HttpResponse:
        response["Upload-Offset"] = str(upload.offset)
        if not upload.is_complete:
            response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
        return response

    @staticmethod
    def _creation_length(request: HttpRequest) -> int | None:
        """Upload-Length, or None for ``Upload-Defer-Length: 1`` (tus
        creation-defer-length); one of them, and only one: ValidationFailed (400)."""
        defer = request.headers.get("Upload-Defer-Length")
        if defer is None:
            return _int_header(request, "Upload-Length")
        if defer.strip(" \t") != "1":
            raise ValidationFailed("Upload-Defer-Length must be 1.", field="Upload-Defer-Length")
        if "Upload-Length" in request.headers:
            raise ValidationFailed(
                "Send Upload-Length or Upload-Defer-Length, not both.", field="Upload-Length"
            )
        return None

    def _write(self, request: HttpRequest, upload: Upload, offset: int) -> Upload:
        if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise LengthRequired()
        length = _int_header(request, "Content-Length", required=False) or 0
        checksum = _checksum(request)  # a malformed header answers 400 before any write
        with metrics.UPLOADS_IN_FLIGHT.track_inprogress():
            upload = services.upload_write(
                upload=upload,
                offset=offset,
                # ASGI (api.asgi.StreamingBody): the received pieces, written without a join
                read=getattr(request._stream, "read_parts", request.read),
                content_length=length,
                checksum=checksum,
                # ASGI: the event loop writes each piece as it arrives (no hand-off per piece)
                write_to=getattr(request._stream, "write_to", None),
            )
            if upload.offset == upload.length:  # the last byte: probe, attach, encode
                upload = pipeline.source_received(upload=upload)
            return upload

    # --- tus -----------------------------------------------------------------------------

    def options(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = EXTENSIONS
        response["Tus-Max-Size"] = str(settings.UPLOAD_MAX_SIZE)
        response["Tus-Checksum-Algorithm"] = ",".join(CHECKSUM_ALGORITHMS)
        return response

    def post(self, request: HttpRequest, upload_id: UUID | None = None) -> HttpResponse:
        """tus §creation (and §creation-with-upload when a body is sent)."""
        if upload_id is not None:
            return json_error_response(405, "method_not_allowed", "POST to the creation URL.")
        user = self._user(request)
        enforce(request, "upload_create", user=user)  # 429 rate_limited, with Retry-After
        length = self._creation_length(request)
        header = request.headers.get("Upload-Metadata", "")
        metadata = parse_metadata(header)
        try:
            video_id = UUID(metadata.get("video", ""))
        except ValueError:
            raise ValidationFailed(
                "Upload-Metadata must carry 'video', a video id.", field="Upload-Metadata.video"
            ) from None
        video = video_get_editable(video_id=video_id, user=user)
        pipeline.upload_transcribe_option(metadata=metadata)  # a bad `transcribe`: 400 now
        upload = services.upload_create(
            owner=user,
            video=video,
            length=length,
            filename=clean_filename(metadata.get("filename", "")),
            metadata_header=header,
        )
        if request.headers.get("Content-Type") == OFFSET_CONTENT_TYPE:
            upload = self._write(request, upload, 0)
        elif length == 0:  # nothing to send: the upload is complete as created
            upload = pipeline.source_received(upload=upload)
        response = HttpResponse(status=201)
        response["Location"] = request.build_absolute_uri(
            reverse("tus-upload", kwargs={"upload_id": upload.id})
        )
        return self._state_headers(response, upload)

    def head(self, request: HttpRequest, upload_id: UUID | None = None) -> HttpResponse:
        if upload_id is None:
            raise NotFound()
        upload = self._upload(request, upload_id)
        services.upload_check_alive(upload)
        response = HttpResponse(status=200)
        if upload.length is None:
            response["Upload-Defer-Length"] = "1"
        else:
            response["Upload-Length"] = str(upload.length)
        if upload.metadata_header:
            response["Upload-Metadata"] = upload.metadata_header
        return self._state_headers(response, upload)

    def patch(self, request: HttpRequest, upload_id: UUID | None = None) -> HttpResponse:
        if upload_id is None:
            return json_error_response(405, "method_not_allowed", "PATCH an upload's URL.")
        upload = self._upload(request, upload_id)
        if request.headers.get("Content-Type") != OFFSET_CONTENT_TYPE:
            raise WrongContentType()
        offset = _int_header(request, "Upload-Offset")
        length = _int_header(request, "Upload-Length", required=False)
        if length is not None:  # creation-defer-length: the length, once known
            upload = services.upload_set_length(upload=upload, length=length)
        upload = self._write(request, upload, offset)
        return self._state_headers(HttpResponse(status=204), upload)

    def delete(self, request: HttpRequest, upload_id: UUID | None = None) -> HttpResponse:
        """tus §termination."""
        if upload_id is None:
            return json_error_response(405, "method_not_allowed", "DELETE an upload's URL.")
        services.upload_terminate(upload=self._upload(request, upload_id))
        return HttpResponse(status=204)

    def get(self, request: HttpRequest, upload_id: UUID | None = None) -> HttpResponse:
        """Not tus: the upload's state as JSON (envelope)."""
        if upload_id is None:
            return json_error_response(405, "method_not_allowed", "GET an upload's URL.")
        upload = self._upload(request, upload_id)
        services.upload_check_alive(upload)
        return JsonResponse(
            success_body(
                {
                    "id": str(upload.id),
                    "video_id": str(upload.video_id),
                    "offset": upload.offset,
                    "length": upload.length,
                    "filename": upload.filename,
                    "complete": upload.is_complete,
                    "expires_at": None if upload.is_complete else upload.expires_at.isoformat(),
                    "created_at": upload.created_at.isoformat(),
                }
            )
        )
