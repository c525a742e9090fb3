"""What a person sees in the terminal: batch progress and summary, one report's tables and checks."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

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

from nlp.models import Cell, Report
from nlp.review.display import (
    ITEM_KIND_NAMES,
    LABEL_NAMES,
    LEVEL_NAMES,
    RULE_TITLES,
    SECTION_NAMES,
    SHORT_LABEL_NAMES,
    STATUS_NAMES,
    TEMPLATE_NAMES,
    cell_title,
    warning_text,
)
from nlp.tables import template as tpl

if TYPE_CHECKING:
    from nlp.batch.runner import BatchResult, FileResult
    from nlp.batch.store import SearchHit
    from nlp.checks.compare import Comparison
    from nlp.classify.evaluate import Evaluation, Result

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
            TextColumn("{task.fields[note]}"),
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
        # The workers load the model and the dictionaries before the first file is done (a few s).
        self.task = self.bar.add_task(
            "analyse",
            total=total,
            problems="",
            rate="",
            note="[dim]starting the workers (model, dictionaries) …[/dim]",
        )

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
        self.bar.update(self.task, advance=1, problems=problems, rate=f"{rate:.1f} files/s", note="")


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


# ---------------------------------------------------------------- output that fits where it goes

# Below this many columns the wide tables (表三's eight columns) are printed as a list.
_WIDE = 110


def emit(console: Console, *renderables: object) -> None:
    """Print tables and lines: as rich renders them on a terminal; as plain lines when the output is
    piped or redirected (a table's rows tab-separated, no colour, nothing cut to the width)."""
    if console.is_terminal:
        console.print(*renderables)
        return
    for item in renderables:
        if isinstance(item, Table):
            _print_plain_table(console, item)
        elif isinstance(item, Group):
            emit(console, *item.renderables)
        elif isinstance(item, Panel):
            emit(console, item.renderable)
        else:
            text = item if isinstance(item, Text) else Text.from_markup(str(item))
            _write(console, text.plain)


def _write(console: Console, line: str) -> None:
    """A line as it is: rich would expand its tabs and fold it to the console's width."""
    console.file.write(line + "\n")


def _plain_cell(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return Text.from_markup(str(cell)).plain if cell is not None else ""


def _print_plain_table(console: Console, table: Table) -> None:
    if table.title:
        _write(console, f"# {_plain_cell(table.title)}")
    if table.show_header:
        _write(console, "\t".join(_plain_cell(c.header) for c in table.columns))
    columns = [list(c.cells) for c in table.columns]
    for row in zip(*columns, strict=True):
        _write(console, "\t".join(_plain_cell(c).replace("\n", " ") for c in row))


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


def t3_table(report: Report, version: tpl.TemplateVersion, width: int = _WIDE) -> Table:
    """表三 as the form lays it out; on a narrow screen one row a line, its columns named."""
    bad = _failed_cells(report)
    table = Table(title="表三 收到和处理政府信息公开申请情况", show_lines=False)
    rows = list(tpl.T3_ROWS[version])
    if version == "v2021" and any(k.startswith("t3.other.") for k in report.cells):
        rows.insert(-2, tpl.T3_OTHER_SINGLE)
    if width < _WIDE:
        table.add_column("行", overflow="fold")
        table.add_column(" · ".join(c.label for c in tpl.T3_COLUMNS), overflow="fold")
        for row in rows:
            keys = [f"t3.{row.key}.{c.key}" for c in tpl.T3_COLUMNS]
            table.add_row(row.label, " · ".join(_mark(k, _fmt(report.cells.get(k)), bad) for k in keys))
        return table
    table.add_column("", overflow="fold", min_width=16)
    for col in tpl.T3_COLUMNS:
        table.add_column(col.label, justify="right")
    for row in rows:
        keys = [f"t3.{row.key}.{c.key}" for c in tpl.T3_COLUMNS]
        table.add_row(row.label, *(_mark(k, _fmt(report.cells.get(k)), bad) for k in keys))
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
    for name in ("#", "章节", "类别", "置信度", "内容"):
        table.add_column(name, overflow="fold", no_wrap=name in ("#", "置信度"))
    for i, p in enumerate(report.paragraphs):
        low = p.confidence is not None and p.confidence < LOW_CONFIDENCE
        confidence = "" if p.confidence is None else f"{p.confidence:.2f}"
        section = SECTION_NAMES.get(p.section or "", "—")[:2].rstrip("、")
        label = LABEL_NAMES.get(p.label or "", p.label or "")
        table.add_row(str(i), section, label, confidence, plain(p.text[:60]), style="yellow" if low else None)
    return table


_SNIPPET_CHARS = 60


def snippet(text: str, words: list[str], around: int = _SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """The part of a text around the first word found, and where each word stands in it."""
    first = min((i for w in words if (i := text.find(w)) >= 0), default=0)
    start = max(0, first - around // 3)
    end = min(len(text), start + around)
    part = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    spans = [(m.start(), m.end()) for w in words if w for m in re.finditer(re.escape(w), part)]
    return part, sorted(spans)


def _highlighted(text: str, words: list[str]) -> Text:
    part, spans = snippet(printable(text), words)
    line = Text(part)
    for start, end in spans:
        line.stylize("bold yellow", start, end)
    return line


def show_search(query: str, hits: list[SearchHit], console: Console) -> None:
    """One entry per paragraph found: where it is, its label (and the kinds of its items that hold
    the words), and a snippet with the words marked; tab-separated lines when piped."""
    if not console.is_terminal:
        for hit in hits:
            part, _ = snippet(hit.text, hit.words)
            fields = [
                hit.path,
                hit.organ or "",
                str(hit.year or ""),
                hit.section or "",
                hit.label or "",
                part,
            ]
            _write(console, "\t".join(printable(f).replace("\t", " ") for f in fields))
        return
    console.print(f"[bold]xxgk search {escaped(query)}[/bold]：{len(hits)} 段")
    for number, hit in enumerate(hits, 1):
        where = " · ".join(
            filter(
                None,
                [
                    escaped(display_path(hit.path)),
                    escaped(hit.organ or "未识别机关"),
                    f"{hit.year}年" if hit.year else "",
                    SECTION_NAMES.get(hit.section or "", ""),
                    LABEL_NAMES.get(hit.label or "", hit.label or ""),
                ],
            )
        )
        kinds = sorted({ITEM_KIND_NAMES.get(kind, kind) for kind, _ in hit.items})
        if kinds:
            where += f"（条目：{'、'.join(kinds)}）"
        console.print(f"{number}. [dim]{where}[/dim]")
        console.print(Text("   ").append_text(_highlighted(hit.text, hit.words)))


def show_report(report: Report, console: Console) -> None:
    meta = report.meta
    region = " ".join(filter(None, [meta.region.province, *meta.region.places]))
    head = (
        f"[bold]{escaped(meta.title or report.source.path)}[/bold]\n"
        f"机关 {escaped(meta.organ or '未识别')}  层级 {LEVEL_NAMES.get(meta.level, meta.level)}  "
        f"地区 {escaped(region or '未识别')}  年度 {meta.year or '未识别'}  "
        f"格式 {TEMPLATE_NAMES.get(meta.template, meta.template)}\n"
        f"来源 {escaped(report.source.path)}（{report.source.format}）"
    )
    emit(console, Panel(head))
    sections = Table(title="章节", show_header=False)
    for name in ("章节", "报告中的标题", "段落"):
        sections.add_column(name, overflow="fold", no_wrap=name == "段落")
    by_key = {s.key: s for s in report.sections}
    for spec in tpl.SECTIONS:
        s = by_key.get(spec.key)
        paragraphs = sum(1 for p in report.paragraphs if p.section == spec.key)
        found = (
            plain(s.title)
            if s and not s.untitled
            else "[yellow]（标题缺失，按小标题确定）[/yellow]"
            if s
            else "[red]未找到[/red]"
        )
        sections.add_row(SECTION_NAMES[spec.key], found, f"{paragraphs} 段" if paragraphs else "")
    emit(console, sections, paragraph_table(report))
    if (
        meta.template == "pre2019"
    ):  # its 统计表 is none of the template's tables: nothing read, nothing checked
        emit(console, "[yellow]2019年以前的年报格式：统计表未读取，不核对[/yellow]")
    else:
        _show_tables_and_checks(report, console)
    for w in report.warnings:
        emit(console, f"[yellow]提示[/yellow] {escaped(warning_text(w))}")
    if report.items:
        items = Table(title="问题与措施")
        items.add_column("段", no_wrap=True)
        items.add_column("类型", no_wrap=True)
        items.add_column("内容", overflow="fold")
        for item in report.items:
            items.add_row(str(item.paragraph), ITEM_KIND_NAMES[item.kind], plain(item.text))
        emit(console, items)
    if report.signoff is not None:
        emit(console, f"落款 {escaped(report.signoff.text)}")


def _check_table(title: str, checks: list) -> Table:
    table = Table(title=title)
    for name in ("编号", "结果", "说明"):
        table.add_column(name, overflow="fold", no_wrap=name != "说明")
    for c in checks:
        status = f"[{_STATUS_STYLE[c.status]}]{STATUS_NAMES.get(c.status, c.status)}[/]"
        table.add_row(f"{c.id}\n{RULE_TITLES.get(c.rule, '')}", status, plain(c.message))
    return table


def _show_tables_and_checks(report: Report, console: Console) -> None:
    meta = report.meta
    version: tpl.TemplateVersion = meta.template if meta.template in tpl.VERSIONS else "v2021"  # type: ignore[assignment]
    width = console.width if console.is_terminal else _WIDE
    emit(console, t2_table(report, version), t3_table(report, version, width), t4_table(report))
    shown = [c for c in report.checks if c.status != "pass"]
    passed = sum(1 for c in report.checks if c.status == "pass")
    emit(
        console, _check_table("核对结果（未通过与需关注）", shown) if shown else "[green]全部核对通过[/green]"
    )
    emit(console, f"通过 {passed} 项，未通过 {len(report.failed_checks())} 项，共 {len(report.checks)} 项")


def show_comparison(comparison: Comparison, console: Console) -> None:
    earlier, later = comparison.years
    emit(
        console,
        Panel(
            f"[bold]{escaped(comparison.earlier)}[/bold]（{earlier or '?'}年）→ "
            f"[bold]{escaped(comparison.later)}[/bold]（{later or '?'}年）"
        ),
    )
    if not comparison.same_organ:
        emit(console, "[yellow]提示[/yellow] 两份报告的机关名称不同，跨年度核对未必适用")
    if not comparison.consecutive:
        emit(console, "[yellow]提示[/yellow] 两个年度不相连，结转衔接不一定成立")
    emit(console, _check_table("跨年度核对（X1 结转衔接，X2 项目数量，X3 现行有效件数）", comparison.checks))
    if comparison.resolved:
        names = "、".join(cell_title(k) for k in comparison.resolved[:8])
        emit(
            console,
            f"[green]{len(comparison.resolved)} 个连写数字单元格由另一年度报告确定[/green]："
            + escaped(names)
            + (" …" if len(comparison.resolved) > 8 else ""),
        )
    changes = Table(title=f"表格变化（{len(comparison.changes)} 个单元格）")
    for name in ("单元格", f"{earlier}年", f"{later}年", "变化"):
        changes.add_column(name, justify="left" if name == "单元格" else "right", overflow="fold")
    for change in comparison.changes:
        changes.add_row(
            plain(cell_title(change.key)), f"{change.before:g}", f"{change.after:g}", f"{change.delta:+g}"
        )
    emit(console, changes)


# ---------------------------------------------------------------- the classifier's figures


def evaluation_table(title: str, result: Result) -> Table:
    """Per label: support, precision, recall, F1 of the pipeline and the F1 of the others."""
    from nlp.classify.evaluate import MIN_EXAMPLES, PIPELINE

    others = [e for e in result.paragraphs.values() if e.name != PIPELINE]
    table = Table(title=title)
    for name in ("label", "support", "precision", "recall", "F1", *(f"F1 {e.name}" for e in others)):
        table.add_column(name, justify="left" if name == "label" else "right", no_wrap=True)
    other_f1 = [{s.label: s.f1 for s in e.scores} for e in others]
    for s in result.pipeline.scores:
        row = [s.label, str(s.support), f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}"]
        table.add_row(*row, *(f"{o[s.label]:.2f}" for o in other_f1))
    macro = [f"{e.macro_f1:.3f}" for e in (result.pipeline, *others)]
    table.add_row(f"macro-F1 (≥{MIN_EXAMPLES} examples)", "", "", "", *macro, style="bold")
    return table


def item_lines(result: Result) -> str:
    from nlp.classify.evaluate import item_line

    return f"items ({result.documents} reports): {item_line(result)}"


def confusion_table(evaluation: Evaluation) -> Table:
    """Rows gold, columns predicted; the labels' short Chinese names head the columns (they fit
    in 80 columns, where the keys would be cut)."""
    table = Table(title="confusion matrix of the pipeline (rows gold, columns predicted)", padding=(0, 0))
    table.add_column("", no_wrap=True)
    for name in evaluation.labels:
        table.add_column(SHORT_LABEL_NAMES.get(name, name), justify="right", no_wrap=True)
    for name, row in zip(evaluation.labels, evaluation.confusion, strict=True):
        table.add_row(SHORT_LABEL_NAMES.get(name, name), *(str(int(v)) if v else "·" for v in row))
    return table
