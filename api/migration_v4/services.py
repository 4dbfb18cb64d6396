"""``import_run``: the Esup-Pod V4 import, kind after kind, idempotent.

Each V4 object imported is recorded in :class:`~api.migration_v4.models.V4Import`
(``(kind, v4_id)`` → our id): a second run updates what the first created, never
duplicates it. The steps, in dependency order: users (``people``), access groups,
video types, disciplines, channels, themes (``catalog``), videos, their source files
(copied and sent to the encoding through ``api.pipeline.services.source_imported``),
caption tracks, chapters, comments (``videos``), playlists and favorites (``catalog``).

Which writes go through other apps' services, and which do not: rules with logic or
side effects are theirs and are called — the pipeline (probe, store, attach, encode),
caption conversion and storage (``track_save``), chapters (``chapter_create``/
``chapter_update``), tags (``tags_resolve``), playlist items and favorites
(``playlist_item_add``, ``playlist_reorder``, ``favorite_add``), password hashes. Their
create/update services for users, groups, vocabularies, channels, videos and comments
check an *acting user's* rights (channel membership, staff, open comments) and stamp
``now`` as the creation date; the import is the platform operator restoring V4's
state, dates included, so it upserts those rows itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from api.migration_v4.models import V4Import
from api.migration_v4.reader import V4Source
from api.migration_v4.report import Report


class _Rollback(Exception):
    """Raised at the end of a dry run to roll everything back."""


@dataclass
class Context:
    """What every step shares: the source, the options, the report and the mappings
    (``V4Import`` rows by kind, loaded once per kind)."""

    source: V4Source
    media_root: Path | None
    dry_run: bool
    report: Report
    _maps: dict[str, dict[int, V4Import]] = field(default_factory=dict)
    _pending: list[V4Import] = field(default_factory=list)

    def mapped(self, kind: str) -> dict[int, V4Import]:
        """The V4Import rows of ``kind`` by V4 id."""
        if kind not in self._maps:
            self._maps[kind] = {m.v4_id: m for m in V4Import.objects.filter(kind=kind)}
        return self._maps[kind]

    def target(self, kind: str, v4_id: int | None) -> str | None:
        """Our id of an imported V4 object (None: not imported, or no id)."""
        if v4_id is None:
            return None
        row = self.mapped(kind).get(v4_id)
        return row.target_id if row else None

    def record(self, kind: str, v4_id: int, target_id, *, slug: str = "", **data) -> V4Import:
        """Record (or update) the mapping of one V4 object; new rows are written by
        :meth:`flush`, changed ones at once."""
        rows = self.mapped(kind)
        row = rows.get(v4_id)
        if row is None:
            row = V4Import(kind=kind, v4_id=v4_id, target_id=str(target_id), slug=slug, data=data)
            rows[v4_id] = row
            self._pending.append(row)
            return row
        merged = {**row.data, **data}
        if (row.target_id, row.slug, row.data) != (str(target_id), slug, merged):
            row.target_id, row.slug, row.data = str(target_id), slug, merged
            if row.pk:
                row.save(update_fields=["target_id", "slug", "data", "updated_at"])
        return row

    def flush(self) -> None:
        V4Import.objects.bulk_create(self._pending, batch_size=1000)
        self._pending = []


def import_run(*, source: V4Source, media_root: Path | None, dry_run: bool = False) -> Report:
    """Import everything of the V4 database ``source`` (see the module docstring).
    ``media_root``: V4's MEDIA_ROOT, where the source and caption files are read (None:
    no file is copied, each is reported refused). ``dry_run``: everything runs inside
    one transaction that is rolled back, no file is stored and no encoding starts;
    the report says what a real run would do. Returns the report; raises
    ``api.migration_v4.reader.SourceError`` when the V4 database cannot be read."""
    from api.migration_v4 import catalog, people, videos

    report = Report(dry_run=dry_run)
    ctx = Context(source=source, media_root=media_root, dry_run=dry_run, report=report)
    started = time.monotonic()
    steps = (
        people.import_users,
        people.import_access_groups,
        catalog.import_types,
        catalog.import_disciplines,
        catalog.import_channels,
        catalog.import_themes,
        videos.import_videos,
        videos.import_sources,
        videos.import_tracks,
        videos.import_chapters,
        videos.import_comments,
        catalog.import_playlists,
    )
    if dry_run:
        try:
            with transaction.atomic():
                for step in steps:
                    step(ctx)
                    ctx.flush()
                raise _Rollback
        except _Rollback:
            pass
    else:
        for step in steps:
            # each step commits on its own; the sources one video at a time (a stored
            # copy and its encoding job go together: api.pipeline.services)
            if step is videos.import_sources:
                step(ctx)
            else:
                with transaction.atomic():
                    step(ctx)
                    ctx.flush()
    report.seconds = time.monotonic() - started
    return report
