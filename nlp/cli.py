"""Command line: `xxgk analyze`, `export`, `search`, `parse FILE`, `show FILE`."""

from __future__ import annotations

import importlib.util
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nlp.batch import DaskEngine, Engine, LocalEngine, collect_inputs, run_batch
from nlp.errors import InputError
from nlp.export import ExportError, ExportFormat, export_tables
from nlp.models import Report
from nlp.output import report_json
from nlp.pipeline import analyze_file
from nlp.store import DB_NAME, ResultStore, StoreError
from nlp.terminal import BatchProgressBar, batch_summary, search_table, show_report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Read government information-disclosure annual reports into verified data.",
)
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _fail(message: str) -> None:
    typer.echo(f"xxgk: {message}", err=True)
    raise typer.Exit(1)


def _safe_analyze(path: Path) -> Report:
    """Analyse one file; any failure becomes an InputError naming the file (no traceback)."""
    try:
        return analyze_file(path)
    except InputError:
        raise
    except Exception as exc:  # a bug or an unforeseen document: report it, keep going
        raise InputError(str(path), f"internal error ({type(exc).__name__}: {exc})", "analyze") from exc


class EngineName(StrEnum):
    local = "local"
    dask = "dask"


def _engine(name: EngineName, jobs: int, scheduler: str | None, timeout: float) -> Engine:
    if name == EngineName.local:
        return LocalEngine(jobs, timeout)
    if scheduler is None:
        _fail("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    if importlib.util.find_spec("distributed") is None:
        _fail("--engine dask needs dask: pip install 'xxgk-nlp[dask]'")
    return DaskEngine(scheduler)


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the bundled corpus).")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("out"),
    jobs: Annotated[
        int, typer.Option("-j", "--jobs", min=1, help="Worker processes (default: all cores).")
    ] = os.cpu_count() or 1,
    force: Annotated[bool, typer.Option("--force", help="Analyse again files finished before.")] = False,
    engine: Annotated[EngineName, typer.Option(help="Where the work runs.")] = EngineName.local,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, with --engine dask.")] = None,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds one file may take before it is recorded as failed.")
    ] = 600,
) -> None:
    """Analyse reports into the output folder: xxgk.sqlite, one JSON per report, summary.json.

    Files finished by an earlier run into the same folder are skipped (by content hash).
    """
    console = Console()
    if not paths:
        if not BUNDLED_CORPUS.is_dir():
            _fail("no bundled corpus here; pass files or folders to analyze")
        paths = [BUNDLED_CORPUS]
    files, problems = collect_inputs(paths)
    for path, problem in problems:
        typer.echo(f"xxgk: {path}: {problem}", err=True)
    if not files:
        raise typer.Exit(1)
    runner = _engine(engine, jobs, scheduler, timeout)
    try:
        with BatchProgressBar(Console(stderr=True)) as progress:
            result = run_batch(
                files,
                output,
                runner,
                force=force,
                absolute_paths=engine == EngineName.dask,
                progress=progress,
            )
    except StoreError as exc:
        _fail(str(exc))
    batch_summary(result, console)
    ok = result.count("ok")
    rate = result.analysed / result.seconds if result.seconds else 0.0
    console.print(
        f"{ok} report(s) in {output}/ ({ok - sum(f.resumed for f in result.files if f.status == 'ok')} "
        f"analysed now), {result.count('not_a_report')} not reports, {result.count('failed')} failed; "
        f"{result.analysed} file(s) in {result.seconds:.1f} s ({rate:.1f}/s); database {output / DB_NAME}"
    )
    if result.interrupted:
        console.print(f"[yellow]interrupted: run again to continue ({result.count('pending')} left)[/yellow]")
        raise typer.Exit(130)
    if not ok:
        raise typer.Exit(1)


@app.command()
def export(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output folder of `xxgk analyze` (holds xxgk.sqlite).")
    ] = Path("out"),
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.csv,
    to: Annotated[
        Path | None, typer.Option("--to", help="Folder for the exported files (default: OUTPUT/export).")
    ] = None,
) -> None:
    """Export the database: a wide table (one row per report, one column per cell) and the long tables."""
    database = output / DB_NAME
    if not database.is_file():
        _fail(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    try:
        written = export_tables(database, to or output / "export", fmt)
    except (ExportError, StoreError) as exc:
        _fail(str(exc))
    for path, rows in written:
        typer.echo(f"{path}  ({rows} rows)")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (Chinese is segmented with jieba).")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output folder of `xxgk analyze` (holds xxgk.sqlite).")
    ] = Path("out"),
    limit: Annotated[int, typer.Option(min=1, help="At most this many hits.")] = 20,
) -> None:
    """Find paragraphs and problem/measure items containing every word of the query."""
    database = output / DB_NAME
    if not database.is_file():
        _fail(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    try:
        store = ResultStore(database)
    except StoreError as exc:
        _fail(str(exc))
    try:
        hits = store.search(query, limit)
    finally:
        store.close()
    if not hits:
        _fail(f"nothing found for '{query}'")
    Console().print(search_table(query, hits))


@app.command()
def parse(file: Annotated[Path, typer.Argument(help="One report file.")]) -> None:
    """Print one report's JSON to stdout."""
    try:
        report = _safe_analyze(file)
    except InputError as exc:
        _fail(f"{exc.path}: {exc.problem}")
    sys.stdout.write(report_json(report) + "\n")


@app.command()
def show(file: Annotated[Path, typer.Argument(help="One report file.")]) -> None:
    """Show one report in the terminal: sections, the three tables, failed checks."""
    try:
        report = _safe_analyze(file)
    except InputError as exc:
        _fail(f"{exc.path}: {exc.problem}")
    show_report(report, Console())


if __name__ == "__main__":
    app()
