"""Checks stage: the 勾稽关系 R1–R5 (TEMPLATES.md §7.1–7.2) under the blank/missing policy of §7.6.

Every result names its rule, the cells on each side, both sums and one of pass / fail /
missing_total / not_assessable. Narrative and plausibility checks live in `nlp.checks.claims`.
"""

from __future__ import annotations

from collections.abc import Iterable

from nlp.models import Cell, CheckResult, CheckStatus, TableStatus
from nlp.tables import template as tpl

# Statuses that count as 0 in a component cell (§7.6.2); `ambiguous` counts only when its
# value is 0 whichever way the row is aligned.
_ZERO_LIKE = {"blank", "dash_or_slash", "text_none"}
_VALUE = {"explicit_number", "explicit_zero", "inferred"}

_COL_LABEL = {c.key: c.label for c in tpl.T3_COLUMNS}
_T4_COL_LABEL = {c.key: c.label for c in tpl.T4_COLUMNS}
_T4_GROUP_LABEL = dict(tpl.T4_GROUPS)


def _row_label(key: str) -> str:
    for rows in tpl.T3_ROWS.values():
        for row in rows:
            if row.key == key:
                return row.label
    return key


def component_value(cell: Cell | None) -> float | int | None:
    """A component's value for arithmetic, or None when it cannot be known."""
    if cell is None or cell.status in ("missing", "unparsable"):
        return None
    if cell.status in _VALUE or (cell.status == "ambiguous" and cell.value is not None):
        return cell.value
    if cell.status in _ZERO_LIKE:
        return 0
    return None


def number_text(v: float | int | None) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def equation(
    check_id: str,
    rule: str,
    cells: dict[str, Cell],
    total_keys: list[str],
    part_keys: list[str],
    describe: str,
) -> CheckResult:
    """Check sum(total_keys) == sum(part_keys); total_keys are the 'total' side (lhs)."""
    keys = total_keys + part_keys
    totals = [component_value(cells.get(k)) for k in total_keys]
    parts = [component_value(cells.get(k)) for k in part_keys]
    lhs = None if None in totals else sum(totals)  # type: ignore[arg-type]
    rhs = None if None in parts else sum(parts)  # type: ignore[arg-type]

    def result(status: CheckStatus, message: str, left=lhs, right=rhs) -> CheckResult:
        return CheckResult(
            id=check_id,
            rule=rule,
            cells=keys,
            totals=len(total_keys),
            lhs=left,
            rhs=right,
            status=status,
            message=f"{describe}：{message}",
        )

    missing = [k for k in keys if component_value(cells.get(k)) is None]
    if missing:
        reasons = sorted({cells[k].status if k in cells else "missing" for k in missing})
        return result("not_assessable", f"无法核对（{len(missing)} 个单元格为 {'/'.join(reasons)}）")
    if lhs and all(cells[k].status in _ZERO_LIKE for k in part_keys):
        return result("not_assessable", f"合计 {number_text(lhs)}，分项全部空白（未填写）", right=None)
    blank_total = any(cells[k].status in _ZERO_LIKE for k in total_keys)
    if blank_total and rhs and abs((lhs or 0) - rhs) > 1e-6:
        return result("missing_total", f"合计栏空白，分项之和为 {number_text(rhs)}", left=None)
    ok = abs((lhs or 0) - (rhs or 0)) < 1e-6
    return result("pass" if ok else "fail", f"{number_text(lhs)} {'=' if ok else '≠'} {number_text(rhs)}")


def outcome_rows(cells: dict[str, Cell]) -> list[str]:
    """Outcome row keys of this report: v2019 `other`, or the three v2021 sub-rows."""
    split = [r.key for r in tpl.T3_OTHER_SPLIT]

    def present(row: str) -> bool:
        return any(
            f"t3.{row}.{c}" in cells and cells[f"t3.{row}.{c}"].status != "missing" for c in _COL_LABEL
        )

    if any(present(r) for r in split):
        return [*tpl.T3_OUTCOME_COMMON, *split]
    if present("other") or f"t3.{split[0]}.total" not in cells:
        return [*tpl.T3_OUTCOME_COMMON, "other"]
    return [*tpl.T3_OUTCOME_COMMON, *split]


