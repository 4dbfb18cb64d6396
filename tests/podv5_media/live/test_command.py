"""The live worker's pure builders: the ffmpeg command of a session (RTMP behind the
gate, SRT with the key as passphrase), the poster grab, the spec's key rules."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from podv5_contract.live_worker import LiveSpec
from podv5_media.live.command import poster_command, session_command
from podv5_media.live.run import _newest_segment

KEY = "k3y-abcdefghijklmnopqrstuvwxyz012"


def spec(**overrides) -> LiveSpec:
    fields = {"event_id": uuid4(), "stream_key": KEY, "port": 1935, "output": "file:///o/"}
    return LiveSpec(**{**fields, **overrides})


def test_rtmp_session_listens_behind_the_gate_without_the_key():
    cmd = session_command("ffmpeg", spec(), upstream_port=4000, out_dir=Path("/o"), session=2)
    assert cmd[cmd.index("-i") + 1] == f"rtmp://127.0.0.1:4000/live/{'k' * len(KEY)}"
    assert "-listen" in cmd and not any(KEY in arg for arg in cmd)
    assert "/o/hls/s002_%05d.ts" in cmd and "/o/rec/part-002.ts" in cmd


def test_srt_session_listens_itself_with_the_key_as_passphrase():
    live = spec(protocol="srt", bind="0.0.0.0", port=9000)
    cmd = session_command("ffmpeg", live, upstream_port=0, out_dir=Path("/o"), session=1)
    assert cmd[cmd.index("-passphrase") + 1] == KEY
    assert cmd[cmd.index("-enforced_encryption") + 1] == "1"
    url = cmd[cmd.index("-i") + 1]
    assert url == "srt://0.0.0.0:9000?mode=listener" and KEY not in url
    assert "-listen" not in cmd
    ipv6 = session_command(
        "ffmpeg", spec(protocol="srt", bind="::"), upstream_port=0, out_dir=Path("/o"), session=1
    )
    assert ipv6[ipv6.index("-i") + 1] == "srt://[::]:1935?mode=listener"


def test_srt_needs_a_passphrase_long_enough():
    with pytest.raises(ValidationError):
        spec(stream_key="short-key")  # 9 characters: SRT takes 10 to 79
    with pytest.raises(ValidationError):
        spec(protocol="webrtc")
    assert "***" in repr(spec()) and KEY not in repr(spec())


def test_poster_command_and_newest_segment(tmp_path):
    cmd = poster_command("ffmpeg", tmp_path / "s001_00003.ts", tmp_path / "p.jpg")
    assert cmd[cmd.index("-frames:v") + 1] == "1" and cmd[-1] == str(tmp_path / "p.jpg")
    playlist = tmp_path / "index.m3u8"
    assert _newest_segment(playlist) is None
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n")
    assert _newest_segment(playlist) is None
    playlist.write_text(
        "#EXTM3U\n#EXTINF:2.0,\ns001_00003.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\ns002_00000.ts\n"
    )
    assert _newest_segment(playlist) == "s002_00000.ts"
