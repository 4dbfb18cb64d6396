"""``manage.py import_esup_v4 --source postgres://... [--media-root DIR] [--report FILE]
[--dry-run]``: import an Esup-Pod V4 database (``api.migration_v4.services``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.migration_v4.reader import SourceError, V4Source
from api.migration_v4.services import import_run


class Command(BaseCommand):
    help = (
        "Import users, groups, channels, themes, vocabularies, videos (their source files "
        "sent to the encoding), captions, chapters, comments, playlists and favorites from "
        "an Esup-Pod V4 database. Idempotent: a second run updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            required=True,
            help="the V4 database: postgres://user:password@host:port/database",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            help="V4's MEDIA_ROOT, where its video sources and caption files are read",
        )
        parser.add_argument("--report", type=Path, help="also write the report as JSON here")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="do everything in a transaction rolled back at the end: nothing is kept, "
            "no file is copied, no encoding starts",
        )

    def handle(self, *args, **options):
        media_root = options["media_root"]
        if media_root is not None and not media_root.is_dir():
            raise CommandError(f"--media-root {media_root} is not a folder")
        report_path = options["report"]
        if report_path is not None and not report_path.parent.is_dir():
            raise CommandError(f"--report: no folder {report_path.parent}")
        try:
            with V4Source(options["source"]) as source:
                report = import_run(
                    source=source, media_root=media_root, dry_run=options["dry_run"]
                )
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.as_text())
        if report_path is not None:
            report_path.write_text(report.as_json() + "\n", encoding="utf-8")
            self.stdout.write(f"report written to {report_path}")
