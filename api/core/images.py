"""Still images uploaded by users (custom thumbnails, watermarks), checked by decoding
them with PyAV (FFmpeg's PNG, JPEG and WebP decoders, the ones the workers use): never
trusted by name or MIME type, and no image library of our own (no Pillow).

``image_check(data, formats=...) -> ImageInfo``: the image's format and size, or
UnsupportedImage (415, ``unsupported_image``) for anything that is not one whole,
decodable image of an accepted format, or larger than ``MAX_IMAGE_SIDE`` pixels a side.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import av.error

from api.core.errors import UnsupportedImage

#: FFmpeg demuxer → (our format name, file extension, MIME type)
IMAGE_FORMATS = {
    "png_pipe": ("png", "png", "image/png"),
    "jpeg_pipe": ("jpeg", "jpg", "image/jpeg"),
    "webp_pipe": ("webp", "webp", "image/webp"),
}
#: the largest accepted width or height, pixels
MAX_IMAGE_SIDE = 8192


@dataclass(frozen=True)
class ImageInfo:
    format: str  # png, jpeg, webp
    extension: str
    content_type: str
    width: int
    height: int


def image_check(data: bytes, *, formats: tuple[str, ...] = ("png", "jpeg", "webp")) -> ImageInfo:
    """Decode ``data`` as one still image of ``formats``; UnsupportedImage (415) otherwise
    (the message names the accepted formats, never the file)."""
    wanted = " or ".join(f.upper() for f in formats)
    refused = UnsupportedImage(f"The file is not a {wanted} image we can decode.", field="file")
    if not data:
        raise refused
    try:
        with av.open(io.BytesIO(data)) as container:
            known = IMAGE_FORMATS.get(container.format.name)
            if known is None or known[0] not in formats or len(container.streams.video) != 1:
                raise refused
            stream = container.streams.video[0]
            ctx = stream.codec_context
            if max(ctx.width, ctx.height) > MAX_IMAGE_SIDE:
                raise UnsupportedImage(
                    f"An image may be at most {MAX_IMAGE_SIDE} pixels a side.", field="file"
                )
            frame = next(container.decode(stream), None)
    except (av.error.FFmpegError, StopIteration, ValueError, OSError):
        raise refused from None
    if frame is None or not frame.width or not frame.height:
        raise refused
    if max(frame.width, frame.height) > MAX_IMAGE_SIDE:
        raise UnsupportedImage(
            f"An image may be at most {MAX_IMAGE_SIDE} pixels a side.", field="file"
        )
    return ImageInfo(known[0], known[1], known[2], frame.width, frame.height)
