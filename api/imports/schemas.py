"""The import request: a video's fields (``VideoIn``) with the URL, and the metadata
fields optional (left out: filled from the source when it has them)."""

from __future__ import annotations

from typing import Literal

from ninja import Field

from api.core.fields import line
from api.videos.models import Licence
from api.videos.schemas import Description, TagName, Title, VideoIn
from podv5_contract.net import URL_MAX_LENGTH

_URL = (
    "http(s) URL of a media file, a PeerTube video (/w/<id>, /videos/watch/<id>) or a "
    "BigBlueButton recording (/playback/presentation/2.3/<recordId>)"
)
#: the control-character rule only: the length is net.py's to refuse (import_invalid_url)
_OneLine = line(64 * 1024, strip=False)
_KIND = "auto: from the URL's form; direct: a media file; peertube; bbb (BigBlueButton)"
_FROM_SOURCE = "; left out: the source's own when it has one"


class ImportIn(VideoIn):
    # one line without NUL or control characters (422 validation_error, like every text
    # input: PostgreSQL text can't hold NUL); podv5_contract.net says what else is wrong
    # with it, its length included (422 import_invalid_url past URL_MAX_LENGTH)
    url: _OneLine = Field(description=_URL + f", at most {URL_MAX_LENGTH} characters")
    kind: Literal["auto", "direct", "peertube", "bbb"] = Field("auto", description=_KIND)
    title: Title | None = Field(None, description="the file name until then" + _FROM_SOURCE)
    description: Description | None = Field(None, description="none" + _FROM_SOURCE)
    licence: Licence | None = Field(None, description="all-rights-reserved" + _FROM_SOURCE)
    tags: list[TagName] | None = Field(None, max_length=50, description="none" + _FROM_SOURCE)