def check_r1(cells: dict[str, Cell]) -> Iterable[CheckResult]:
    for col in _COL_LABEL:
        yield equation(
            f"R1.{col}",
            "R1",
            cells,
            [f"t3.result_total.{col}", f"t3.carried_forward.{col}"],
            [f"t3.new_received.{col}", f"t3.carried_over.{col}"],
            f"表三「{_COL_LABEL[col]}」列：办理结果总计+结转下年度 与 本年新收+上年结转",
        )


def check_r2(cells: dict[str, Cell]) -> Iterable[CheckResult]:
    rows = outcome_rows(cells)
    for col in _COL_LABEL:
        yield equation(
            f"R2.{col}",
            "R2",
            cells,
            [f"t3.result_total.{col}"],
            [f"t3.{r}.{col}" for r in rows],
            f"表三「{_COL_LABEL[col]}」列：（七）总计 与 各办理结果之和",
        )


def check_r3(cells: dict[str, Cell]) -> Iterable[CheckResult]:
    rows = [*tpl.T3_INTAKE_ROWS, *outcome_rows(cells), *tpl.T3_CLOSING_ROWS]
    for row in rows:
        yield equation(
            f"R3.{row}",
            "R3",
            cells,
            [f"t3.{row}.total"],
            [f"t3.{row}.{c}" for c in tpl.T3_APPLICANT_COLUMNS],
            f"表三「{_row_label(row)}」行：总计 与 各类申请人之和",
        )


def check_r4(cells: dict[str, Cell]) -> Iterable[CheckResult]:
    for group, label in tpl.T4_GROUPS:
        yield equation(
            f"R4.{group}",
            "R4",
            cells,
            [f"t4.{group}.total"],
            [f"t4.{group}.{c}" for c in ("upheld", "corrected", "other", "pending")],
            f"表四「{label}」：总计 与 维持+纠正+其他+尚未审结",
        )


def check_r5(cells: dict[str, Cell]) -> Iterable[CheckResult]:
    """Domains: counts are integers ≥ 0; yoy_change may be negative; amounts are decimals ≥ 0."""
    for key, cell in cells.items():
        if cell.value is None:
            continue
        signed = key.endswith(".yoy_change")
        decimal = key.endswith((".fee_amount_wan", ".procurement_amount"))
        bad = None
        if not decimal and not float(cell.value).is_integer():
            bad = "应为整数"
        elif not signed and cell.value < 0:
            bad = "不应为负数"
        if bad:
            yield CheckResult(
                id=f"R5.{key}",
                rule="R5",
                cells=[key],
                lhs=cell.value,
                rhs=None,
                status="fail",
                message=f"{key} = {number_text(cell.value)}：{bad}",
            )


def table_checks(cells: dict[str, Cell], tables: dict[str, TableStatus]) -> list[CheckResult]:
    """R1–R5 for one report's cells. A table left unfilled is not assessed (§7.6.4): its
    blanks are not zeros."""
    results: list[CheckResult] = []
    for check, table in ((check_r1, "t3"), (check_r2, "t3"), (check_r3, "t3"), (check_r4, "t4")):
        for result in check(cells):
            if tables.get(table) != "filled":
                name = {"t3": "表三", "t4": "表四"}[table]
                state = "未填写" if tables.get(table) == "not_filled" else "未找到"
                result = result.model_copy(
                    update={
                        "status": "not_assessable",
                        "message": f"{result.message.split('：')[0]}：{name}{state}",
                    }
                )
            results.append(result)
    results.extend(check_r5(cells))
    return results
