"""What a person sees in the terminal: the batch summary and one report's tables and checks."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from nlp import template as tpl
from nlp.classify import LOW_CONFIDENCE
from nlp.compare import Comparison
from nlp.models import Cell, Report

_STATUS_STYLE = {
    "fail": "bold red",
    "missing_total": "yellow",
    "not_assessable": "dim",
    "pass": "green",
}


def cells_found(report: Report) -> tuple[int, int]:
    """(cells with a value or an explicit blank, all template cells)."""
    total = len(report.cells)
    found = sum(1 for c in report.cells.values() if c.status != "missing")
    return found, total


def display_path(path: str) -> str:
    """A path relative to the working folder when it is under it, else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def summary_row(report: Report) -> list[str]:
    found, total = cells_found(report)
    failed = report.failed_checks()
    return [
        display_path(report.source.path),
        report.meta.organ or "?",
        str(report.meta.year or "?"),
        report.meta.template,
        f"{len(report.sections)}/6",
        f"{found}/{total}",
        str(len(failed)) if failed else "0",
    ]


def summary_table(reports: list[Report], failures: list[tuple[str, str]]) -> Table:
    table = Table(title="xxgk analyze", show_lines=False)
    for name in ("report", "organ", "year", "template", "sections", "cells", "checks failed"):
        table.add_column(name, overflow="fold")
    for report in reports:
        row = summary_row(report)
        style = "red" if row[-1] != "0" else None
        table.add_row(*row, style=style)
    for path, problem in failures:
        table.add_row(display_path(path), f"[red]failed: {problem}[/red]", "", "", "", "", "")
    return table


def _fmt(cell: Cell | None) -> str:
    if cell is None or cell.status == "missing":
        return "[dim]—缺[/dim]"
    if cell.status == "ambiguous":
        return "[yellow]?[/yellow]" if cell.value is None else "[yellow]0?[/yellow]"
    if cell.value is None:
        return "[dim]·[/dim]" if cell.status == "blank" else (cell.raw or "").strip()
    text = f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return text + (cell.unit or "")


def _failed_cells(report: Report) -> set[str]:
    return {k for c in report.checks if c.status == "fail" and c.rule.startswith("R") for k in c.cells}


def _mark(key: str, text: str, bad: set[str]) -> str:
    return f"[bold red]{text}[/bold red]" if key in bad else text


def t2_table(report: Report, version: tpl.TemplateVersion) -> Table:
    bad = _failed_cells(report)
    table = Table(title="表二 主动公开政府信息情况", show_lines=True)
    table.add_column("信息内容")
    table.add_column("数值")
    for block in tpl.T2_BLOCKS[version]:
        for row in block.rows:
            parts = []
            for col in block.columns:
                key = f"t2.{block.key}.{row.key}.{col.key}"
                parts.append(f"{col.label}: {_mark(key, _fmt(report.cells.get(key)), bad)}")
            table.add_row(f"（{block.item}）{row.label}", "   ".join(parts))
    return table


def t3_table(report: Report, version: tpl.TemplateVersion) -> Table:
    bad = _failed_cells(report)
    table = Table(title="表三 收到和处理政府信息公开申请情况", show_lines=False)
    table.add_column("")
    for col in tpl.T3_COLUMNS:
        table.add_column(col.label, justify="right")
    rows = list(tpl.T3_ROWS[version])
    if version == "v2021" and any(k.startswith("t3.other.") for k in report.cells):
        rows.insert(-2, tpl.T3_OTHER_SINGLE)
    for row in rows:
        keys = [f"t3.{row.key}.{c.key}" for c in tpl.T3_COLUMNS]
        table.add_row(row.label[:22], *(_mark(k, _fmt(report.cells.get(k)), bad) for k in keys))
    return table


def t4_table(report: Report) -> Table:
    bad = _failed_cells(report)
    table = Table(title="表四 行政复议、行政诉讼情况")
    table.add_column("")
    for col in tpl.T4_COLUMNS:
        table.add_column(col.label, justify="right")
    for group, label in tpl.T4_GROUPS:
        keys = [f"t4.{group}.{c.key}" for c in tpl.T4_COLUMNS]
        table.add_row(label, *(_mark(k, _fmt(report.cells.get(k)), bad) for k in keys))
    return table


