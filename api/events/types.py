"""The event types published (``api.events.services.publish``), what webhook
subscriptions may ask for and what the streams send. Their ``data`` shapes are in
``api.events.payloads`` (and docs/events.md)."""

from __future__ import annotations

#: a video's workflow: its source is being encoded (upload finished, recording, import,
#: re-encode), encoding progress (0-100), ready, failed, deleted
VIDEO_EVENTS = (
    "video.processing",
    "video.progress",
    "video.ready",
    "video.failed",
    "video.deleted",
)
#: a tus upload was created for a video
UPLOAD_EVENTS = ("upload.created",)
#: a live event: worker launched, ingest open, stream arriving / gone, ended, failed,
#: viewer count changed
LIVE_EVENTS = (
    "live.starting",
    "live.started",
    "live.on_air",
    "live.off_air",
    "live.ended",
    "live.failed",
    "live.viewers",
)
EVENT_TYPES = VIDEO_EVENTS + UPLOAD_EVENTS + LIVE_EVENTS
#: after these, nothing more happens to the subject: a stream sends them and closes
FINAL_TYPES = frozenset(
    {"video.ready", "video.failed", "video.deleted", "live.ended", "live.failed"}
)
