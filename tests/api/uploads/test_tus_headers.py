"""Odd header text on the tus endpoints answers a 4xx envelope or a valid tus answer,
never a 500: Unicode digits, huge integers, non-ASCII metadata, NUL in file names —
examples first, then Hypothesis throwing arbitrary text at every tus header."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.core.parsing import parse_uint
from api.uploads.models import Upload

HUGE = "9" * 4400


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def assert_4xx_envelope(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error" and body["errors"][0]["code"]
    assert response["Tus-Resumable"] == "1.0.0"


@pytest.mark.parametrize("value", ["¹", "²0", "١٢", "１０", HUGE, "-1", "+5", "1e3", " "])
def test_odd_upload_length_is_a_400(tus, video, value):
    assert_4xx_envelope(tus.create(video["id"], 10, HTTP_UPLOAD_LENGTH=value))
    assert not Upload.objects.exists()


@pytest.mark.parametrize("value", ["¹", "²", HUGE, "0x10", ""])
def test_odd_upload_offset_is_a_400(tus, video, value):
    url = tus.create(video["id"], 10)["Location"]
    assert_4xx_envelope(tus.patch_bytes(url, value, b"abc"))
    assert Upload.objects.get().offset == 0


@pytest.mark.parametrize("value", ["¹", "²", HUGE])
def test_odd_content_length_is_a_400(tus, video, value):
    url = tus.create(video["id"], 10)["Location"]
    assert_4xx_envelope(tus.patch_bytes(url, 0, b"abc", CONTENT_LENGTH=value))


@pytest.mark.parametrize(
    "header",
    [
        "video é",  # non-ASCII instead of base64
        "filename " + b64("clip.mp4") + "é",
        "video\x00 abc",
        "filename " + base64.b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_odd_upload_metadata_is_a_400(tus, video, header):
    assert_4xx_envelope(tus.create(video["id"], 10, HTTP_UPLOAD_METADATA=header))


def test_odd_checksum_is_a_400(tus, video):
    url = tus.create(video["id"], 10)["Location"]
    assert_4xx_envelope(tus.patch_bytes(url, 0, b"abc", HTTP_UPLOAD_CHECKSUM="sha1 é≠"))


def test_control_characters_in_the_file_name_are_not_stored(tus, video):
    name = "cl\x00ip\n.mp4"
    header = f"video {b64(video['id'])},filename {b64(name)}"
    created = tus.create(video["id"], 10, HTTP_UPLOAD_METADATA=header)
    assert created.status_code == 201, created.content
    assert Upload.objects.get().filename == "cl_ip_.mp4"


TUS_HEADERS = [
    "HTTP_UPLOAD_LENGTH",
    "HTTP_UPLOAD_OFFSET",
    "CONTENT_LENGTH",
    "HTTP_UPLOAD_METADATA",
    "HTTP_UPLOAD_CHECKSUM",
    "HTTP_UPLOAD_DEFER_LENGTH",
    "HTTP_TUS_RESUMABLE",
    "HTTP_X_HTTP_METHOD_OVERRIDE",
]
#: header text as a client could send it, and worse (Django's test client takes any str)
header_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789¹²٣٤", max_size=30),
    st.from_regex(r"[0-9]{18,4400}", fullmatch=True),
    st.builds(lambda k, v: f"{k} {v}", st.text(max_size=10), st.text(max_size=20)),
)
tus_headers = st.dictionaries(st.sampled_from(TUS_HEADERS), header_text, max_size=4)


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def ok_or_4xx(response, method="POST"):
    assert response.status_code < 500, (response.status_code, response.content)
    if response.status_code >= 400 and method != "HEAD":  # HEAD answers carry no body
        assert response.json()["status"] == "error"


@FUZZ
@given(headers=tus_headers)
def test_any_header_text_on_creation_is_never_a_500(tus, video, headers):
    ok_or_4xx(tus.create(video["id"], 10, **headers))


@FUZZ
@given(headers=tus_headers, method=st.sampled_from(["PATCH", "HEAD", "DELETE", "GET", "OPTIONS"]))
def test_any_header_text_on_an_upload_is_never_a_500(tus, video, headers, method):
    Upload.objects.all().delete()
    url = tus.create(video["id"], 10)["Location"]
    extra = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_OFFSET": "0", **headers}
    if parse_uint((extra.get("CONTENT_LENGTH") or "").strip(" \t")) is not None:
        # a well-formed length (the view strips spaces and tabs around it, as HTTP allows)
        # other than the body's: the test client's fake socket refuses reads past its
        # bytes, where a real one waits (see test_serving.py)
        del extra["CONTENT_LENGTH"]
    response = tus.generic(
        method, url, b"abc", content_type="application/offset+octet-stream", **extra
    )
    ok_or_4xx(response, method)
    if method == "PATCH" and response.status_code == 204:
        assert int(response["Upload-Offset"]) == Upload.objects.get().offset
