"""Two reports of the same organ in consecutive years: cross-year checks and table changes.

X1 carry-over chain (上年结转 this year = 结转下年度 last year), X2 v2019 item counts
(上一年项目数量 + 本年增/减 = next year's 上一年项目数量), X3 v2021 documents in force
(现行有效 = last year's 现行有效 + 本年制发 − 本年废止). TEMPLATES.md §7.3 calls these soft: a
merger, a first report or a re-count breaks them, so a failure is a question, not a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from nlp.checks.identities import equation
from nlp.models import CheckResult, Report
from nlp.tables import template as tpl


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


@dataclass(frozen=True)
class _Identity:
    """One cross-year identity between a row of the earlier report and a row of the later one:
    the sum of `total` equals the sum of `parts`, each term a (report, column) with report
    "earlier" or "later". Checked ones become X-checks; all of them decide flattened cells."""

    check: str
    rule: str
    earlier_row: str
    later_row: str
    total: tuple[tuple[str, str], ...]
    parts: tuple[tuple[str, str], ...]
    describe: str
    checked: bool = True

    def key(self, term: tuple[str, str]) -> str:
        """The term's cell key among `_joined` cells (the earlier report's under 'prev.')."""
        side, column = term
        return f"prev.{self.earlier_row}.{column}" if side == "earlier" else f"{self.later_row}.{column}"

    def holds(self, before: dict, after: dict) -> bool:
        """Whether two row readings agree; a column not read says nothing."""
        rows = {"earlier": before, "later": after}
        try:
            total = sum(rows[side][column] for side, column in self.total)
            parts = sum(rows[side][column] for side, column in self.parts)
        except KeyError:
            return True
        return total == parts


def _identities(earlier: Report, later: Report) -> list[_Identity]:
    """X1 for every column; X2 (v2019 item counts) and X3 (v2021 documents in force) when both
    years use that template; and v2019 对外公开总数量 as a running total (last year's total +
    this year's newly published), used to decide flattened cells only."""
    found = [
        _Identity(
            f"X1.{col.key}",
            "X1",
            "t3.carried_forward",
            "t3.carried_over",
            (("later", col.key),),
            (("earlier", col.key),),
            f"「{col.label}」列：本年上年结转 与 上年结转下年度",
        )
        for col in tpl.T3_COLUMNS
    ]
    if earlier.meta.template == later.meta.template == "v2019":
        for block in tpl.T2_BLOCKS["v2019"]:
            if block.key not in ("art20_5", "art20_6", "art20_8"):
                continue
            for row in block.rows:
                base = f"t2.{block.key}.{row.key}"
                found.append(
                    _Identity(
                        f"X2.{block.key}.{row.key}",
                        "X2",
                        base,
                        base,
                        (("later", "prev_year_items"),),
                        (("earlier", "prev_year_items"), ("earlier", "yoy_change")),
                        f"{row.label}：本年上一年项目数量 与 上年的上一年项目数量+本年增/减",
                    )
                )
        for row in tpl.T2_BLOCKS["v2019"][0].rows:
            base = f"t2.art20_1.{row.key}"
            found.append(
                _Identity(
                    f"running_total.{row.key}",
                    "running_total",
                    base,
                    base,
                    (("later", "total_published"),),
                    (("earlier", "total_published"), ("later", "new_published")),
                    f"{row.label}：对外公开总数量 与 上年总数量+本年新公开",
                    checked=False,
                )
            )
    if earlier.meta.template == later.meta.template == "v2021":
        for row in tpl.T2_BLOCKS["v2021"][0].rows:
            base = f"t2.art20_1.{row.key}"
            found.append(
                _Identity(
                    f"X3.{row.key}",
                    "X3",
                    base,
                    base,
                    (("later", "in_force"), ("later", "repealed")),
                    (("earlier", "in_force"), ("later", "issued")),
                    f"{row.label}：现行有效+本年废止 与 上年现行有效+本年制发",
                )
            )
    return found


def resolve_across_years(earlier: Report, later: Report) -> tuple[Report, Report, list[str]]:
    """Decide flattened cells left ambiguous in one year with the other year's report: keep
    only the readings of each row that some reading of its linked row agrees with."""
    first, second = _row_options(earlier), _row_options(later)
    links = [i for i in _identities(earlier, later) if i.earlier_row in first and i.later_row in second]
    changed = True
    while changed:
        changed = False
        for link in links:
            a, b = link.earlier_row, link.later_row
            keep_a = [x for x in first[a] if any(link.holds(x, y) for y in second[b])]
            keep_b = [y for y in second[b] if any(link.holds(x, y) for x in first[a])]
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
    return [
        equation(
            identity.check,
            identity.rule,
            cells,
            [identity.key(t) for t in identity.total],
            [identity.key(t) for t in identity.parts],
            identity.describe,
        )
        for identity in _identities(earlier, later)
        if identity.checked
    ]


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
