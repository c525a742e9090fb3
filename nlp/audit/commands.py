"""Reviewers' commands, registered on `xxgk` (nlp.cli imports this module): `review` (the web
pages), `findings`, `decide`, `correct`, `decisions export|import|log`, `letters`, `coverage`,
`indicators`. Each reads the results folder `-o/--out` (default `out`); the web framework, rich,
python-docx, openpyxl and scikit-learn are imported only by the command that needs them."""

from __future__ import annotations

import getpass
import json
import os
import socket
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nlp.audit.rulebook import DECISION_NAMES, KIND_NAMES, STATUS_NAMES
from nlp.cli import app
from nlp.errors import ReviewError
from nlp.read.files import path_text

if TYPE_CHECKING:
    from rich.table import Table

OutOption = Annotated[
    Path, typer.Option("-o", "--out", help="Results folder of `xxgk analyze` (holds xxgk.sqlite).")
]
WhoOption = Annotated[
    str | None, typer.Option("--who", help="Reviewer's name (default: $XXGK_REVIEWER, else the login name).")
]
DEFAULT_PORT = 8002


def _fail(message: str) -> None:
    from nlp.review.terminal import printable

    typer.echo(f"xxgk: {printable(message)}", err=True)
    raise typer.Exit(1)


def _who(who: str | None) -> str:
    if who and who.strip():
        return who.strip()
    found = os.environ.get("XXGK_REVIEWER", "").strip()
    if found:
        return found
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "审核人"


def _current(out: Path) -> None:
    """The findings as of the reports now stored (derived again only after a new analysis)."""
    from nlp.audit.findings import refresh

    refresh(out)


