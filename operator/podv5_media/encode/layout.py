"""Where each output goes, relative to the job's output prefix (and the local work dir).

::

    manifest.json
    hls/master.m3u8
    hls/manifest.mpd             (DASH, over the same CMAF segments; video sources)
    hls/<rendition>/index.m3u8, init_<rendition>.mp4, seg_00000.m4s, ...
    hls/audio-<lang>/index.m3u8, ...  (alternate audio renditions of a video source)
    mp4/<rendition>.mp4          (audio only: mp4/audio.m4a)
    poster.jpg
    storyboard/sprite.jpg, storyboard/storyboard.vtt
"""

from __future__ import annotations

MANIFEST = "manifest.json"
HLS_DIR = "hls"
MASTER_PLAYLIST = f"{HLS_DIR}/master.m3u8"
DASH_MPD = f"{HLS_DIR}/manifest.mpd"
POSTER = "poster.jpg"
STORYBOARD_DIR = "storyboard"
STORYBOARD_IMAGE = f"{STORYBOARD_DIR}/sprite.jpg"
STORYBOARD_VTT = f"{STORYBOARD_DIR}/storyboard.vtt"
MP4_DIR = "mp4"


def variant_dir(name: str) -> str:
    return f"{HLS_DIR}/{name}"


def variant_playlist(name: str) -> str:
    return f"{HLS_DIR}/{name}/index.m3u8"


def mp4_path(name: str, *, audio_only: bool = False) -> str:
    return f"{MP4_DIR}/{name}.{'m4a' if audio_only else 'mp4'}"
