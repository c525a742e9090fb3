"""What the identities R1–R4 say of the values OCR read (docs/ocr.md).

A cell read from a scan is

- `confirmed` when an identity through it holds and no reading of it is needed to mend
  one that fails: a wrong digit breaks its row's R3 *and* its column's R1 or R2 (or its
  group's R4), so a cell whose column holds while its row fails is not the one misread;
- `unchecked` when no identity covers it (表二, or a row whose neighbours are missing); it
  is then only as good as the engine's confidence;
- `alternative_fits` when an identity through it fails and one other reading of it (the
  engine's runner-up digit, or a 6/8 twin) — and no reading of any other cell of those
  identities — makes all of its identities hold. The value stays as read; `suggested`
  names the reading that fits. Nothing is corrected silently.
- `questioned` when every identity through it fails and no reading decides (or it holds a
  text that is no number).

`certain` is true for confirmed cells, and for unchecked ones the engine read with
confidence ≥ `CERTAIN_CONFIDENCE` and no alternative.
"""

from __future__ import annotations

from nlp.checks.identities import component_value
from nlp.models import Cell, CheckResult
from nlp.tables.cells import parse_cell

IDENTITIES = frozenset({"R1", "R2", "R3", "R4"})
CERTAIN_CONFIDENCE = 0.99


def _holds(check: CheckResult, cells: dict[str, Cell], key: str, value: float | int) -> bool:
    """Whether the identity holds with `key` read as `value` (the other cells as they are)."""
    total = 0.0
    for i, k in enumerate(check.cells):
        v = value if k == key else component_value(cells.get(k))
        if v is None:
            return False
        total += v if i < (check.totals or 0) else -v
    return abs(total) < 1e-6


def _fitting(key: str, cells: dict[str, Cell], through: list[CheckResult]) -> list[str]:
    """The alternative readings of a cell that make every identity through it hold."""
    cell = cells[key]
    if cell.ocr is None:
        return []
    fits = []
    for alt in cell.ocr.alternatives:
        value = parse_cell(alt).value
        if value is not None and all(_holds(c, cells, key, value) for c in through):
            fits.append(alt)
    return fits


def judge_ocr_cells(cells: dict[str, Cell], checks: list[CheckResult]) -> list[str]:
    """Set each OCR cell's verdict from the identities; returns warnings for the report."""
    through: dict[str, list[CheckResult]] = {}
    for check in checks:
        if check.rule in IDENTITIES and check.status in ("pass", "fail"):
            for key in check.cells:
                through.setdefault(key, []).append(check)
    warnings: list[str] = []
    questioned = 0
    for key, cell in cells.items():
        ocr = cell.ocr
        if ocr is None:
            continue
        mine = through.get(key, [])
        if component_value(cell) is None or cell.status == "blank":
            # Text that is no number, or print the engine read as nothing: never counted on.
            ocr.verdict = "questioned" if cell.status in ("unparsable", "blank") else "unchecked"
            questioned += ocr.verdict == "questioned"
            continue
        failed = [c for c in mine if c.status == "fail"]
        if not mine:
            ocr.verdict = "unchecked"
            ocr.certain = ocr.confidence >= CERTAIN_CONFIDENCE and not ocr.alternatives
            continue
        if not failed:
            ocr.verdict = "confirmed"
            ocr.certain = True
            continue
        fits = _fitting(key, cells, mine)
        rivals = {
            other
            for check in failed
            for other in check.cells
            if other != key
            and cells.get(other) is not None
            and _fitting(other, cells, through.get(other, []))
        }
        if len(fits) != 1 or rivals:
            fits = []
        if fits:
            ocr.verdict = "alternative_fits"
            ocr.suggested = fits[0]
            warnings.append(
                f"ocr_alternative_fits: {key} read {cell.raw!s}; only the reading {fits[0]} makes "
                + ", ".join(c.id for c in mine)
                + " hold"
            )
        elif len(failed) < len(mine):
            ocr.verdict = "confirmed"
            ocr.certain = True
        else:
            ocr.verdict = "questioned"
            questioned += 1
    if questioned:
        warnings.append(
            f"ocr_questioned: {questioned} value(s) read by OCR sit only in identities that do not hold"
        )
    return warnings
