import base64

import pytest

from tests.conftest import ApiClient


def tus_metadata(**pairs) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


class TusClient(ApiClient):
    """The test client speaking tus 1.0.0 (headers as a stock tus client sends them)."""

    def create(self, video_id, length, filename="clip.mp4", body=None, **headers):
        extra = {
            "HTTP_TUS_RESUMABLE": "1.0.0",
            "HTTP_UPLOAD_LENGTH": str(length),
            "HTTP_UPLOAD_METADATA": tus_metadata(video=str(video_id), filename=filename),
        }
        extra.update(headers)
        if body is not None:
            return self.generic(
                "POST",
                "/api/v1/uploads/",
                body,
                content_type="application/offset+octet-stream",
                **extra,
            )
        return self.generic("POST", "/api/v1/uploads/", **extra)

    def patch_bytes(self, url, offset, data, **headers):
        extra = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_OFFSET": str(offset)}
        extra.update(headers)
        return self.generic(
            "PATCH", url, data, content_type="application/offset+octet-stream", **extra
        )

    def head_upload(self, url):
        return self.head(url, HTTP_TUS_RESUMABLE="1.0.0")


@pytest.fixture
def tus(user):
    return TusClient(user)


@pytest.fixture
def video(alice):
    response = alice.post_json("/api/v1/videos", {"title": "Upload me"})
    return response.json()["data"]
