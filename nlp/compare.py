"""Two reports of the same organ in consecutive years: cross-year checks and table changes.

X1 carry-over chain (上年结转 this year = 结转下年度 last year), X2 v2019 item counts
(上一年项目数量 + 本年增/减 = next year's 上一年项目数量), X3 v2021 documents in force
(现行有效 = last year's 现行有效 + 本年制发 − 本年废止). TEMPLATES.md §7.3 calls these soft: a
merger, a first report or a re-count breaks them, so a failure is a question, not a verdict.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from nlp import template as tpl
from nlp.checks import equation
from nlp.models import CheckResult, Report


class CellChange(BaseModel):
    key: str
    before: int | float
    after: int | float

    @property
    def delta(self) -> int | float:
        return self.after - self.before


class Comparison(BaseModel):
    earlier: str
    later: str
    years: tuple[int | None, int | None]
    same_organ: bool
    consecutive: bool
    checks: list[CheckResult]
    changes: list[CellChange]
    resolved: list[str] = []  # flattened cells decided by the other year's report


# Row options of one report: row key prefix → possible {column: value} readings.
_RowOptions = dict[str, list[dict[str, int | float]]]


def _row_options(report: Report) -> _RowOptions:
    """Every row's possible readings: its alternatives when ambiguous, else its one reading."""
    options: _RowOptions = {}
    for alternative in report.alternatives:
        row = alternative.keys[0].rsplit(".", 1)[0]
        cols = [k.rsplit(".", 1)[1] for k in alternative.keys]
        options[row] = [dict(zip(cols, values, strict=True)) for values in alternative.options]
    for key, cell in report.cells.items():
        row, col = key.rsplit(".", 1)
        if row in options or cell.value is None:
            continue
        options.setdefault(row, [{}])[0][col] = cell.value
    return options


def _links(earlier: Report, later: Report) -> list[tuple[str, str, Callable[[dict, dict], bool]]]:
    """Identities between a row of the earlier year and a row of the later year (X1–X3, and
    v2019 对外公开总数量, a running total: last year's total + this year's newly published)."""
    links: list[tuple[str, str, Callable[[dict, dict], bool]]] = []
    if earlier.meta.template == later.meta.template == "v2019":
        for block in ("art20_5", "art20_6", "art20_8"):
            for spec in tpl.T2_BLOCKS["v2019"]:
                if spec.key == block:
                    for row in spec.rows:
                        key = f"t2.{block}.{row.key}"
                        links.append(
                            (
                                key,
                                key,
                                lambda before, after: (
                                    before["prev_year_items"] + before["yoy_change"]
                                    == after["prev_year_items"]
                                ),
                            )
                        )
        for row in tpl.T2_BLOCKS["v2019"][0].rows:
            key = f"t2.art20_1.{row.key}"
            links.append(
                (
                    key,
                    key,
                    lambda before, after: (
                        before["total_published"] + after["new_published"] == after["total_published"]
                    ),
                )
            )
    if earlier.meta.template == later.meta.template == "v2021":
        for row in tpl.T2_BLOCKS["v2021"][0].rows:
            key = f"t2.art20_1.{row.key}"
            links.append(
                (
                    key,
                    key,
                    lambda before, after: (
                        before["in_force"] + after["issued"] - after["repealed"] == after["in_force"]
                    ),
                )
            )
    links.append(("t3.carried_forward", "t3.carried_over", lambda before, after: before == after))
    return links


def _holds(rule: Callable[[dict, dict], bool], before: dict, after: dict) -> bool:
    try:
        return bool(rule(before, after))
    except KeyError:
        return True  # a column not read: this link says nothing


