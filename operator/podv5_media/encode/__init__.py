"""``media-encode``: the VOD worker.

One job: fetch the source, probe it, plan the ladder, run ONE ffmpeg process that decodes
the source once and encodes every rendition (HLS fMP4) plus the poster and the storyboard,
remux the MP4 fallback, write ``manifest.json``, publish, and report through signed
callbacks. See ``run.py`` for the sequence and ``command.py`` for the ffmpeg command.
"""
