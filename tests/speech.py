"""Real speech for the transcription tests and benchmark: known English sentences spoken
by Debian's ``espeak-ng`` into a WAV, muxed by ffmpeg with a lavfi test pattern into a
short clip; the word error rate of a transcript; a small WebVTT cue reader.

``espeak-ng`` (Debian package ``espeak-ng``) must be installed: CI installs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

#: what the clip says (about 9 s at RATE words per minute)
SENTENCES = (
    "The quick brown fox jumps over the lazy dog. "
    "Students attend the lecture on physics every morning. "
    "Please open your books at chapter seven."
)
#: espeak-ng's US English with a female variant: PocketSphinx's US English model
#: recognises it best of the voices espeak-ng ships (measured: WER 0.3-0.5 against
#: 0.7-1.0 for the default male voice)
VOICE = "en-us+f2"
RATE = 150


def espeak() -> str:
    found = shutil.which("espeak-ng")
    assert found, "espeak-ng is not installed (apt-get install espeak-ng)"
    return found


def make_speech_clip(
    path: Path,
    *,
    text: str = SENTENCES,
    seconds: float = 10.0,
    video: bool = True,
    delay: float = 0.0,
) -> Path:
    """An MP4 (H.264 test pattern + AAC speech) of ``seconds``, or an M4A without
    ``video``; the speech starts at ``delay`` seconds (silence before) and is padded with
    silence."""
    wav = path.with_suffix(".wav")
    subprocess.run(
        [espeak(), "-v", VOICE, "-s", str(RATE), "-w", str(wav), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    picture = (
        ["-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=10:duration={seconds}"] if video else []
    )
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] if video else []
    pad = f"adelay=delays={round(delay * 1000)}:all=1,apad" if delay > 0 else "apad"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         *picture, "-i", str(wav), *codecs, "-c:a", "aac", "-af", pad,
         "-t", str(seconds), str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    wav.unlink()
    return path


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words of ``reference``: the word-level
    Levenshtein distance, case and punctuation ignored."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
    return row[len(hyp)] / max(len(ref), 1)


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


_TIMING = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2,}):(\d{2}):(\d{2})\.(\d{3})$")


def parse_webvtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file (a ``WEBVTT`` first line, blank-line separated blocks,
    ``hh:mm:ss.mmm --> hh:mm:ss.mmm`` timings); AssertionError if it is not one."""
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0].split("\n")[0] == "WEBVTT", "no WEBVTT header"
    cues = []
    for block in blocks[1:]:
        lines = block.split("\n")
        match = _TIMING.match(lines[0])
        assert match, f"not a timing line: {lines[0]!r}"
        n = [int(g) for g in match.groups()]
        start = n[0] * 3600 + n[1] * 60 + n[2] + n[3] / 1000
        end = n[4] * 3600 + n[5] * 60 + n[6] + n[7] / 1000
        assert lines[1:], "a cue without text"
        assert not any("-->" in line for line in lines[1:])
        cues.append(Cue(start, end, " ".join(lines[1:])))
    return cues
