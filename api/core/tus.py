"""tus protocol constants shared by the upload server (``api.uploads.views``) and the
``upload`` object of a video (``api.videos.schemas``)."""

#: the ``Upload-Checksum`` algorithms the server accepts (tus checksum extension)
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
