"""The video workflow, in one place: a source arrives (tus upload, live recording) →
it is attached to its video → encoded → the video is ready (or failed); a deleted video
takes its jobs and uploads with it. The apps below (uploads, encoding, live, videos)
know nothing of each other; this package calls them (``services``) and answers the
callbacks of workers and the operator (``handlers``, registered by ``api.callbacks``).
"""
