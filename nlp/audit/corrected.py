"""A report as a reviewer corrected it: the printed cells stay as read, the reviewer's values are
laid beside them, and every check that uses a corrected cell is computed again on them, so the
pages and letters show each such check both ways (as printed, as corrected).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.audit.decisions import Correction
from nlp.checks.identities import check_r5, component_value, equation, number_text
from nlp.models import Cell, CheckResult, Report

CORRECTED_RAW = "审核更正"  # the raw text of a corrected cell (the printed one keeps its own)


@dataclass(frozen=True)
class CheckPair:
    """One check on the printed cells and on the corrected ones."""

    printed: CheckResult
    corrected: CheckResult


def corrected_cells(report: Report, corrections: Iterable[Correction], prefix: str = "") -> dict[str, Cell]:
    """The report's cells (keys under `prefix`) with the reviewer's values in place of the
    printed ones; a copy: the report is unchanged."""
    cells = {f"{prefix}{k}": c for k, c in report.cells.items()}
    for correction in corrections:
        if correction.active and correction.value is not None:
            cells[f"{prefix}{correction.cell}"] = Cell(
                value=correction.value, raw=CORRECTED_RAW, status="explicit_number"
            )
    return cells


def recheck(check: CheckResult, cells: dict[str, Cell]) -> CheckResult | None:
    """The check computed again on other cell values; None for a check that is not a sum of
    cells (plausibility)."""
    if check.totals is not None:
        describe = check.message.rsplit("：", 1)[0]
        totals = check.cells[: check.totals]
        return equation(check.id, check.rule, cells, totals, check.cells[check.totals :], describe)
    if check.rule == "R5":
        found = list(check_r5({k: cells[k] for k in check.cells if k in cells}))
        if found:
            return found[0]
        return check.model_copy(update={"status": "pass", "lhs": cells[check.cells[0]].value})
    if check.rule.startswith("N") and check.rhs is not None:
        values = [component_value(cells.get(k)) for k in check.cells]
        if None in values:
            table = None
        elif check.rule == "N2":  # the larger of 总计 and the applicants' sum
            table = max(values[0], sum(values[1:]), 0)  # type: ignore[arg-type, type-var]
        else:
            table = sum(values)  # type: ignore[arg-type]
        status = "not_assessable" if table is None else "pass" if table == check.rhs else "fail"
        sign = {"pass": "=", "fail": "≠"}.get(status, "≟")
        quote = check.message[check.message.find("：「") :] if "：「" in check.message else ""
        message = f"表格 {number_text(table)} {sign} 正文 {number_text(check.rhs)}{quote}"
        return check.model_copy(update={"lhs": table, "status": status, "message": message})
    return None


def rechecked(
    report: Report,
    corrections: Sequence[Correction],
    earlier: Report | None = None,
    earlier_corrections: Sequence[Correction] = (),
    cross_year: Sequence[CheckResult] = (),
) -> list[CheckPair]:
    """Every check of the report (and the cross-year checks against `earlier`) that uses a
    corrected cell, printed and corrected."""
    cells = corrected_cells(report, corrections)
    touched = {c.cell for c in corrections if c.active}
    if earlier is not None:
        cells.update(corrected_cells(earlier, earlier_corrections, "prev."))
        touched |= {f"prev.{c.cell}" for c in earlier_corrections if c.active}
    pairs = []
    for check in [*report.checks, *cross_year]:
        if touched.isdisjoint(check.cells):
            continue
        again = recheck(check, cells)
        if again is not None:
            pairs.append(CheckPair(check, again))
    return pairs
