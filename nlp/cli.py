"""Command line: `xxgk analyze`, `xxgk parse FILE`, `xxgk show FILE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nlp.compare import compare_reports
from nlp.errors import InputError
from nlp.ingest import supported_suffixes
from nlp.models import Report
from nlp.output import output_name, report_json, write_atomic
from nlp.pipeline import analyze_file
from nlp.terminal import show_comparison, show_report, summary_table

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


def _analyze_or_exit(path: Path) -> Report:
    try:
        return _safe_analyze(path)
    except InputError as exc:
        _fail(f"{exc.path}: {exc.problem}")
        raise  # unreachable: _fail exits


def collect_inputs(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Report files under the given paths (folders recursively) and the paths that are wrong."""
    suffixes = set(supported_suffixes())
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(
                    (
                        str(path),
                        "folder contains no report files (" + ", ".join(sorted(suffixes)) + ")",
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append((str(path), "no such file or folder"))
    return files, problems


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the bundled corpus).")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("out"),
) -> None:
    """Analyse reports and write one JSON per report plus summary.json into the output folder."""
    console = Console()
    if not paths:
        if not BUNDLED_CORPUS.is_dir():
            _fail("no bundled corpus here; pass files or folders to analyze")
        paths = [BUNDLED_CORPUS]
    files, failures = collect_inputs(paths)
    if not files:
        for path, problem in failures:
            typer.echo(f"xxgk: {path}: {problem}", err=True)
        raise typer.Exit(1)
    reports: list[Report] = []
    taken: set[str] = set()
    index: list[dict[str, object]] = []
    for path in files:
        try:
            report = _safe_analyze(path)
        except InputError as exc:
            failures.append((exc.path, exc.problem))
            index.append({"source": exc.path, "status": "failed", "stage": exc.stage, "error": exc.problem})
            continue
        name = output_name(path, report.source.sha256, taken)
        write_atomic(output / name, report_json(report))
        reports.append(report)
        index.append(
            {
                "source": str(path),
                "status": "ok",
                "output": name,
                "checks_failed": len(report.failed_checks()),
            }
        )
    write_atomic(output / "summary.json", json.dumps(index, ensure_ascii=False, indent=2))
    console.print(summary_table(reports, failures))
    console.print(f"{len(reports)} report(s) written to {output}/, {len(failures)} failed")
    if not reports:
        raise typer.Exit(1)


@app.command()
def parse(file: Annotated[Path, typer.Argument(help="One report file.")]) -> None:
    """Print one report's JSON to stdout."""
    report = _analyze_or_exit(file)
    sys.stdout.write(report_json(report) + "\n")


@app.command()
def show(file: Annotated[Path, typer.Argument(help="One report file.")]) -> None:
    """Show one report in the terminal: sections, the three tables, failed checks."""
    report = _analyze_or_exit(file)
    show_report(report, Console())


@app.command()
def compare(
    first: Annotated[Path, typer.Argument(help="A report of one year.")],
    second: Annotated[Path, typer.Argument(help="The same organ's report of another year.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare two reports of the same organ: carry-over chain (X1), item counts (X2),
    documents in force (X3) and every table cell that changed."""
    comparison = compare_reports(_analyze_or_exit(first), _analyze_or_exit(second))
    if as_json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
    else:
        show_comparison(comparison, Console())


if __name__ == "__main__":
    app()
