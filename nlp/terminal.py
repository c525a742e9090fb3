"""What a person sees in the terminal: batch progress and summary, one report's tables and checks."""

from __future__ import annotations

import re
import time
from pathlib import Path

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from nlp import template as tpl
from nlp.batch import BatchResult, FileResult
from nlp.compare import Comparison
from nlp.models import Cell, Report
from nlp.store import SearchHit

_STATUS_STYLE = {
    "fail": "bold red",
    "missing_total": "yellow",
    "not_assessable": "dim",
    "pass": "green",
}


# C0 and C1 control characters (escape sequences start with one: "\x1b]0;title\x07" retitles a
# terminal) and the bidirectional overrides that make text read other than it is stored.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str | None) -> str:
    """Text from a document or a file name with its control characters shown as \\xNN escapes,
    so that nothing in it reaches the terminal as a command."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def escaped(text: str | None) -> str:
    """`printable` text for use inside rich markup: "[/]" or "[link=…]" in it stay text."""
    return escape(printable(text))


def plain(text: str | None) -> Text:
    """A table cell of document text: never read as markup or emoji codes."""
    return Text(printable(text))


def display_path(path: str) -> str:
    """A path relative to the working folder when it is under it, else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


class BatchProgressBar:
    """The live line of `xxgk analyze`: files done of all, failures, rate and time left."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("[bold]xxgk analyze"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[problems]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self.task: TaskID | None = None
        self.analysed = self.failed = self.not_reports = 0
        self.started = time.monotonic()

    def __enter__(self) -> BatchProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.bar.stop()

    def start(self, total: int) -> None:
        self.started = time.monotonic()
        self.task = self.bar.add_task("analyse", total=total, problems="", rate="")

    def advance(self, result: FileResult) -> None:
        assert self.task is not None
        self.failed += result.status == "failed"
        self.not_reports += result.status == "not_a_report"
        if not result.resumed:
            self.analysed += 1
        rate = self.analysed / max(time.monotonic() - self.started, 1e-6)
        problems = f"[red]{self.failed} failed[/red]" if self.failed else "0 failed"
        if self.not_reports:
            problems += f", {self.not_reports} not reports"
        self.bar.update(self.task, advance=1, problems=problems, rate=f"{rate:.1f} files/s")


_REPORT_TABLE_LIMIT = 50
_PROBLEM_LIST_LIMIT = 30


def report_table(files: list[FileResult]) -> Table:
    """One line per file: what was found in it, or why there is no report."""
    table = Table(title="xxgk analyze", show_lines=False)
    for name in ("report", "organ", "year", "template", "sections", "cells", "checks failed"):
        table.add_column(name, overflow="fold")
    for f in files:
        if f.report is not None:
            r = f.report
            failed = str(r.checks_failed)
            row = [r.organ or "?", str(r.year or "?"), r.template, f"{r.sections_found}/6"]
            row += [f"{r.cells_found}/{r.cells_total}", failed]
            row[0] = plain(r.organ or "?")
            table.add_row(plain(display_path(f.source)), *row, style="red" if r.checks_failed else None)
        else:
            table.add_row(plain(display_path(f.source)), _problem(f), "", "", "", "", "")
    return table


def _problem(f: FileResult) -> str:
    if f.status == "pending":
        return "[yellow]not analysed (interrupted)[/yellow]"
    if f.status == "skipped":
        return f"[dim]skipped: {escaped(f.error)}[/dim]"
    if f.status == "not_a_report":
        return f"[yellow]not a report: {escaped(f.error)}[/yellow]"
    return f"[red]failed ({escaped(f.stage)}): {escaped(f.error)}[/red]"


def totals_table(result: BatchResult) -> Table:
    """Per file type: how many files, analysed now or unchanged, not reports, failed, skipped
    (found and left out, with the reason in the list above and in summary.json), pages."""
    table = Table(title="xxgk analyze — totals")
    for name in ("type", "files", "analysed", "unchanged", "not reports", "failed", "skipped", "pages"):
        table.add_column(name, justify="right")
    kinds = sorted({f.kind for f in result.files})
    for kind in [*kinds, None]:
        files = [f for f in result.files if kind is None or f.kind == kind]
        pages = sum(f.report.pages or 0 for f in files if f.report is not None)
        table.add_row(
            kind or "[bold]all[/bold]",
            str(len(files)),
            str(sum(1 for f in files if not f.resumed and f.status in ("ok", "not_a_report", "failed"))),
            str(sum(1 for f in files if f.resumed)),
            str(sum(1 for f in files if f.status == "not_a_report")),
            str(sum(1 for f in files if f.status == "failed")),
            str(sum(1 for f in files if f.status == "skipped")),
            str(pages or ""),
        )
    return table


def batch_summary(result: BatchResult, console: Console) -> None:
    """The per-file table for a small batch; totals and the problems for any batch."""
    if len(result.files) <= _REPORT_TABLE_LIMIT:
        console.print(report_table(result.files))
    else:
        problems = [f for f in result.files if f.status != "ok"]
        for f in problems[:_PROBLEM_LIST_LIMIT]:
            console.print(f"{escaped(display_path(f.source))}: {_problem(f)}")
        if len(problems) > _PROBLEM_LIST_LIMIT:
            console.print(f"… and {len(problems) - _PROBLEM_LIST_LIMIT} more (see summary.json)")
    console.print(totals_table(result))


def _fmt(cell: Cell | None) -> str:
    if cell is None or cell.status == "missing":
        return "[dim]—缺[/dim]"
    if cell.status == "ambiguous":
        return "[yellow]?[/yellow]" if cell.value is None else "[yellow]0?[/yellow]"
    if cell.value is None:
        return "[dim]·[/dim]" if cell.status == "blank" else escaped((cell.raw or "").strip())
    text = f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return text + escaped(cell.unit)


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
    from nlp.models import LOW_CONFIDENCE

    table = Table(title="段落分类")
    for name in ("#", "section", "label", "conf.", "text"):
        table.add_column(name, overflow="fold")
    for i, p in enumerate(report.paragraphs):
        low = p.confidence is not None and p.confidence < LOW_CONFIDENCE
        confidence = "" if p.confidence is None else f"{p.confidence:.2f}"
        table.add_row(
            str(i), p.section or "", p.label or "", confidence, plain(p.text[:40]), style="yellow" if low else None
        )
    return table


def search_table(query: str, hits: list[SearchHit]) -> Table:
    table = Table(title=f"xxgk search {escaped(query)}", show_lines=True)
    for name in ("report", "organ", "year", "section", "kind", "text"):
        table.add_column(name, overflow="fold")
    for hit in hits:
        table.add_row(
            plain(display_path(hit.path)),
            plain(hit.organ or "?"),
            str(hit.year or "?"),
            hit.section or "",
            hit.kind,
            plain(hit.text),
        )
    return table


def show_report(report: Report, console: Console) -> None:
    meta = report.meta
    region = " ".join(filter(None, [meta.region.province, *meta.region.places]))
    head = (
        f"[bold]{escaped(meta.title or report.source.path)}[/bold]\n"
        f"机关 {escaped(meta.organ or '?')}  层级 {meta.level}  地区 {escaped(region or '?')}  "
        f"年度 {meta.year or '?'}  模板 {meta.template}\n来源 {escaped(report.source.path)} ({report.source.format})"
    )
    console.print(Panel(head))
    sections = Table(title="章节", show_header=False)
    by_key = {s.key: s for s in report.sections}
    for spec in tpl.SECTIONS:
        s = by_key.get(spec.key)
        paragraphs = sum(1 for p in report.paragraphs if p.section == spec.key)
        sections.add_row(
            spec.key,
            plain(s.title) if s else "[red]未找到[/red]",
            f"{paragraphs} 段" if paragraphs else "",
        )
    console.print(sections)
    console.print(paragraph_table(report))
    if (
        meta.template == "pre2019"
    ):  # its 统计表 is none of the template's tables: nothing read, nothing checked
        console.print("[yellow]2019 年以前的年报格式：统计表未读取，不核对[/yellow]")
    else:
        _show_tables_and_checks(report, console)
    for w in report.warnings:
        console.print(f"[yellow]warning[/yellow] {escaped(w)}")
    if report.items:
        items = Table(title="问题与措施")
        items.add_column("段")
        items.add_column("类型")
        items.add_column("内容", overflow="fold")
        for item in report.items:
            items.add_row(str(item.paragraph), "问题" if item.kind == "problem" else "措施", plain(item.text))
        console.print(items)


def _show_tables_and_checks(report: Report, console: Console) -> None:
    meta = report.meta
    version: tpl.TemplateVersion = meta.template if meta.template in tpl.VERSIONS else "v2021"  # type: ignore[assignment]
    console.print(Group(t2_table(report, version), t3_table(report, version), t4_table(report)))
    checks = Table(title="核对结果（未通过与需关注）")
    for name in ("id", "status", "message"):
        checks.add_column(name, overflow="fold")
    shown = [c for c in report.checks if c.status != "pass"]
    for c in shown:
        checks.add_row(c.id, f"[{_STATUS_STYLE[c.status]}]{c.status}[/]", plain(c.message))
    passed = sum(1 for c in report.checks if c.status == "pass")
    console.print(checks if shown else "[green]全部核对通过[/green]")
    console.print(f"通过 {passed} 项，未通过 {len(report.failed_checks())} 项，共 {len(report.checks)} 项")


def show_comparison(comparison: Comparison, console: Console) -> None:
    earlier, later = comparison.years
    console.print(
        Panel(
            f"[bold]{escaped(comparison.earlier)}[/bold] ({earlier}) → [bold]{escaped(comparison.later)}[/bold] ({later})"
        )
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
        checks.add_row(c.id, f"[{_STATUS_STYLE[c.status]}]{c.status}[/]", plain(c.message))
    console.print(checks)
    if comparison.resolved:
        console.print(
            f"[green]{len(comparison.resolved)} 个拼接单元格由另一年度报告确定[/green]: "
            + ", ".join(comparison.resolved[:8])
            + (" …" if len(comparison.resolved) > 8 else "")
        )
    changes = Table(title=f"表格变化（{len(comparison.changes)} 个单元格）")
    for name in ("cell", str(earlier), str(later), "变化"):
        changes.add_column(name, justify="right" if name != "cell" else "left")
    for change in comparison.changes:
        delta = change.delta
        changes.add_row(change.key, f"{change.before:g}", f"{change.after:g}", f"{delta:+g}")
    console.print(changes)
