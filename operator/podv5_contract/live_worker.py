"""The live worker's spec: one pydantic model, given as a JSON file (``--spec``).

The file holds the stream key: the API writes it with mode 0600 and never puts the key
on a command line.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class LiveSpec(BaseModel):
    """What ``media-live`` runs.

    - ``protocol``: ``rtmp`` (TCP: ``rtmp://<host>:<port>/live/<key>``) or ``srt`` (UDP:
      ``srt://<host>:<port>?passphrase=<key>``, the key is the SRT passphrase);
    - ``port``/``bind``: where broadcasters connect;
    - ``output``: ``file://`` URI of a folder (ends with '/'): ``hls/index.m3u8`` (live
      playlist), ``rec/`` (recording parts, then ``rec/recording.ts``);
    - ``segment_duration``: seconds; ``list_size``: segments in the sliding window;
    - ``reconnect_seconds``: after the input stops, how long to wait for it to come back
      before ending the event (Mux's reconnect window); 0: wait until stopped;
    - ``poster_seconds``: ``poster.jpg`` (a frame of the newest segment) is grabbed as
      soon as the first segment is listed, then every this many seconds while on air;
      0: no poster.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    event_id: UUID
    #: SRT passphrases are 10 to 79 characters: an SRT key needs at least 10
    stream_key: Annotated[str, Field(min_length=10, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    protocol: Literal["rtmp", "srt"] = "rtmp"
    bind: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)]
    output: Annotated[str, Field(pattern=r"^file://.*/$")]
    segment_duration: Annotated[float, Field(gt=0, le=30)] = 2.0
    list_size: Annotated[int, Field(ge=2, le=100)] = 6
    record: bool = True
    reconnect_seconds: Annotated[float, Field(ge=0)] = 60.0
    poster_seconds: Annotated[float, Field(ge=0)] = 30.0
    callback_url: AnyHttpUrl | None = None

    def to_wire(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def __repr_args__(self):  # never show the key in logs or tracebacks
        for name, value in super().__repr_args__():
            yield name, ("***" if name == "stream_key" else value)
