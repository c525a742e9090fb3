"""The results of `xxgk analyze` read back from an output folder, for the views built on them.

The database keeps every report's JSON document; the review pages, the corpus analytics and the
notebook all start from these documents, so they see exactly what `xxgk parse` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.models import Report
from nlp.store import DB_NAME, ResultStore, StoreError


class ResultsError(Exception):
    """The folder holds no results of `xxgk analyze`."""


@dataclass(frozen=True)
class StoredReport:
    """A report as stored: its database id (stable within one output folder) and JSON file name."""

    id: int
    json_name: str | None
    report: Report

    @property
    def organ(self) -> str | None:
        return self.report.meta.organ

    @property
    def year(self) -> int | None:
        return self.report.meta.year

    @property
    def name(self) -> str:
        """What a reader calls the report: organ and year, else its file name."""
        meta = self.report.meta
        if meta.organ:
            return f"{meta.organ} {meta.year or '年度未知'}"
        return Path(self.report.source.path).name


def load_results(output: Path) -> list[StoredReport]:
    """Every report stored in OUTPUT/xxgk.sqlite, ordered by organ, year and id."""
    database = output / DB_NAME
    if not database.is_file():
        raise ResultsError(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    try:
        store = ResultStore(database)
    except StoreError as exc:
        raise ResultsError(str(exc)) from None
    try:
        stored = [
            StoredReport(report_id, output_name, Report.model_validate_json(document))
            for report_id, output_name, document in store.documents()
        ]
    finally:
        store.close()
    return sorted(stored, key=lambda s: (s.organ or "\uffff", s.year or 0, s.id))
