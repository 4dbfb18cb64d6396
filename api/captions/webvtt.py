"""A strict WebVTT checker and an SRT → WebVTT converter (no third-party parser:
``webvtt-py`` is not a dependency, and what we need is small).

``webvtt_check(data) -> str`` follows the file syntax of the W3C "WebVTT: The Web Video
Text Tracks Format" recommendation, section 4.1: UTF-8 (a BOM is dropped), a first line
``WEBVTT`` (optionally followed by a space or tab and text), a header that ends at the
first blank line, then blocks separated by blank lines: ``NOTE``, ``STYLE`` and
``REGION`` blocks, or cues. A cue is an optional identifier line (without ``-->``), a
timing line ``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]`` (minutes and seconds below
60, three-digit milliseconds, end after start, start times never going back) and
payload lines (none may contain ``-->``). It returns the text with line ends normalised
to ``\\n``; at least one cue is required.

``srt_to_webvtt(data) -> str`` reads SubRip (numbered blocks, ``hh:mm:ss,mmm -->
hh:mm:ss,mmm`` timing lines, text) and writes WebVTT, which it then checks with
``webvtt_check``: SRT's ``<b> <i> <u>`` tags are WebVTT tags too; ``<font>`` tags and
``{\\an8}``-style overrides (which WebVTT lacks) are dropped.

Both raise ``CaptionInvalid`` (HTTP 422, code ``invalid_webvtt`` or ``invalid_srt``),
whose message names the offending line.
"""

from __future__ import annotations

import re

from api.core.errors import ValidationFailed

#: hours: at most 6 digits (a track of 999,999 hours is long enough); ASCII digits only
_TIMESTAMP = r"(?:([0-9]{2,6}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+(.*))?$")
_TIMED = re.compile(r"^\s*[0-9]+:[0-9]")
_SRT_TIMING = re.compile(
    r"^([0-9]{1,3}):([0-5]?[0-9]):([0-5]?[0-9])[,.]([0-9]{1,3})\s*-->\s*"
    r"([0-9]{1,3}):([0-5]?[0-9]):([0-5]?[0-9])[,.]([0-9]{1,3})(?:\s+.*)?$"
)
_SRT_DROPPED = re.compile(r"</?font[^>]*>|\{\\[^}]*\}", re.IGNORECASE)


class CaptionInvalid(ValidationFailed):
    """A caption file that is not valid WebVTT or SRT (HTTP 422)."""

    code = "invalid_webvtt"


def _text(data: bytes, code: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CaptionInvalid("The file is not UTF-8 text.", code=code, field="file") from None
    if "\x00" in text:
        raise CaptionInvalid("The file is not text (NUL bytes).", code=code, field="file")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _fail(message: str, line: int) -> CaptionInvalid:
    return CaptionInvalid(f"Line {line}: {message}", field="file")


def webvtt_check(data: bytes | str) -> str:
    """The WebVTT text, checked (see the module docstring); raises CaptionInvalid."""
    text = _text(data, "invalid_webvtt") if isinstance(data, bytes) else data
    lines = text.split("\n")
    first = lines[0]
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise _fail('a WebVTT file starts with a line "WEBVTT"', 1)
    n = 1
    while n < len(lines) and lines[n] != "":  # the header
        if "-->" in lines[n]:
            raise _fail("a blank line must separate the header from the first cue", n + 1)
        n += 1
    cues, last_start = 0, 0.0
    while n < len(lines):
        if lines[n] == "":
            n += 1
            continue
        start_line = n
        block = []
        while n < len(lines) and lines[n] != "":
            block.append(lines[n])
            n += 1
        head = block[0]
        # a first word (a line of white space only has none: then it is a cue's id)
        word = head.split(maxsplit=1)[0] if head.strip() else ""
        if "-->" not in head and word in ("NOTE", "STYLE", "REGION"):
            if word != "NOTE" and cues:
                raise _fail(f"{word} blocks must come before the cues", start_line + 1)
            continue
        timing_index = 0 if "-->" in head else 1
        next_line = block[1] if len(block) > 1 else ""
        if timing_index and _TIMED.match(head) and not _TIMING.match(next_line):
            timing_index = 0  # a timing line gone wrong, not a cue identifier
        if timing_index >= len(block):
            raise _fail("a cue needs a timing line (start --> end)", start_line + 1)
        timing_line = start_line + timing_index + 1
        match = _TIMING.match(block[timing_index])
        if match is None:
            raise _fail(
                f"bad cue timing {block[timing_index][:60]!r}: expected "
                "[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt",
                timing_line,
            )
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:8])
        if end <= start:
            raise _fail("the cue ends before it starts", timing_line)
        if start < last_start:
            raise _fail("cues must be in order of start time", timing_line)
        for offset, payload in enumerate(block[timing_index + 1 :], timing_line + 1):
            if "-->" in payload:
                raise _fail('"-->" in a cue text (a missing blank line?)', offset)
        last_start, cues = start, cues + 1
    if not cues:
        raise CaptionInvalid("The WebVTT file has no cues.", field="file")
    return text if text.endswith("\n") else text + "\n"


def _srt_time(hours: str, minutes: str, seconds: str, millis: str) -> str:
    return f"{int(hours):02d}:{int(minutes):02d}:{int(seconds):02d}.{int(millis.ljust(3, '0')):03d}"


def srt_to_webvtt(data: bytes) -> str:
    """The WebVTT equivalent of an SRT file (see the module docstring); raises
    CaptionInvalid with code ``invalid_srt``."""
    text = _text(data, "invalid_srt")
    lines = text.split("\n")
    out = ["WEBVTT", ""]
    n, cues = 0, 0
    while n < len(lines):
        if lines[n].strip() == "":
            n += 1
            continue
        block_start = n
        block = []
        while n < len(lines) and lines[n].strip() != "":
            block.append(lines[n].rstrip())
            n += 1
        if re.fullmatch(r"[0-9]+", block[0].strip()):
            block = block[1:]
        match = _SRT_TIMING.match(block[0].strip()) if block else None
        if match is None:
            raise CaptionInvalid(
                f"Line {block_start + 1}: expected an SRT cue (number, then "
                "hh:mm:ss,mmm --> hh:mm:ss,mmm)",
                code="invalid_srt",
                field="file",
            )
        groups = match.groups()
        out.append(f"{_srt_time(*groups[:4])} --> {_srt_time(*groups[4:])}")
        for payload in block[1:]:
            payload = _SRT_DROPPED.sub("", payload).replace("-->", "→")
            if payload.strip():  # a blank line would end the cue
                out.append(payload)
        out.append("")
        cues += 1
    if not cues:
        raise CaptionInvalid("The SRT file has no cues.", code="invalid_srt", field="file")
    try:
        return webvtt_check("\n".join(out))
    except CaptionInvalid as exc:
        raise CaptionInvalid(
            f"The SRT file converts to invalid WebVTT: {exc.message}",
            code="invalid_srt",
            field="file",
        ) from None


def caption_to_webvtt(data: bytes) -> tuple[str, str]:
    """``(webvtt text, source format)``: WebVTT is checked, anything else is read as
    SRT (the content decides, not the file name)."""
    head = data.removeprefix(b"\xef\xbb\xbf")[:6]
    if head == b"WEBVTT":
        return webvtt_check(data), "vtt"
    return srt_to_webvtt(data), "srt"
