"""Slugs of what people type, in any script.

Django's ``slugify`` keeps only what NFKD-decomposes to ASCII: Latin accents survive as
their base letters (``Leçon`` → ``lecon``), but Cyrillic, Greek, Arabic, CJK and the rest
vanished, so a Russian or Chinese title gave an empty slug. :func:`slug_words` first
transliterates letters and digits to ASCII with `anyascii
<https://github.com/anyascii/anyascii>`_ (one romanisation table per script: ``Лекция`` →
``Lektsiya``, ``東京`` → ``Dong Jing``), then slugifies. Symbols (emoji, dingbats) are not
transliterated (anyascii would spell their names, ``:movie_camera:``): they drop out, as
punctuation does.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii
from django.utils.text import slugify


def _ascii(char: str) -> str:
    if char.isascii() or unicodedata.category(char)[0] not in "LN":
        return char
    if unicodedata.east_asian_width(char) == "W":
        # ideographs, kana, hangul: one syllable each, written without spaces
        return f" {anyascii(char)} "
    return anyascii(char)


def slug_words(text: str) -> str:
    """``text`` as a slug: lower-case ASCII letters, digits, ``-`` and ``_``
    (``"Cours 東京 2024"`` → ``"cours-dong-jing-2024"``); ``""`` when ``text`` holds no
    letter or digit of any script (punctuation, emoji)."""
    return slugify("".join(_ascii(c) for c in unicodedata.normalize("NFKC", text or "")))
