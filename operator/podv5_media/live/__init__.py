"""``media-live``: the live ingest worker (one event: RTMP or SRT in, live HLS + recording out)."""
