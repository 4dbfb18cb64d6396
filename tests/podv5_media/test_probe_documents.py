"""The probe refuses documents that ffmpeg would happily "decode": its ``tty`` demuxer turns
any text file named ``.txt``/``.nfo``/``.asc``... into a video of ANSI art."""

from __future__ import annotations

import pytest

from podv5_media.probe import UnsupportedMedia, probe


@pytest.mark.parametrize("name", ["notes.txt", "readme.nfo", "key.asc"])
def test_text_documents_are_not_media(tmp_path, name):
    path = tmp_path / name
    path.write_text("Lecture notes: not a video at all. " * 300)
    with pytest.raises(UnsupportedMedia, match="text document") as raised:
        probe(path)
    assert raised.value.reason == "unsupported_media"
