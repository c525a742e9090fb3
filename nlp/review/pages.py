"""The HTML review pages: `xxgk report OUT_DIR` (and the end of `xxgk analyze`) writes
OUT_DIR/review/ — an overview of the corpus, a page per report, the list of all problem
statements and the corpus analyses — as plain HTML files with their CSS, scripts and SVG charts
inline, so they open from a closed network or a USB stick.

This module turns stored reports into view records (tables laid out like the printed form, the
failed equations written out term by term); the Jinja2 templates in templates/ only
place them on the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from nlp.batch.output import REVIEW_FOLDER, REVIEW_MARKER, folder_mode, staged_folder
from nlp.batch.store import ResultStore
from nlp.checks.identities import component_value
from nlp.classify.labels import LABEL_NAMES
from nlp.models import LOW_CONFIDENCE, Cell, CheckResult, Report
from nlp.review.analytics import (
    Reuse,
    ThemeModel,
    YearOverYear,
    organ_groups,
    organ_histories,
    problem_themes,
    reused_statements,
)
from nlp.review.charts import bar_chart, stacked_columns
from nlp.review.display import (
    CELL_STATUS_NAMES,
    LEVEL_NAMES,
    RULE_TITLES,
    STATUS_NAMES,
    TEMPLATE_NAMES,
    TEMPLATE_SHORT_NAMES,
    warning_text,
)
from nlp.review.results import StoredReport, full_report, load_results, open_results
from nlp.tables import template as tpl

LABEL_COLOURS: dict[str, str] = {
    "preamble": "#eceff1",
    "general": "#e3f2fd",
    "proactive": "#e8f5e9",
    "on_request": "#fff8e1",
    "management": "#f3e5f5",
    "platform": "#e0f7fa",
    "interpretation": "#fce4ec",
    "oversight": "#ede7f6",
    "problem": "#ffcdd2",
    "measure": "#c8e6c9",
    "other": "#f5f5f5",
}
_TERMS_LISTED = 4  # a longer side of an equation lists its non-zero terms only


# ---------------------------------------------------------------- view records


@dataclass
class GridCell:
    """One cell of a table as printed: a header or label, or a value with its state."""

    text: str = ""
    header: bool = False
    colspan: int = 1
    rowspan: int = 1
    classes: list[str] = field(default_factory=list)
    tip: str = ""
    key: str = ""


@dataclass
class Equation:
    """A check written out for a reader: which rule, the terms with their values, the verdict."""

    id: str
    rule: str
    title: str
    status: str
    status_name: str
    text: str
    message: str


@dataclass
class TableView:
    key: str
    title: str
    rows: list[list[GridCell]]
    equations: list[Equation]


@dataclass
class ParagraphView:
    text: str
    label: str | None
    label_name: str
    confidence: float | None
    low: bool


@dataclass
class SectionView:
    key: str
    title: str
    found: bool
    paragraphs: list[ParagraphView]
    table: TableView | None = None


@dataclass
class ItemView:
    kind: str
    text: str
    theme: str
    reused_in: list[str]


def _value_text(cell: Cell) -> str:
    if cell.value is None:
        return (cell.raw or "").strip()
    text = f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
    return text + (cell.unit or "")


def _specs(report: Report) -> dict[str, tpl.CellSpec]:
    specs = dict(tpl.EXTRA_ROW_SPECS)
    for version in tpl.VERSIONS:
        specs.update({k: s for k, s in tpl.cell_spec_map(version).items() if k not in specs})
    specs.update(tpl.cell_spec_map(_version(report)))
    return specs


def _version(report: Report) -> tpl.TemplateVersion:
    return "v2019" if report.meta.template == "v2019" else "v2021"


def _cell_name(spec: tpl.CellSpec | None, key: str) -> str:
    if spec is None:
        return key
    row = f"{spec.group}{spec.row_label}" if spec.table == "t2" else spec.row_label
    return f"{tpl.TABLE_TITLES[spec.table].split()[0]}·{row}·{spec.column_label}"


def _term_names(keys: list[str], specs: dict[str, tpl.CellSpec]) -> list[str]:
    """Short names: the column when all terms share a row, the row when they share a column."""
    found = [specs.get(k.removeprefix("prev.")) for k in keys]
    if None in found:
        return keys
    rows = {(s.group, s.row_label) for s in found if s}
    columns = {s.column_label for s in found if s}
    names = []
    for key, spec in zip(keys, found, strict=True):
        assert spec is not None
        if len(rows) == 1:
            name = spec.column_label
        elif len(columns) == 1:
            name = spec.row_label
        else:
            name = f"{spec.row_label}·{spec.column_label}"
        names.append(("上年" if key.startswith("prev.") else "") + name)
    return names


def _shared_row(keys: list[str], specs: dict[str, tpl.CellSpec]) -> str:
    """'表三「一、本年新收…」' when the cells share a row (their short names are then columns)."""
    found = [specs.get(k) for k in keys]
    if None in found or len({(s.table, s.group, s.row_label) for s in found if s}) != 1:
        return ""
    spec = found[0]
    assert spec is not None
    return f"{tpl.TABLE_TITLES[spec.table].split()[0]}「{spec.group}{spec.row_label}」"


def _number(value: float | int | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _side(keys: list[str], names: list[str], cells: dict[str, Cell], total: float | int | None) -> str:
    values = [component_value(cells.get(k)) for k in keys]
    terms = [f"{n} {_number(v)}" for n, v in zip(names, values, strict=True)]
    if len(terms) > _TERMS_LISTED:
        listed = [t for t, v in zip(terms, values, strict=True) if v]
        rest = len(terms) - len(listed)
        terms = listed + ([f"其余 {rest} 项为 0"] if rest else [])
    text = " + ".join(terms)
    return f"{text} = {_number(total)}" if len(keys) > 1 else text


def written_equation(check: CheckResult, cells: dict[str, Cell], specs: dict[str, tpl.CellSpec]) -> str:
    """'总计 0 ≠ 自然人 1 + 其余 5 项为 0 = 1' for an identity; for a prose claim, table vs prose."""
    if check.totals is None:
        table = _side(check.cells, _term_names(check.cells, specs), cells, check.lhs)
        where = _shared_row(check.cells, specs)
        table = f"{where}：{table}" if where else table
        return table if check.rhs is None else f"表格 {table}；正文 {_number(check.rhs)}"
    names = _term_names(check.cells, specs)
    left, right = check.cells[: check.totals], check.cells[check.totals :]
    sign = {"pass": "=", "fail": "≠"}.get(check.status, "≟")
    return (
        f"{_side(left, names[: check.totals], cells, check.lhs)} {sign} "
        f"{_side(right, names[check.totals :], cells, check.rhs)}"
    )


def equation_view(check: CheckResult, cells: dict[str, Cell], specs: dict[str, tpl.CellSpec]) -> Equation:
    return Equation(
        check.id,
        check.rule,
        RULE_TITLES.get(check.rule, check.rule),
        check.status,
        STATUS_NAMES[check.status],
        written_equation(check, cells, specs),
        check.message,
    )


# ---------------------------------------------------------------- the three tables


class _TableBuilder:
    """Lays a report's cells out like the printed form, marking the cells of failed checks."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.cells = report.cells
        self.specs = _specs(report)
        self.tips: dict[str, list[str]] = {}
        self.state: dict[str, str] = {}
        for check in report.checks:
            if check.status not in ("fail", "missing_total"):
                continue
            css = "fail" if check.status == "fail" and check.rule.startswith("R") else "attention"
            if check.status == "missing_total":
                css = "missing-total"
            text = f"{check.id} {RULE_TITLES.get(check.rule, '')}：{written_equation(check, self.cells, self.specs)}"
            for key in check.cells:
                self.tips.setdefault(key, []).append(text)
                if self.state.get(key) != "fail":
                    self.state[key] = css

    def value(self, key: str, colspan: int = 1) -> GridCell:
        cell = self.report.cells.get(key)
        spec = self.specs.get(key)
        name = _cell_name(spec, key)
        if cell is None or cell.status == "missing":
            grid = GridCell("—", classes=["missing"], tip=f"{name}：{CELL_STATUS_NAMES['missing']}")
        else:
            text = "?" if cell.status == "ambiguous" else _value_text(cell)
            tip = f"{name}：{text or '（空白）'}（{CELL_STATUS_NAMES[cell.status]}"
            if cell.confidence is not None:
                tip += f"，置信度 {cell.confidence:.2f}"
            grid = GridCell(text, classes=[cell.status.replace("_", "-")], tip=tip + "）")
        if key in self.state:
            grid.classes.append(self.state[key])
            grid.tip += "\n" + "\n".join(self.tips[key])
        grid.colspan, grid.key = colspan, key
        return grid

    def equations(self, table: str) -> list[Equation]:
        shown = [
            c
            for c in self.report.checks
            if c.status in ("fail", "missing_total")
            and c.rule.startswith("R")
            and c.cells
            and c.cells[0].startswith(table + ".")
        ]
        return [equation_view(c, self.cells, self.specs) for c in shown]

    def t2(self) -> TableView:
        version = _version(self.report)
        width = max(len(b.columns) for b in tpl.T2_BLOCKS[version])
        rows: list[list[GridCell]] = []
        for block in tpl.T2_BLOCKS[version]:
            rows.append(
                [
                    GridCell(
                        f"第二十条第（{block.item}）项", header=True, colspan=width + 1, classes=["caption"]
                    )
                ]
            )
            head = [GridCell(tpl.T2_CONTENT_LABEL, header=True)]
            for n, col in enumerate(block.columns):
                span = width - len(block.columns) + 1 if n == len(block.columns) - 1 else 1
                head.append(GridCell(col.label, header=True, colspan=span))
            rows.append(head)
            for row in block.rows:
                line = [GridCell(row.label, header=True, classes=["row-label"])]
                for n, col in enumerate(block.columns):
                    span = width - len(block.columns) + 1 if n == len(block.columns) - 1 else 1
                    line.append(self.value(f"t2.{block.key}.{row.key}.{col.key}", span))
                rows.append(line)
        return TableView("t2", tpl.TABLE_TITLES["t2"], rows, self.equations("t2"))

    def _t3_rows(self) -> list[tpl.Row]:
        rows = list(tpl.T3_ROWS[_version(self.report)])
        if _version(self.report) == "v2021" and any(k.startswith("t3.other.") for k in self.report.cells):
            rows.insert(-2, tpl.T3_OTHER_SINGLE)
        return rows

    def t3(self) -> TableView:
        columns = tpl.T3_COLUMNS
        orgs = [c for c in columns if c.key in tpl.T3_ORGANISATION_COLUMNS]
        rows: list[list[GridCell]] = [
            [
                GridCell("", header=True, colspan=3, rowspan=3),
                GridCell(tpl.T3_APPLICANTS_LABEL, header=True, colspan=7),
            ],
            [
                GridCell(columns[0].label, header=True, rowspan=2),
                GridCell(tpl.T3_ORGANISATIONS_LABEL, header=True, colspan=len(orgs)),
                GridCell(columns[-1].label, header=True, rowspan=2),
            ],
            [GridCell(c.label, header=True) for c in orgs],
        ]
        all_rows = self._t3_rows()
        outcome = [r for r in all_rows if r.key not in tpl.T3_INTAKE_ROWS and r.key != "carried_forward"]
        group_of = {key: label for label, keys in tpl.T3_ROW_GROUPS.items() for key in keys}
        for row in all_rows:
            line: list[GridCell] = []
            if row in outcome:
                if row is outcome[0]:
                    line.append(
                        GridCell(tpl.T3_OUTCOME_HEADING, header=True, rowspan=len(outcome), classes=["group"])
                    )
                group = group_of.get(row.key)
                if group:
                    members = [r for r in outcome if group_of.get(r.key) == group]
                    if row is members[0]:
                        line.append(GridCell(group, header=True, rowspan=len(members), classes=["group"]))
                    line.append(GridCell(row.label, header=True, classes=["row-label"]))
                else:
                    line.append(GridCell(row.label, header=True, colspan=2, classes=["row-label"]))
            else:
                line.append(GridCell(row.label, header=True, colspan=3, classes=["row-label"]))
            line += [self.value(f"t3.{row.key}.{c.key}") for c in columns]
            rows.append(line)
        return TableView("t3", tpl.TABLE_TITLES["t3"], rows, self.equations("t3"))

    def t4(self) -> TableView:
        width = len(tpl.T4_COLUMNS)
        groups = dict(tpl.T4_GROUPS)
        top: list[GridCell] = []
        second: list[GridCell] = []
        for label, members in tpl.T4_HEADER:
            if len(members) == 1:
                top.append(GridCell(label, header=True, colspan=width, rowspan=2))
            else:
                top.append(GridCell(label, header=True, colspan=width * len(members)))
                second += [GridCell(groups[m], header=True, colspan=width) for m in members]
        columns = [GridCell(c.label, header=True) for _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
        values = [self.value(f"t4.{g}.{c.key}") for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
        return TableView("t4", tpl.TABLE_TITLES["t4"], [top, second, columns, values], self.equations("t4"))


def report_tables(report: Report) -> list[TableView]:
    builder = _TableBuilder(report)
    return [builder.t2(), builder.t3(), builder.t4()]


# ---------------------------------------------------------------- a report's page


def section_views(report: Report) -> list[SectionView]:
    """The six sections in template order with their paragraphs and the table each of 二–四
    holds; text before the first section (title, preamble) comes first."""
    tables = {t.key: t for t in report_tables(report)}
    titles = {s.key: s.title for s in report.sections}
    views = []
    keys: list[str | None] = [None, *(s.key for s in tpl.SECTIONS)]
    for key in keys:
        paragraphs = [
            ParagraphView(
                p.text,
                p.label,
                LABEL_NAMES.get(p.label or "", "未分类"),
                p.confidence,
                p.confidence is not None and p.confidence < LOW_CONFIDENCE,
            )
            for p in report.paragraphs
            if p.section == key
        ]
        if key is None:
            if paragraphs:
                views.append(SectionView("preface", "（标题与前言）", True, paragraphs))
            continue
        spec = tpl.SECTION_BY_KEY[key]
        default = f"{'一二三四五六'[spec.ordinal - 1]}、{spec.canonical}"
        table = tables.get(tpl.SECTION_TABLES.get(key, ""))
        views.append(SectionView(key, titles.get(key, default), key in titles, paragraphs, table))
    return views


@dataclass
class Site:
    """Everything the pages show, computed once for the whole corpus."""

    reports: list[StoredReport]
    themes: ThemeModel
    reuses: list[Reuse]
    histories: list[YearOverYear]
    generated: str

    def page(self, stored: StoredReport) -> str:
        return f"reports/{self.page_name(stored)}"

    @staticmethod
    def page_name(stored: StoredReport) -> str:
        """A report's page is named as its JSON file (which is named as the source file)."""
        return f"{Path(stored.json_name).stem}.html" if stored.json_name else f"r{stored.id}.html"

    def __post_init__(self) -> None:
        """Look-ups by report and item position, so that a large corpus renders in linear time."""
        self._histories = {h.later.id: h for h in self.histories}
        self._themes = {
            (s.report, s.position): f"主题{n + 1} {self.themes.themes[n].name}"
            for s, n in zip(self.themes.problems, self.themes.assignment, strict=True)
            if n >= 0
        }
        names = {s.id: s.name for s in self.reports}
        self._reused: dict[tuple[int, int], list[str]] = {}
        for reuse in self.reuses:
            for this, other in ((reuse.earlier, reuse.later), (reuse.later, reuse.earlier)):
                self._reused.setdefault((this.report, this.position), []).append(names[other.report])

    def history_of(self, stored: StoredReport) -> YearOverYear | None:
        return self._histories.get(stored.id)

    def theme_name(self, report: int, position: int) -> str:
        return self._themes.get((report, position), "")

    def reused_in(self, report: int, position: int) -> list[str]:
        return self._reused.get((report, position), [])


def build_site(reports: list[StoredReport]) -> Site:
    return Site(
        reports,
        problem_themes(reports),
        reused_statements(reports),
        organ_histories(reports),
        datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def _items(site: Site, stored: StoredReport) -> list[ItemView]:
    return [
        ItemView(
            item.kind,
            item.text,
            site.theme_name(stored.id, n) if item.kind == "problem" else "",
            site.reused_in(stored.id, n),
        )
        for n, item in enumerate(stored.report.items)
    ]


def _history_view(history: YearOverYear) -> dict:
    earlier, later = history.earlier.report, history.later.report
    joined = dict(later.cells)
    joined.update({f"prev.{k}": c for k, c in earlier.cells.items()})
    specs = _specs(later)
    changes = [
        (_cell_name(specs.get(c.key), c.key), _number(c.before), _number(c.after), f"{c.delta:+g}")
        for c in history.comparison.changes
    ]
    return {
        "history": history,
        "checks": [
            equation_view(c, joined, specs) for c in history.comparison.checks if c.status != "not_assessable"
        ],
        "changes": changes,
    }


# ---------------------------------------------------------------- the corpus pages


def _count_chart(title: str, counts: Counter, names: dict | None = None) -> Markup:
    bars = [((names or {}).get(k, k) if k is not None else "未识别", v) for k, v in counts.most_common()]
    return Markup(bar_chart(title, bars))


def overview_charts(reports: list[StoredReport]) -> dict[str, Markup]:
    years = sorted({s.year for s in reports if s.year is not None})
    levels = [lv for lv in LEVEL_NAMES if any(s.report.meta.level == lv for s in reports)]
    series = [
        (
            LEVEL_NAMES[lv],
            [sum(1 for s in reports if s.year == y and s.report.meta.level == lv) for y in years],
        )
        for lv in levels
    ]
    failing = Counter(rule for s in reports for rule in sorted({c.rule for c in s.report.failed_checks()}))
    rule_bars = [(f"{rule} {RULE_TITLES.get(rule, '')}", n) for rule, n in sorted(failing.items())]
    return {
        "years": Markup(stacked_columns("各年度报告数（按层级）", [str(y) for y in years], series)),
        "levels": _count_chart("按层级", Counter(s.report.meta.level for s in reports), LEVEL_NAMES),
        "regions": _count_chart("按省份", Counter(s.report.meta.region.province for s in reports)),
        "templates": _count_chart("模板版本", Counter(s.report.meta.template for s in reports)),
        "rules": Markup(bar_chart("未通过各项核对的报告数", rule_bars, colour="#c0392b", label_width=330)),
    }


def overview_figures(reports: list[StoredReport]) -> dict[str, int | str]:
    years = [s.year for s in reports if s.year is not None]
    items = Counter(item.kind for s in reports for item in s.report.items)
    return {
        "reports": len(reports),
        "organs": len(organ_groups(reports)),
        "years": f"{min(years)}–{max(years)}" if years else "—",
        "failing_reports": sum(1 for s in reports if s.report.failed_checks()),
        "failed_checks": sum(len(s.report.failed_checks()) for s in reports),
        "problems": items["problem"],
        "measures": items["measure"],
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("nlp.review", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        LABEL_NAMES=LABEL_NAMES,
        LABEL_COLOURS=LABEL_COLOURS,
        LEVEL_NAMES=LEVEL_NAMES,
        TEMPLATE_NAMES=TEMPLATE_NAMES,
        TEMPLATE_SHORT_NAMES=TEMPLATE_SHORT_NAMES,
        STATUS_NAMES=STATUS_NAMES,
        RULE_TITLES=RULE_TITLES,
        TABLE_TITLES=tpl.TABLE_TITLES,
    )
    env.filters["warning_text"] = warning_text
    return env


_PAGES = ("index.html", "problems.html", "analysis.html")


def write_review(output: Path, to: Path | None = None) -> Path:
    """Write the review pages for the results in OUTPUT (default folder OUTPUT/review); return
    the overview page. The pages are written into a new folder that then takes the old one's
    place, so that a run killed halfway never leaves pages that link to pages not written."""
    store = open_results(output)
    try:
        stamp = store.contents_stamp()  # before the reports are read: a later change makes the pages stale
        reports = load_results(output)
        site = build_site(reports)
        folder = to or output / REVIEW_FOLDER
        with staged_folder(folder, REVIEW_MARKER, _PAGES) as staging:
            _write_pages(staging, site, reports, store)
            (staging / REVIEW_MARKER).write_text(stamp + "\n", encoding="utf-8")
    finally:
        store.close()
    return folder / "index.html"


def _write_pages(folder: Path, site: Site, reports: list[StoredReport], store: ResultStore) -> None:
    (folder / "reports").mkdir(mode=folder_mode())
    env = _environment()
    common = {"site": site, "generated": site.generated}
    problem_rows = _problem_rows(site)
    pages = {
        "index.html": env.get_template("index.html.j2").render(
            root="", charts=overview_charts(reports), figures=overview_figures(reports), **common
        ),
        "problems.html": env.get_template("problems.html.j2").render(
            root="", problems=problem_rows, filters=_problem_filters(problem_rows), **common
        ),
        "analysis.html": env.get_template("analysis.html.j2").render(
            root="",
            theme_chart=_theme_chart(site),
            theme_years=sorted({y for t in site.themes.themes for y in t.by_year}, key=lambda y: y or 0),
            section5_chart=_section5_chart(site),
            **common,
        ),
    }
    for name, page in pages.items():
        (folder / name).write_text(page, encoding="utf-8")
    report_page = env.get_template("report.html.j2")
    for stored in reports:  # one report read whole at a time: memory stays flat
        report = full_report(store, stored)
        history = site.history_of(stored)
        (folder / site.page(stored)).write_text(
            report_page.render(
                root="../",
                stored=stored,
                report=report,
                sections=section_views(report),
                narrative=_narrative(report),
                plausibility=_plausibility(report),
                items=_items(site, stored),
                history=_history_view(history) if history else None,
                **common,
            ),
            encoding="utf-8",
        )


def _theme_chart(site: Site) -> Markup:
    bars = [(f"主题{t.number + 1} {t.name}", t.size) for t in site.themes.themes]
    return Markup(bar_chart("各主题的问题条数", bars, colour="#b5473a", label_width=260))


def _section5_chart(site: Site) -> Markup:
    bars = [(h.later.name, round(h.section5.share * 100)) for h in site.histories if h.section5 is not None]
    return Markup(bar_chart("第五部分与上一份报告重复的文字（%）", bars, colour="#7a5aa6", label_width=260))


def _problem_rows(site: Site) -> list[dict]:
    by_id = {s.id: s for s in site.reports}
    rows = []
    for statement, number in zip(site.themes.problems, site.themes.assignment, strict=True):
        stored = by_id[statement.report]
        rows.append(
            {
                "statement": statement,
                "stored": stored,
                "year": str(statement.year or "未识别"),
                "level": LEVEL_NAMES.get(statement.level, statement.level),  # type: ignore[call-overload]
                "province": statement.province or "未识别",
                "theme": f"主题{number + 1} {site.themes.themes[number].name}" if number >= 0 else "未归类",
                "reused": site.reused_in(statement.report, statement.position),
            }
        )
    return rows


_PROBLEM_FILTERS = (("year", "年度"), ("level", "层级"), ("province", "省份"), ("theme", "主题"))


def _problem_filters(rows: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(field, title, the values to choose from) for each filter of the problem list."""
    return [(field, title, sorted({row[field] for row in rows})) for field, title in _PROBLEM_FILTERS]


def _narrative(report: Report) -> list[Equation]:
    """The prose-vs-table checks, mismatches first."""
    specs = _specs(report)
    found = [c for c in report.checks if c.rule.startswith("N")]
    found.sort(key=lambda c: c.status != "fail")
    return [equation_view(c, report.cells, specs) for c in found]


def _plausibility(report: Report) -> list[Equation]:
    """Failed plausibility checks (P1–P4): questions to the organ, not arithmetic errors."""
    specs = _specs(report)
    return [equation_view(c, report.cells, specs) for c in report.failed_checks() if c.rule.startswith("P")]