def paragraph_table(report: Report) -> Table:
    """Each paragraph's label and confidence; uncertain labels (< LOW_CONFIDENCE) in yellow."""
    table = Table(title="段落分类")
    for name in ("#", "section", "label", "conf.", "text"):
        table.add_column(name, overflow="fold")
    for i, p in enumerate(report.paragraphs):
        low = p.confidence is not None and p.confidence < LOW_CONFIDENCE
        confidence = "" if p.confidence is None else f"{p.confidence:.2f}"
        table.add_row(
            str(i), p.section or "", p.label or "", confidence, p.text[:40], style="yellow" if low else None
        )
    return table


def show_report(report: Report, console: Console) -> None:
    meta = report.meta
    region = " ".join(filter(None, [meta.region.province, *meta.region.places]))
    head = (
        f"[bold]{meta.title or report.source.path}[/bold]\n"
        f"机关 {meta.organ or '?'}  层级 {meta.level}  地区 {region or '?'}  年度 {meta.year or '?'}  "
        f"模板 {meta.template}\n来源 {report.source.path} ({report.source.format})"
    )
    console.print(Panel(head))
    sections = Table(title="章节", show_header=False)
    by_key = {s.key: s for s in report.sections}
    for spec in tpl.SECTIONS:
        s = by_key.get(spec.key)
        paragraphs = sum(1 for p in report.paragraphs if p.section == spec.key)
        sections.add_row(
            spec.key,
            s.title if s else "[red]未找到[/red]",
            f"{paragraphs} 段" if paragraphs else "",
        )
    console.print(sections)
    console.print(paragraph_table(report))
    version: tpl.TemplateVersion = meta.template if meta.template in tpl.VERSIONS else "v2021"  # type: ignore[assignment]
    console.print(Group(t2_table(report, version), t3_table(report, version), t4_table(report)))
    checks = Table(title="核对结果（未通过与需关注）")
    for name in ("id", "status", "message"):
        checks.add_column(name, overflow="fold")
    shown = [c for c in report.checks if c.status != "pass"]
    for c in shown:
        checks.add_row(c.id, f"[{_STATUS_STYLE[c.status]}]{c.status}[/]", c.message)
    passed = sum(1 for c in report.checks if c.status == "pass")
    console.print(checks if shown else "[green]全部核对通过[/green]")
    console.print(f"通过 {passed} 项，未通过 {len(report.failed_checks())} 项，共 {len(report.checks)} 项")
    for w in report.warnings:
        console.print(f"[yellow]warning[/yellow] {w}")
    if report.items:
        items = Table(title="问题与措施")
        items.add_column("段")
        items.add_column("类型")
        items.add_column("内容", overflow="fold")
        for item in report.items:
            items.add_row(str(item.paragraph), "问题" if item.kind == "problem" else "措施", item.text)
        console.print(items)


def show_comparison(comparison: Comparison, console: Console) -> None:
    earlier, later = comparison.years
    console.print(
        Panel(f"[bold]{comparison.earlier}[/bold] ({earlier}) → [bold]{comparison.later}[/bold] ({later})")
    )
    if not comparison.same_organ:
        console.print(
            "[yellow]warning[/yellow] the two reports name different organs; cross-year checks may not apply"
        )
    if not comparison.consecutive:
        console.print(
            "[yellow]warning[/yellow] the years are not consecutive; the carry-over chain need not hold"
        )
    checks = Table(title="跨年度核对 (X1 结转衔接, X2 项目数量, X3 现行有效件数)")
    for name in ("id", "status", "message"):
        checks.add_column(name, overflow="fold")
    for c in comparison.checks:
        checks.add_row(c.id, f"[{_STATUS_STYLE[c.status]}]{c.status}[/]", c.message)
    console.print(checks)
    changes = Table(title=f"表格变化（{len(comparison.changes)} 个单元格）")
    for name in ("cell", str(earlier), str(later), "变化"):
        changes.add_column(name, justify="right" if name != "cell" else "left")
    for change in comparison.changes:
        delta = change.delta
        changes.add_row(change.key, f"{change.before:g}", f"{change.after:g}", f"{delta:+g}")
    console.print(changes)
