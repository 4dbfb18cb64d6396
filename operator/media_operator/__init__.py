"""Deprecated compatibility package: ``kopf run -m media_operator`` loads the operator of
``podv5_operator`` (use ``kopf run -m podv5_operator`` or the ``media-operator`` command).

The code that lived here is split into ``podv5_contract`` (specs, events, outputs
manifest, callbacks, logs), ``podv5_media`` (the ``media-encode`` and ``media-live``
workers) and ``podv5_operator`` (the kopf operator). Nothing else is importable from here.
"""

import warnings

import podv5_operator  # noqa: F401 - registers the kopf handlers

warnings.warn(
    "media_operator is deprecated: run `kopf run -m podv5_operator` (or `media-operator`)",
    DeprecationWarning,
    stacklevel=2,
)
