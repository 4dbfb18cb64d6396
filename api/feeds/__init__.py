"""RSS 2.0 / podcast feeds of channels and playlists, and Dublin Core metadata of videos
(docs/editorial.md, "Feeds and Dublin Core"). No models: reads of ``api.videos`` and
``api.editorial``."""
