"""``media-live``: the live ingest worker (one event: RTMP in, live HLS + recording out)."""
