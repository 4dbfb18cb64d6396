"""The programs that run inside worker pods: ``media-encode`` (``encode``, VOD) and
``media-live`` (``live``, live ingest), with what they share: the ffmpeg lookup and runner
(``ffmpeg``), THE probe of media files (``probe``, also used by the API) and storage access
(``storage``: fetch a source, publish an output folder).

Imports the contract (``podv5_contract``), never the operator nor the API (import-linter).
"""
