"""The import's report: per kind, how many objects were imported (created), updated,
skipped (already there, nothing to do), refused (with the reason for each) and notes
(imported, but something could not be kept as it was, e.g. a visibility narrowed)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

#: refusals and notes printed per kind in the text report (the JSON report has them all)
SHOWN = 10


@dataclass
class KindReport:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    refused: int = 0
    refusals: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


@dataclass
class Report:
    dry_run: bool = False
    seconds: float = 0.0
    kinds: dict[str, KindReport] = field(default_factory=dict)

    def _kind(self, kind: str) -> KindReport:
        return self.kinds.setdefault(kind, KindReport())

    def imported(self, kind: str) -> None:
        self._kind(kind).imported += 1

    def updated(self, kind: str) -> None:
        self._kind(kind).updated += 1

    def done(self, kind: str, created: bool) -> None:
        """Count one object of ``kind``: imported when ``created``, else updated."""
        if created:
            self.imported(kind)
        else:
            self.updated(kind)

    def skipped(self, kind: str) -> None:
        self._kind(kind).skipped += 1

    def refuse(self, kind: str, v4_id, reason: str) -> None:
        entry = self._kind(kind)
        entry.refused += 1
        entry.refusals.append({"v4_id": v4_id, "reason": reason})

    def note(self, kind: str, v4_id, text: str) -> None:
        self._kind(kind).notes.append({"v4_id": v4_id, "note": text})

    def as_dict(self) -> dict:
        """``{"dry_run", "seconds", "kinds": {kind: {imported, updated, skipped, refused,
        refusals: [{v4_id, reason}], notes: [{v4_id, note}]}}}``."""
        return asdict(self)

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str)

    def as_text(self) -> str:
        lines = [
            f"{'kind':<14}{'imported':>9}{'updated':>9}{'skipped':>9}{'refused':>9}",
        ]
        for kind, k in self.kinds.items():
            lines.append(f"{kind:<14}{k.imported:>9}{k.updated:>9}{k.skipped:>9}{k.refused:>9}")
        for kind, k in self.kinds.items():
            for title, items, key in (
                ("refused", k.refusals, "reason"),
                ("notes", k.notes, "note"),
            ):
                if not items:
                    continue
                lines.append(f"{kind} {title}:")
                lines += [f"  V4 id {i['v4_id']}: {i[key]}" for i in items[:SHOWN]]
                if len(items) > SHOWN:
                    lines.append(f"  ... and {len(items) - SHOWN} more (--report file.json)")
        prefix = "DRY RUN (nothing kept): " if self.dry_run else ""
        lines.append(f"{prefix}done in {self.seconds:.1f} s")
        return "\n".join(lines)