def resolve_across_years(earlier: Report, later: Report) -> tuple[Report, Report, list[str]]:
    """Decide flattened cells left ambiguous in one year with the other year's report: keep
    only the readings of each row that some reading of its linked row agrees with."""
    first, second = _row_options(earlier), _row_options(later)
    links = [(a, b, rule) for a, b, rule in _links(earlier, later) if a in first and b in second]
    changed = True
    while changed:
        changed = False
        for a, b, rule in links:
            keep_a = [x for x in first[a] if any(_holds(rule, x, y) for y in second[b])]
            keep_b = [y for y in second[b] if any(_holds(rule, x, y) for x in first[a])]
            if keep_a and keep_b and (len(keep_a), len(keep_b)) != (len(first[a]), len(second[b])):
                first[a], second[b] = keep_a, keep_b
                changed = True
    resolved: list[str] = []
    out = []
    for report, options in ((earlier, first), (later, second)):
        cells = dict(report.cells)
        for key, cell in report.cells.items():
            row, col = key.rsplit(".", 1)
            if cell.status != "ambiguous" or row not in options:
                continue
            values = {o.get(col) for o in options[row]}
            if len(values) == 1 and None not in values:
                cells[key] = cell.model_copy(
                    update={"value": values.pop(), "status": "inferred", "confidence": 0.85}
                )
                resolved.append(f"{report.source.path}:{key}")
        out.append(report.model_copy(update={"cells": cells}))
    return out[0], out[1], resolved


def same_organ(a: str | None, b: str | None) -> bool:
    """'洪泽区人民政府' and '淮安市洪泽区人民政府' name the same body."""
    if not a or not b:
        return False
    return a == b or a.endswith(b) or b.endswith(a)


def _joined(earlier: Report, later: Report) -> dict:
    """The later report's cells plus the earlier's under a 'prev.' prefix, for `equation`."""
    cells = dict(later.cells)
    cells.update({f"prev.{k}": c for k, c in earlier.cells.items()})
    return cells


def cross_year_checks(earlier: Report, later: Report) -> list[CheckResult]:
    cells = _joined(earlier, later)
    results: list[CheckResult] = []
    for col in tpl.T3_COLUMNS:
        results.append(
            equation(
                f"X1.{col.key}",
                "X1",
                cells,
                [f"t3.carried_over.{col.key}"],
                [f"prev.t3.carried_forward.{col.key}"],
                f"「{col.label}」列：本年上年结转 与 上年结转下年度",
            )
        )
    if earlier.meta.template == later.meta.template == "v2019":
        for block in tpl.T2_BLOCKS["v2019"]:
            if block.key not in ("art20_5", "art20_6", "art20_8"):
                continue
            for row in block.rows:
                base = f"t2.{block.key}.{row.key}"
                results.append(
                    equation(
                        f"X2.{block.key}.{row.key}",
                        "X2",
                        cells,
                        [f"{base}.prev_year_items"],
                        [f"prev.{base}.prev_year_items", f"prev.{base}.yoy_change"],
                        f"{row.label}：本年上一年项目数量 与 上年的上一年项目数量+本年增/减",
                    )
                )
    if later.meta.template == "v2021" and earlier.meta.template == "v2021":
        for row in tpl.T2_BLOCKS["v2021"][0].rows:
            base = f"t2.art20_1.{row.key}"
            results.append(
                equation(
                    f"X3.{row.key}",
                    "X3",
                    cells,
                    [f"{base}.in_force", f"{base}.repealed"],
                    [f"prev.{base}.in_force", f"{base}.issued"],
                    f"{row.label}：现行有效+本年废止 与 上年现行有效+本年制发",
                )
            )
    return results


def table_changes(earlier: Report, later: Report) -> list[CellChange]:
    changes = []
    for key, cell in later.cells.items():
        before = earlier.cells.get(key)
        if before is None or before.value is None or cell.value is None:
            continue
        if before.value != cell.value:
            changes.append(CellChange(key=key, before=before.value, after=cell.value))
    return changes


def compare_reports(a: Report, b: Report) -> Comparison:
    earlier, later = (a, b) if (a.meta.year or 0) <= (b.meta.year or 0) else (b, a)
    earlier, later, resolved = resolve_across_years(earlier, later)
    years = (earlier.meta.year, later.meta.year)
    return Comparison(
        earlier=earlier.source.path,
        later=later.source.path,
        years=years,
        same_organ=same_organ(earlier.meta.organ, later.meta.organ),
        consecutive=None not in years and years[1] - years[0] == 1,  # type: ignore[operator]
        checks=cross_year_checks(earlier, later),
        changes=table_changes(earlier, later),
        resolved=resolved,
    )