@app.command()
def review(
    out: OutOption = Path("out"),
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = DEFAULT_PORT,
    who: WhoOption = None,
) -> None:
    """Review the findings in the browser: confirm or dismiss each, correct cells, download the
    letters; works offline (needs the optional extra named review)."""
    try:
        import uvicorn

        from nlp.audit.webapp import create_app
    except ImportError as exc:
        _fail(f"the review pages need their web server ({exc.name}): pip install 'xxgk-nlp[review]'")
    try:
        _current(out)
    except ReviewError as exc:
        _fail(str(exc))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        _fail(f"cannot listen on {host}:{port} ({exc.strerror})")
    listener.listen(64)
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"审核页面：http://{shown}:{bound}/  （审核人 {_who(who)}；Ctrl-C 退出）", err=False)
    config = uvicorn.Config(create_app(out, _who(who), host), log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()


def _finding_table(rows: list) -> Table:
    from rich.table import Table

    from nlp.review.terminal import plain

    table = Table(title="审核清单", show_lines=False)
    for name in ("编号", "单位", "年度", "类别", "规则", "审核", "发现"):
        table.add_column(name, overflow="fold")
    for finding, decided in rows:
        table.add_row(
            finding.id,
            plain(finding.organ or finding.unit),
            str(finding.year or "—"),
            KIND_NAMES[finding.kind],
            finding.rule,
            DECISION_NAMES[decided],
            plain(finding.message),
        )
    return table


@app.command()
def findings(
    out: OutOption = Path("out"),
    unit: Annotated[str, typer.Option(help="Only this unit (its name as printed).")] = "",
    year: Annotated[str, typer.Option(help="Only this year.")] = "",
    level: Annotated[str, typer.Option(help="Only this level (township, county, city, …).")] = "",
    district: Annotated[str, typer.Option(help="Only this district.")] = "",
    rule: Annotated[str, typer.Option(help="Only this rule (R1, N2, M3, …).")] = "",
    kind: Annotated[str, typer.Option(help="Only this kind (identity, narrative, …).")] = "",
    status: Annotated[str, typer.Option(help="Only open, confirmed or dismissed ones.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the findings with their stable ids and decisions."""
    from rich.console import Console

    from nlp.audit.findings import Filters, listed
    from nlp.audit.reviewdb import connect

    try:
        _current(out)
        with closing(connect(out)) as db:
            rows = listed(db, Filters(unit, year, level, district, rule, kind, status))
    except ReviewError as exc:
        _fail(str(exc))
    if as_json:
        for finding, decided in rows:
            typer.echo(json.dumps({**finding.model_dump(), "decision": decided}, ensure_ascii=False))
        return
    Console().print(_finding_table(rows))


@app.command()
def decide(
    finding_ids: Annotated[list[str], typer.Argument(help="Finding ids (or their first digits).")],
    confirm: Annotated[bool, typer.Option("--confirm", help="It is a problem of the report.")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="It is not (a false alarm, explained).")] = False,
    undo: Annotated[bool, typer.Option("--undo", help="Take back the last decision.")] = False,
    note: Annotated[str, typer.Option("--note", help="Why (shown in the letter).")] = "",
    who: WhoOption = None,
    out: OutOption = Path("out"),
) -> None:
    """Confirm or dismiss findings, or undo the last decision on each."""
    from nlp.audit.decisions import DecisionStore
    from nlp.audit.findings import find
    from nlp.audit.reviewdb import connect
    from nlp.review.terminal import printable

    if sum((confirm, dismiss, undo)) != 1:
        _fail("say one of --confirm, --dismiss, --undo")
    reviewer = _who(who)
    try:
        _current(out)
        with closing(connect(out)) as db:
            store = DecisionStore(db)
            for reference in finding_ids:
                finding = find(db, reference)
                if undo:
                    made = store.undo(finding.id, reviewer)
                else:
                    made = store.decide(
                        finding.id, finding.identity, "confirmed" if confirm else "dismissed", reviewer, note
                    )
                state = DECISION_NAMES[made.decision]  # type: ignore[union-attr]
                typer.echo(
                    f"{finding.id} {state}（{reviewer}）：{printable(finding.organ or finding.unit)} "
                    f"{finding.year or ''} {finding.rule} {printable(finding.message)}"
                )
    except ReviewError as exc:
        _fail(str(exc))


def _target_report(db, store, reference: str, year: int | None):
    """A report named on the command line: a finding id, a file (name or stem) or a unit."""
    from nlp.audit.findings import current_rows, find, stored_rows
    from nlp.audit.letters import matching_units

    try:
        finding = find(db, reference)
        return finding.report, finding
    except ReviewError:
        pass
    rows = list(current_rows(stored_rows(store.db)).values())
    named = [r for r in rows if reference in (Path(r.path).name, Path(r.path).stem, r.path)]
    if not named:
        units = matching_units(reference, {r.unit for r in rows})
        named = [r for r in rows if r.unit in units]
    if year is not None:
        named = [r for r in named if r.year == year]
    if not named:
        raise ReviewError(f"no finding, report file or unit {reference!r}")
    if len(named) > 1:
        years = ", ".join(str(r.year) for r in named)
        raise ReviewError(f"{reference!r} has reports of several years ({years}); add --year")
    return named[0].sha256, None


@app.command()
def correct(
    target: Annotated[str, typer.Argument(help="A finding id, or a report (file name, or the unit's name).")],
    value: Annotated[str | None, typer.Argument(help="The reviewer's value for the cell.")] = None,
    cell: Annotated[
        str | None,
        typer.Option("--cell", help="Cell key (t4.review.total); the finding's cell when it has one."),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="The report's year, when the unit has several.")
    ] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Take back the last correction of the cell.")] = False,
    note: Annotated[str, typer.Option("--note", help="Why.")] = "",
    who: WhoOption = None,
    out: OutOption = Path("out"),
) -> None:
    """Correct one cell: the reviewer's value is kept beside the printed one, and each check that
    uses the cell is shown on both."""
    from nlp.audit.corrected import rechecked
    from nlp.audit.decisions import DecisionStore, correction_id
    from nlp.audit.findings import unit_of
    from nlp.audit.reviewdb import connect
    from nlp.batch.store import DB_NAME, ResultStore
    from nlp.models import Report
    from nlp.review.terminal import printable

    reviewer = _who(who)
    if not undo and value is None:
        _fail("give the value (or --undo)")
    try:
        _current(out)
        with closing(connect(out)) as db, closing(ResultStore(out / DB_NAME, readonly=True)) as results:
            sha, finding = _target_report(db, results, target, year)
            report = Report.model_validate_json(results.document(sha))
            if cell is None:
                own = [k for k in (finding.cells if finding else []) if not k.startswith("prev.")]
                if len(own) != 1:
                    listed = ", ".join(own) if own else "see `xxgk show`"
                    raise ReviewError(f"say which cell with --cell ({listed})")
                cell = own[0]
            if cell not in report.cells:
                raise ReviewError(f"no cell {cell!r} in {path_text(report.source.path)}")
            unit, report_year = unit_of(report.meta.organ, report.source.path), report.meta.year
            store = DecisionStore(db)
            if undo:
                store.undo(correction_id(unit, report_year, cell), reviewer)
                typer.echo(f"{unit} {report_year or ''} {cell}: correction taken back")
            else:
                try:
                    number = float(value.replace(",", ""))  # type: ignore[union-attr]
                except ValueError:
                    raise ReviewError(f"the value must be a number, not {value!r}") from None
                printed = report.cells[cell].raw
                made = store.correct(unit, report_year, cell, number, printed, reviewer, note)
                typer.echo(
                    f"{printable(unit)} {report_year or ''} {cell}: printed {printed if printed else '(blank)'}, "
                    f"corrected {made.value:g} ({reviewer})"
                )
            fixes = store.corrections(unit, report_year)
    except ReviewError as exc:
        _fail(str(exc))
    for pair in rechecked(report, fixes):
        typer.echo(
            f"  {pair.printed.id}: as printed {STATUS_NAMES[pair.printed.status]} "
            f"({printable(pair.printed.message)}); corrected {STATUS_NAMES[pair.corrected.status]} "
            f"({printable(pair.corrected.message)})"
        )


decisions_app = typer.Typer(help="Export, import (merge) and list reviewers' decisions and corrections.")
app.add_typer(decisions_app, name="decisions")


@decisions_app.command("export")
def decisions_export(
    file: Annotated[Path, typer.Argument(help="JSON file to write.")],
    out: OutOption = Path("out"),
) -> None:
    """Write the decisions, corrections and audit trail to FILE, for another reviewer to import."""
    from nlp.audit.decisions import DecisionStore
    from nlp.audit.reviewdb import connect
    from nlp.batch.output import write_atomic

    try:
        with closing(connect(out)) as db:
            exchange = DecisionStore(db).export()
        write_atomic(file, exchange.model_dump_json(indent=2) + "\n")
    except ReviewError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{path_text(file)}: cannot write ({exc.strerror})")
    typer.echo(
        f"{path_text(file)}: {len(exchange.decisions)} decision(s), {len(exchange.corrections)} correction(s), "
        f"{len(exchange.log)} log entries"
    )


@decisions_app.command("import")
def decisions_import(
    file: Annotated[Path, typer.Argument(help="A file of `xxgk decisions export`.", readable=False)],
    who: WhoOption = None,
    out: OutOption = Path("out"),
) -> None:
    """Merge another reviewer's decisions and corrections: for each finding and cell the later
    change wins; both histories are kept."""
    from nlp.audit.decisions import DecisionStore, read_exchange
    from nlp.audit.reviewdb import connect

    try:
        exchange = read_exchange(file)
        with closing(connect(out)) as db:
            summary = DecisionStore(db).merge(exchange, _who(who))
    except ReviewError as exc:
        _fail(str(exc))
    typer.echo(
        f"{path_text(file)}: {summary.taken} taken (newer or new here), {summary.kept} kept (ours newer), "
        f"{summary.same} the same; {summary.log_entries} log entries added"
    )


@decisions_app.command("log")
def decisions_log(out: OutOption = Path("out")) -> None:
    """Print the audit trail: every decision, correction, undo and import, oldest first."""
    from nlp.audit.decisions import DecisionStore
    from nlp.audit.reviewdb import connect_readonly, has_table
    from nlp.review.terminal import printable

    try:
        with closing(connect_readonly(out)) as db:
            entries = DecisionStore(db).log() if has_table(db, "review_log") else []
    except ReviewError as exc:
        _fail(str(exc))
    for e in entries:
        after = e.after or {}
        what = DECISION_NAMES.get(after.get("decision", ""), "") or (
            f"{after.get('cell')} = {after.get('value')}" if after.get("active") else "withdrawn"
        )
        flags = (" (imported)" if e.origin == "imported" else "") + (" (undone)" if e.undone_by else "")
        typer.echo(f"{e.at[:19]} {printable(e.who)} {e.action} {e.target} {printable(what)}{flags}")


@app.command()
def letters(
    unit: Annotated[
        str | None, typer.Argument(help="One unit (any of its names); default: every unit.")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only the reports of this year.")] = None,
    out: OutOption = Path("out"),
    to: Annotated[
        Path | None, typer.Option("--to", help="Folder for the files (default: OUT/letters).")
    ] = None,
) -> None:
    """Write the 审核意见 letters (DOCX, one per unit and year) with every confirmed finding, and
    one workbook (XLSX) for all units with a summary sheet."""
    from nlp.audit.letters import write_letters
    from nlp.audit.reviewdb import connect
    from nlp.batch.store import DB_NAME, ResultStore
    from nlp.review.terminal import printable

    folder = to or out / "letters"
    try:
        _current(out)
        with closing(connect(out)) as db, closing(ResultStore(out / DB_NAME, readonly=True)) as store:
            written_letters, written = write_letters(db, store, folder, unit, year)
    except ReviewError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{path_text(exc.filename or folder)}: cannot write ({exc.strerror})")
    for letter in written_letters:
        left = f"; {letter.undecided} not decided yet, left out" if letter.undecided else ""
        typer.echo(
            f"{printable(letter.name)} {letter.year}: {len(letter.findings)} confirmed finding(s){left}"
        )
    for path in written:
        typer.echo(path_text(path))


@app.command()
def coverage(
    expected: Annotated[
        Path, typer.Argument(help="CSV of the expected units: name, level, district.", readable=False)
    ],
    year: Annotated[int, typer.Option("--year", help="The report year.")],
    out: OutOption = Path("out"),
    to: Annotated[
        Path | None, typer.Option("--to", help="CSV file to write (default: OUT/coverage_YEAR.csv).")
    ] = None,
) -> None:
    """Which expected units have no report for YEAR, and which published one whose tables were
    not filled (names matched across their variants)."""
    from rich.console import Console
    from rich.table import Table

    from nlp.audit.coverage import coverage as find_coverage
    from nlp.audit.coverage import coverage_table, read_expected, write_coverage_csv
    from nlp.audit.reviewdb import connect_readonly
    from nlp.review.terminal import plain

    try:
        units = read_expected(expected)
        with closing(connect_readonly(out)) as db:
            result = find_coverage(db, units, year)
        path = to or out / f"coverage_{year}.csv"
        write_coverage_csv(result, path)
    except ReviewError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{path_text(exc.filename or path)}: cannot write ({exc.strerror})")
    header, rows = coverage_table(result)
    table = Table(title=f"{year} 年度报送情况")
    for name in header[:8]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(plain(v) for v in row[:8]))
    console = Console()
    console.print(table)
    console.print(
        f"{len(result.rows)} expected: {result.count('published')} published, "
        f"{result.count('not_filled')} with tables not filled, {result.count('tables_missing')} with tables "
        f"missing, {result.count('missing')} without a report; {len(result.unexpected)} other report(s) of "
        f"{year}; {path_text(path)}",
        markup=False,
    )


@app.command()
def indicators(
    out: OutOption = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Indicators per district and per report (公开率, 复议纠错率, 诉讼纠错率, requests year over
    year, reuse of 五), with their formulas."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from nlp.audit.indicators import INDICATOR_BY_KEY, INDICATORS, shown, stored_districts, stored_values
    from nlp.audit.reviewdb import connect
    from nlp.review.terminal import plain

    try:
        _current(out)
        with closing(connect(out)) as db:
            values, districts = stored_values(db), stored_districts(db)
    except ReviewError as exc:
        _fail(str(exc))
    if as_json:
        for v in values:
            typer.echo(json.dumps({"scope": "report", **asdict(v)}, ensure_ascii=False))
        for d in districts:
            typer.echo(json.dumps({"scope": "district", **asdict(d)}, ensure_ascii=False))
        return
    console = Console()
    for indicator in INDICATORS:
        console.print(indicator.formula, markup=False)
    for title, rows, first in (("按地区", districts, "district"), ("按报告", values, "unit")):
        table = Table(title=title)
        table.add_column("地区" if first == "district" else "单位", overflow="fold")
        table.add_column("年度")
        for indicator in INDICATORS:
            table.add_column(indicator.name, justify="right")
        grouped: dict[tuple, dict[str, str]] = {}
        for v in rows:
            key = (getattr(v, first) or "未识别", v.year or "—")
            grouped.setdefault(key, {})[v.indicator] = shown(INDICATOR_BY_KEY[v.indicator], v.value)
        for (name, year), shown_values in grouped.items():
            table.add_row(plain(str(name)), str(year), *(shown_values.get(i.key, "—") for i in INDICATORS))
        console.print(table)
