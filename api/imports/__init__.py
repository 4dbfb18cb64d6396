"""Imports of videos from a URL (a media file, a PeerTube video, a BigBlueButton
recording): the request's checks and the import's record. The download itself runs in
the worker (``podv5_media.imports``); the workflow is ``api.pipeline.services``'s."""
