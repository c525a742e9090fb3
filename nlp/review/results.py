"""The results of `xxgk analyze` read back from an output folder, for the views built on them.

The database keeps every report's JSON document; the review pages, the corpus analytics and the
notebook all start from these documents, so they see exactly what `xxgk parse` prints.

Corpus views hold every report at once, so each is held as its *corpus summary*: metadata,
items, failed checks, the paragraphs of section 五, the cells that cross-year checks and
changes use (one shared object per distinct cell), and the flattened rows still open — a few
kilobytes a report; a page about one report reads that report whole (`full_report`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlp.batch.store import DB_NAME, ResultStore, StoreError
from nlp.models import Cell, Report


class ResultsError(Exception):
    """The folder holds no results of `xxgk analyze`."""


@dataclass(frozen=True)
class StoredReport:
    """A report as stored: its database id (stable within one output folder) and JSON file name."""

    id: int
    json_name: str | None
    report: Report  # the corpus summary: it holds only some sections' paragraphs and cells
    sections_found: int = 0  # counted on the whole report
    cells_found: int = 0
    cells_total: int = 0

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


# Cells a corpus view uses: 表二 and 表四 whole, 表三's totals and its carried-over rows (X1).
def _kept_cell(key: str) -> bool:
    return key.startswith(("t2.", "t4.", "t3.carried_over.", "t3.carried_forward.")) or key.endswith(".total")


class _SharedCells:
    """One Cell object (and one key string) per distinct cell across the corpus: most cells of most
    reports are the same few values (0, blank, "—"), so a corpus summary holds references, not
    copies. Corpus views only read cells."""

    def __init__(self) -> None:
        self._cells: dict[tuple, Cell] = {}

    def __call__(self, cells: dict[str, Cell]) -> dict[str, Cell]:
        shared = {}
        for key, cell in cells.items():
            identity = (cell.value, cell.raw, cell.status, cell.unit, cell.confidence)
            shared[sys.intern(key)] = self._cells.setdefault(identity, cell)
        return shared


def corpus_summary(
    report: Report, share: Callable[[dict[str, Cell]], dict[str, Cell]] | None = None
) -> Report:
    """The parts of a report that views across the corpus use (see the module docstring)."""
    cells = {k: c for k, c in report.cells.items() if _kept_cell(k)}
    return report.model_copy(
        update={
            "sections": [],
            "paragraphs": [p for p in report.paragraphs if p.section == "s5_problems"],
            "cells": share(cells) if share else cells,
            "checks": report.failed_checks(),
        }
    )


def _stored(report_id: int, json_name: str | None, report: Report, share: _SharedCells) -> StoredReport:
    """A report's corpus summary, with what the overview counts of the whole report."""
    return StoredReport(
        report_id,
        json_name,
        corpus_summary(report, share),
        sections_found=len(report.sections),
        cells_found=sum(1 for c in report.cells.values() if c.status != "missing"),
        cells_total=len(report.cells),
    )


def full_report(store: ResultStore, stored: StoredReport) -> Report:
    """The whole stored report, for a page about it alone."""
    return Report.model_validate_json(store.document(stored.report.source.sha256))


def open_results(output: Path) -> ResultStore:
    """The results database of an output folder, or ResultsError saying there is none."""
    database = output / DB_NAME
    if not database.is_file():
        raise ResultsError(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    try:
        return ResultStore(database, readonly=True)
    except StoreError as exc:
        raise ResultsError(str(exc)) from None


def load_results(output: Path) -> list[StoredReport]:
    """Every report stored in OUTPUT/xxgk.sqlite as its corpus summary, ordered by organ, year
    and id."""
    store = open_results(output)
    share = _SharedCells()
    try:
        stored = [
            _stored(report_id, output_name, Report.model_validate_json(document), share)
            for report_id, output_name, document in store.documents()
        ]
    finally:
        store.close()
    return sorted(stored, key=lambda s: (s.organ or "\uffff", s.year or 0, s.id))
