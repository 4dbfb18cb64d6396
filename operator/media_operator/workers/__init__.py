"""The programs that run inside worker pods (``media-encode``; ``media-live`` later)."""
