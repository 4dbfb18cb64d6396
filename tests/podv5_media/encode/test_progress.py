"""ffmpeg -progress parsing."""

from __future__ import annotations

from podv5_media.encode.progress import ProgressParser, ProgressUpdate

BLOCK = """frame=30
fps=0.00
stream_0_0_q=28.0
bitrate=N/A
total_size=N/A
out_time_us=1500000
out_time_ms=1500000
out_time=00:00:01.500000
dup_frames=0
drop_frames=0
speed=1.5x
progress=continue
"""


def test_blocks_give_updates():
    parser = ProgressParser()
    updates = [u for line in BLOCK.splitlines() if (u := parser.feed(line))]
    assert updates == [ProgressUpdate(out_time=1.5, done=False)]
    assert updates[0].percent(3.0) == 50.0
    last = [parser.feed(line) for line in ("out_time_us=N/A", "progress=end")][-1]
    assert last == ProgressUpdate(out_time=None, done=True) and last.percent(3.0) == 100.0


def test_percent_is_clamped():
    assert ProgressUpdate(out_time=5.0, done=False).percent(3.0) == 100.0
    assert ProgressUpdate(out_time=None, done=False).percent(3.0) == 0.0
    assert ProgressParser().feed("garbage") is None
