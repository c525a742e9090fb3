"""Command line: `xxgk analyze`, `report`, `serve`, `export`, `search`, `parse FILE`, `show FILE`,
`compare A B`; the classifier's `train`, `evaluate`, `label`.

One convention on every command: required paths are positional, everything else is an option,
and the results folder of `xxgk analyze` is `-o/--out DIR` (default `out`). Old spellings still
work and say what replaces them. Nothing heavy is imported here: `--help` and the one-file
commands start fast, and the batch's writer process never loads the model (its workers do).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nlp import MODEL_PATH

if TYPE_CHECKING:
    from rich.console import Console

    from nlp.batch.runner import Engine
    from nlp.classify.evaluate import Corpus
    from nlp.models import Report
    from nlp.read.files import Limits


def _usage_name(argument: typer.core.TyperArgument) -> str:
    """An argument in the usage line as Unix help writes it — FILE, [PATH]... — rather than this
    typer's {FILE}."""
    name = argument.display_name_raw
    if not argument.required:
        name = f"[{name}]" if not name.startswith("[") else name
    return name + ("..." if argument.nargs != 1 and not name.endswith("...") else "")


typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # help text is shown as written: "[serve]" is not markup
    help="Read government information-disclosure annual reports (政府信息公开工作年度报告) into verified data.",
)
ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"
GOLD_LABELS = BUNDLED_CORPUS / "labels"
GOLD_ITEMS = BUNDLED_CORPUS / "items"
SHARED = ROOT.parent / "shared"
GENERATED_REPORTS = ROOT / "tests" / "generated"
HELDOUT_REPORTS = ROOT / "tests" / "heldout"
DEFAULT_RESULTS = Path("out")


def _fail(message: str) -> None:
    from nlp.review.terminal import printable

    typer.echo(f"xxgk: {printable(message)}", err=True)
    raise typer.Exit(1)


def _deprecated(old: str, new: str) -> None:
    typer.echo(f"xxgk: {old} is deprecated; use {new}", err=True)


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def _working(message: str) -> Iterator[None]:
    """A spinner with what is being done on a terminal's stderr while something long runs
    (nothing when stderr is not a terminal: scripts and logs get the results only)."""
    console = _stderr_console()
    if console.is_terminal:
        with console.status(message):
            yield
    else:
        yield


# ---------------------------------------------------------------- options shared by commands

# File arguments are declared readable=False: click would turn an unreadable file into a usage
# error (exit 2); the readers say what is wrong in one line instead.
FileArgument = Annotated[Path, typer.Argument(help="One report file.", readable=False, metavar="FILE")]
ResultsOption = Annotated[
    Path,
    typer.Option("-o", "--out", help="Results folder of `xxgk analyze` (holds xxgk.sqlite).", metavar="DIR"),
]
OldResultsOption = Annotated[
    Path | None, typer.Option("--output", hidden=True, help="Deprecated spelling of -o/--out.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.", metavar="")]
MaxFileOption = Annotated[
    float | None,
    typer.Option(
        "--max-file-mb",
        help="Refuse files larger than this (MB; default 200, env XXGK_MAX_FILE_MB).",
        metavar="MB",
    ),
]
MaxInflatedOption = Annotated[
    float | None,
    typer.Option(
        "--max-inflated-mb",
        help="Refuse DOCX files whose parts unpack past this (MB; default 500, env XXGK_MAX_INFLATED_MB).",
        metavar="MB",
    ),
]
MaxPagesOption = Annotated[
    int | None,
    typer.Option(
        "--max-pages", help="Refuse PDFs with more pages (default 2000, env XXGK_MAX_PAGES).", metavar="N"
    ),
]


def _results(out: Path, old: Path | None, old_spelling: str = "--output DIR") -> Path:
    if old is not None:
        _deprecated(old_spelling, "-o/--out DIR")
        return old
    return out


def _limits(max_file_mb: float | None, max_inflated_mb: float | None, max_pages: int | None) -> Limits:
    from nlp.read.files import Limits

    try:
        return Limits.from_env(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb, max_pages=max_pages)
    except ValueError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _safe_analyze(path: Path, limits: Limits | None = None) -> Report:
    """Analyse one file; any failure becomes an InputError naming the file (no traceback)."""
    from nlp.errors import InputError
    from nlp.read.files import path_text

    try:
        from nlp.batch.pipeline import analyze_file

        return analyze_file(path, limits)
    except InputError:
        raise
    except Exception as exc:  # a bug or an unforeseen document: report it, keep going
        raise InputError(path_text(path), f"internal error ({type(exc).__name__}: {exc})", "analyze") from exc


def _analyze_or_exit(path: Path, limits: Limits | None = None) -> Report:
    from nlp.errors import InputError

    try:
        return _safe_analyze(path, limits)
    except InputError as exc:
        _fail(f"{exc.path}: {exc.problem}")
        raise  # unreachable: _fail exits


# ---------------------------------------------------------------- analyze


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a batch: stop as on Ctrl-C (summary.json lists what is left)."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number


@contextmanager
def _stopped_by_signals() -> Iterator[list[int]]:
    """SIGTERM and SIGHUP (the terminal closed) end a batch as Ctrl-C does; the list gets the
    number of the signal that stopped it (SIGINT for Ctrl-C)."""
    received: list[int] = []

    def stop(number: int, _frame: object) -> None:
        if not received:
            received.append(number)
            raise Stopped(number)

    numbers = [n for n in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if n]
    previous = {n: signal.signal(n, stop) for n in numbers}
    try:
        yield received
    except KeyboardInterrupt:
        if not received:
            received.append(signal.SIGINT)
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class EngineName(StrEnum):
    local = "local"
    dask = "dask"


def _engine(name: EngineName, jobs: int, scheduler: str | None, timeout: float) -> Engine:
    import importlib.util

    from nlp.batch.runner import DaskEngine, LocalEngine

    if name == EngineName.local:
        return LocalEngine(jobs, timeout)
    if scheduler is None:
        _fail("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    if importlib.util.find_spec("distributed") is None:
        _fail("--engine dask needs dask: pip install 'xxgk-nlp[dask]'")
    return DaskEngine(scheduler)  # type: ignore[arg-type]


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders (default: the bundled corpus).", readable=False, metavar="[PATH]..."
        ),
    ] = None,
    out: ResultsOption = DEFAULT_RESULTS,
    old_out: OldResultsOption = None,
    jobs: Annotated[
        int,
        typer.Option("-j", "--jobs", min=1, help="Worker processes.", show_default="all cores", metavar="N"),
    ] = os.cpu_count() or 1,
    force: Annotated[
        bool, typer.Option("--force", help="Analyse again the files an earlier run finished.", metavar="")
    ] = False,
    engine: Annotated[EngineName, typer.Option(help="Where the work runs.")] = EngineName.local,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, with --engine dask.", metavar="ADDRESS")
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            min=1,
            help="Seconds one file may take before it is recorded as failed (inf: no limit).",
            metavar="S",
        ),
    ] = 600,
    max_file_mb: MaxFileOption = None,
    max_inflated_mb: MaxInflatedOption = None,
    max_pages: MaxPagesOption = None,
) -> None:
    """Analyse reports into the results folder: xxgk.sqlite, one JSON per report, summary.json, the
    review pages. Files an earlier run finished are skipped (by content hash)."""
    from rich.console import Console

    from nlp.batch.output import OutputError, output_lock
    from nlp.batch.runner import collect_inputs, prepare_output, run_batch, stop_forkserver
    from nlp.batch.store import DB_NAME, StoreError
    from nlp.read.files import path_text
    from nlp.review.results import ResultsError
    from nlp.review.terminal import BatchProgressBar, batch_summary, escaped, printable

    output = _results(out, old_out)
    console = Console()
    limits = _limits(max_file_mb, max_inflated_mb, max_pages)
    if not paths:
        if not BUNDLED_CORPUS.is_dir():
            _fail("no bundled corpus here; pass files or folders to analyze")
        paths = [BUNDLED_CORPUS]
    files, skipped = collect_inputs(paths, output)
    for entry in skipped:
        if not entry.listed:
            typer.echo(f"xxgk: {printable(entry.path)}: {printable(entry.reason)}", err=True)
    if not files:
        raise typer.Exit(1)
    runner = _engine(engine, jobs, scheduler, timeout)
    try:
        prepare_output(output)
        with output_lock(output), _stopped_by_signals() as stopped:
            try:
                with BatchProgressBar(Console(stderr=True)) as progress:
                    result = run_batch(
                        files,
                        output,
                        runner,
                        force=force,
                        absolute_paths=engine == EngineName.dask,
                        progress=progress,
                        limits=limits,
                        skipped=skipped,
                    )
            finally:
                stop_forkserver()
            batch_summary(result, console)
            if not result.interrupted:
                _after_batch(output, result.count("ok") > 0)
    except (OutputError, StoreError, ResultsError) as exc:
        _fail(str(exc))
    ok = result.count("ok")
    rate = result.analysed / result.seconds if result.seconds else 0.0
    console.print(
        f"{ok} report(s) in {escaped(path_text(output))}/ "
        f"({ok - sum(f.resumed for f in result.files if f.status == 'ok')} analysed now), "
        f"{result.count('not_a_report')} not reports, {result.count('failed')} failed, "
        f"{result.count('skipped')} skipped; "
        f"{result.analysed} file(s) in {result.seconds:.1f} s ({rate:.1f}/s); "
        f"database {escaped(path_text(output / DB_NAME))}"
    )
    if result.interrupted:
        console.print(f"[yellow]interrupted: run again to continue ({result.count('pending')} left)[/yellow]")
        raise typer.Exit(128 + (stopped[0] if stopped else signal.SIGINT))
    if not ok:
        raise typer.Exit(1)


def _review_is_current(output: Path) -> bool:
    """Whether OUTPUT/review holds whole pages of what OUTPUT's database holds now."""
    from nlp.batch.output import REVIEW_FOLDER, REVIEW_MARKER
    from nlp.batch.store import DB_NAME, ResultStore

    pages = output / REVIEW_FOLDER
    if not (pages / "index.html").is_file():
        return False
    store = ResultStore(output / DB_NAME, readonly=True)
    try:
        return store.pages_are_current(pages / REVIEW_MARKER)
    finally:
        store.close()


def _after_batch(output: Path, any_report: bool) -> None:
    """items.csv, and the review pages unless they already show what the database holds."""
    import sqlite3

    from nlp.audit.reviewdb import ReviewError
    from nlp.batch.output import OutputError
    from nlp.batch.store import DB_NAME
    from nlp.read.files import path_text
    from nlp.review.export import write_items_csv
    from nlp.review.terminal import escaped

    try:
        write_items_csv(output / DB_NAME, output / "items.csv")
        if any_report and not _review_is_current(output):
            from nlp.review.pages import write_review  # scikit-learn and all: only when pages are written

            with _working("writing the review pages …"):
                index = write_review(output)
            from rich.console import Console

            Console().print(f"review pages: {escaped(path_text(index))}")
        if any_report:
            from nlp.audit.findings import refresh as refresh_findings

            refresh_findings(output)  # the reviewers' findings and indicators, when the reports changed
    except (sqlite3.Error, ReviewError) as exc:
        raise OutputError(f"{path_text(output)}: cannot write ({exc})") from None
    except OSError as exc:
        raise OutputError(f"{path_text(exc.filename or output)}: cannot write ({exc.strerror})") from None


# ---------------------------------------------------------------- results: report, serve, export, search

OldResultsArgument = Annotated[
    Path | None, typer.Argument(hidden=True, help="Deprecated: the results folder, now -o/--out DIR.")
]


def _results_argument(out: Path, old: Path | None, command: str) -> Path:
    """The results folder of `report` and `serve`, which once took it as an argument."""
    if old is not None:
        _deprecated(f"`xxgk {command} DIR`", f"`xxgk {command} -o DIR`")
        return old
    return out


def _database(output: Path) -> Path:
    from nlp.batch.store import DB_NAME

    database = output / DB_NAME
    if not database.is_file():
        _fail(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    return database


@app.command()
def report(
    old_out: OldResultsArgument = None,
    out: ResultsOption = DEFAULT_RESULTS,
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Folder for the pages (default: DIR/review).", metavar="FOLDER"),
    ] = None,
) -> None:
    """Write the HTML review pages (overview, a page per report, problem list, corpus analyses);
    they open offline in any browser."""
    from nlp.batch.output import OutputError, output_lock
    from nlp.read.files import path_text
    from nlp.review.pages import write_review
    from nlp.review.results import ResultsError
    from nlp.review.terminal import printable

    output = _results_argument(out, old_out, "report")
    try:
        with _working("writing the review pages …"):
            if to is None:  # into the results folder: not while a batch writes there
                with output_lock(output):
                    index = write_review(output)
            else:
                index = write_review(output, to)
    except (ResultsError, OutputError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{path_text(exc.filename or to or output)}: cannot write the review pages ({exc.strerror})")
    typer.echo(f"review pages: {printable(path_text(index))}")


@app.command()
def serve(
    old_out: OldResultsArgument = None,
    out: ResultsOption = DEFAULT_RESULTS,
    host: Annotated[str, typer.Option(help="Address to listen on.", metavar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", metavar="PORT")] = 8001,
) -> None:
    """Browse the results database in Datasette (pip install 'xxgk-nlp[serve]'): Chinese column
    titles, facets, full-text search."""
    from nlp.review.serve import ServeError, run_datasette

    output = _results_argument(out, old_out, "serve")
    try:
        run_datasette(output, host, port)  # returns only when it could not start
    except ServeError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot start Datasette ({exc.strerror})")


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


@app.command()
def export(
    out: ResultsOption = DEFAULT_RESULTS,
    old_out: OldResultsOption = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.csv,
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Folder for the exported files (default: DIR/export).", metavar="FOLDER"),
    ] = None,
) -> None:
    """Export the database: a wide table (one row per report, one column per cell) and the long
    tables, with the file, organ and year on every row."""
    from nlp.batch.store import StoreError
    from nlp.review.export import ExportError, export_tables
    from nlp.review.export import ExportFormat as Formats

    output = _results(out, old_out)
    database = _database(output)
    try:
        written = export_tables(database, to or output / "export", Formats(fmt.value))
    except (ExportError, StoreError) as exc:
        _fail(str(exc))
    for path, rows in written:
        typer.echo(f"{path}  ({rows} rows)")


def _query(value: list[str]) -> list[str]:
    if not " ".join(value).strip():
        raise typer.BadParameter("give the words to find")
    return value


@app.command()
def search(
    words: Annotated[
        list[str],
        typer.Argument(
            help="Words to find (Chinese is segmented with jieba).", callback=_query, metavar="WORDS"
        ),
    ],
    out: ResultsOption = DEFAULT_RESULTS,
    old_out: OldResultsOption = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many paragraphs.", metavar="N")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find the paragraphs that contain every word of the query, in their text or in one of their
    problem and measure items: one hit per paragraph, a snippet with the words marked."""
    from nlp.batch.store import ResultStore, StoreError

    query = " ".join(words)
    database = _database(_results(out, old_out))
    try:
        store = ResultStore(database, readonly=True)
    except StoreError as exc:
        _fail(str(exc))
    try:
        hits = store.search(query, limit)
    finally:
        store.close()
    if as_json:
        for hit in hits:
            sys.stdout.write(json.dumps(hit.as_json(), ensure_ascii=False) + "\n")
        if not hits:
            raise typer.Exit(1)
        return
    if not hits:
        _fail(f"nothing found for '{query}'")
    from rich.console import Console

    from nlp.review.terminal import show_search

    show_search(query, hits, Console())


# ---------------------------------------------------------------- one report: parse, show, compare


@app.command()
def parse(
    file: FileArgument,
    max_file_mb: MaxFileOption = None,
    max_inflated_mb: MaxInflatedOption = None,
    max_pages: MaxPagesOption = None,
) -> None:
    """Print one report's JSON to stdout."""
    from nlp.batch.output import report_json

    report = _analyze_or_exit(file, _limits(max_file_mb, max_inflated_mb, max_pages))
    sys.stdout.write(report_json(report) + "\n")


@app.command()
def show(
    file: FileArgument,
    as_json: JsonOption = False,
    max_file_mb: MaxFileOption = None,
    max_inflated_mb: MaxInflatedOption = None,
    max_pages: MaxPagesOption = None,
) -> None:
    """Show one report for a person: sections, the three tables laid out as the form, failed
    checks, paragraph labels, problems and measures (--json: the report's JSON)."""
    report = _analyze_or_exit(file, _limits(max_file_mb, max_inflated_mb, max_pages))
    if as_json:
        from nlp.batch.output import report_json

        sys.stdout.write(report_json(report) + "\n")
        return
    from rich.console import Console

    from nlp.review.terminal import show_report

    show_report(report, Console())


@app.command()
def compare(
    first: Annotated[Path, typer.Argument(help="A report of one year.", readable=False, metavar="A")],
    second: Annotated[
        Path, typer.Argument(help="The same organ's report of another year.", readable=False, metavar="B")
    ],
    as_json: JsonOption = False,
) -> None:
    """Compare two reports of the same organ: carry-over chain (X1), item counts (X2), documents in
    force (X3) and every table cell that changed."""
    from nlp.checks.compare import compare_reports

    comparison = compare_reports(_analyze_or_exit(first), _analyze_or_exit(second))
    if as_json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
        return
    from rich.console import Console

    from nlp.review.terminal import show_comparison

    show_comparison(comparison, Console())


# ---------------------------------------------------------------- the classifier: train, evaluate, label


def _corpus(paths: list[Path] | None, gold: Path) -> tuple[Corpus, list[str]]:
    """The labelled documents of the given folders (default: corpus/, ../shared/corpus,
    ../shared/realdocs and the reports written for the evaluation, tests/generated/ and
    tests/heldout/) with their gold."""
    from nlp.classify.evaluate import Corpus
    from nlp.classify.gold import documents, load_gold, load_item_gold, load_report_gold

    if not paths:
        defaults = (
            BUNDLED_CORPUS,
            SHARED / "corpus",
            SHARED / "realdocs",
            GENERATED_REPORTS,
            HELDOUT_REPORTS,
        )
        paths = [p for p in defaults if p.exists()]
    skipped: list[str] = []
    with _working(f"reading {', '.join(str(p) for p in paths)} …"):
        docs = documents(paths, skipped)
    labels, items = load_gold(gold), load_item_gold(GOLD_ITEMS)
    for path in paths:
        if path.is_dir() and any(path.glob("*.gold.json")):
            extra_labels, extra_items = load_report_gold(path)
            for key, value in extra_labels.items():
                labels.setdefault(key, []).extend(value)
            items.update(extra_items)
    typer.echo(f"{len(docs)} documents ({sum(d.held_out for d in docs)} held out)", err=True)
    if skipped:
        typer.echo(f"skipped {len(skipped)} file(s) the readers cannot open yet:", err=True)
        for line in skipped:
            typer.echo(f"  {line}", err=True)
    if not docs or not labels:
        _fail("no labelled paragraphs found")
    return Corpus(docs, dict(labels), dict(items)), [os.path.relpath(p.resolve(), ROOT) for p in paths]


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Folders or files of reports and pages.jsonl (default: corpus, ../shared, tests/generated, tests/heldout).",
        metavar="[PATH]...",
    ),
]
GoldOption = Annotated[Path, typer.Option("--gold", help="Folder of gold label files.", metavar="DIR")]
ModelOption = Annotated[Path, typer.Option("--model", help="Model file.", metavar="FILE")]


@app.command()
def train(
    paths: PathsArgument = None,
    gold: GoldOption = GOLD_LABELS,
    model_file: ModelOption = MODEL_PATH,
    old_model: Annotated[
        Path | None, typer.Option("-o", "--output", hidden=True, help="Deprecated spelling of --model.")
    ] = None,
) -> None:
    """Train the paragraph classifier on the development gold (never on the held-out reports); write
    the model and its model card with the cross-validated and the held-out figures."""
    from nlp.batch.output import write_atomic
    from nlp.classify.evaluate import cross_validate, fit_models, held_out, model_card, shuffled_macro_f1
    from nlp.classify.model import save_model

    if old_model is not None:
        _deprecated(
            "`xxgk train -o FILE` (-o is the results folder everywhere else)", "`xxgk train --model FILE`"
        )
        model_file = old_model
    corpus, sources = _corpus(paths, gold)
    development, test = corpus.part(held_out=False), corpus.part(held_out=True)
    with _working("cross-validating: 5 folds, then 3 shuffled fold assignments …"):
        cv = cross_validate(development)
        shuffled = shuffled_macro_f1(development)
    with _working("scoring the held-out reports, training the model …"):
        test_result = held_out(development, test)
        model, _ = fit_models(development)
    save_model(model, model_file)
    card = model_file.parent / "MODEL_CARD.md"
    write_atomic(card, model_card(development, cv, shuffled, test_result, sources))
    typer.echo(f"model written to {model_file}; model card {card}")
    typer.echo(
        f"cross-validation macro-F1 {cv.pipeline.macro_f1:.3f}; held out {test_result.pipeline.macro_f1:.3f}"
    )


@app.command()
def evaluate(
    paths: PathsArgument = None,
    gold: GoldOption = GOLD_LABELS,
    shuffled: Annotated[
        int,
        typer.Option(
            "--shuffled", help="Shuffled report-grouped fold assignments beside the fixed one.", metavar="N"
        ),
    ] = 3,
) -> None:
    """Labels and items: report-grouped cross-validation on the development gold (tuned) and the
    held-out reports (not tuned); per-label precision/recall/F1, baselines, items per kind."""
    from rich.console import Console

    from nlp.classify.evaluate import cross_validate, held_out, shuffled_macro_f1, spread_line
    from nlp.review.terminal import confusion_table, evaluation_table, item_lines

    corpus, _ = _corpus(paths, gold)
    development, test = corpus.part(held_out=False), corpus.part(held_out=True)
    console = Console()
    with _working("cross-validating: 5 folds …"):
        cv = cross_validate(development)
    console.print(
        evaluation_table("cross-validation, development gold (tuned): pipeline = model + label rules", cv)
    )
    console.print(item_lines(cv))
    console.print(confusion_table(cv.pipeline))
    if shuffled > 0:
        with _working(f"{shuffled} shuffled fold assignments …"):
            spread = shuffled_macro_f1(development, shuffled)
        console.print(spread_line(cv.pipeline.macro_f1, spread))
    if test.docs:
        with _working("the held-out reports …"):
            result = held_out(development, test)
        console.print(evaluation_table("held out (not tuned): trained on the development gold", result))
        console.print(item_lines(result))


@app.command()
def label(model_file: ModelOption = MODEL_PATH) -> None:
    """Label JSON lines from stdin ({text, heading?, section?, report?}); add label, confidence, rule
    and items. Text and heading are read in the form the readers give paragraphs (simplified
    characters, no spaces inside words). Consecutive lines with the same `report` are read as one
    report's paragraphs in order, as `analyze` reads them (neighbours, lead-ins, the order of 五); a
    line without one is read alone. A line that is a sign-off (an organ's name, a date) gets no label."""
    from nlp.classify.items import report_items
    from nlp.classify.model import classify, load_model
    from nlp.models import Paragraph
    from nlp.read.normalize import reading_form
    from nlp.structure.sections import is_signoff_line

    if not model_file.is_file():
        _fail(f"{model_file}: no trained model (run `xxgk train`)")
    try:
        model = load_model(model_file)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
    records: list[tuple[dict, Paragraph]] = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            heading = record.get("heading")
            paragraph = Paragraph(
                text=reading_form(record["text"]),
                section=record.get("section"),
                heading=reading_form(heading) if isinstance(heading, str) else heading,
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            _fail(f"stdin line {number}: expected a JSON object with a text ({exc})")
        records.append((record, paragraph))
    for report, run in groupby(records, key=lambda r: r[0].get("report")):
        lines = list(run)
        runs = [lines] if report is not None else [[one] for one in lines]
        for group in runs:
            readable = [(record, p) for record, p in group if not is_signoff_line(p.text)]
            labelled = classify(model, [p for _, p in readable]) if readable else []
            items = report_items(labelled)
            by_record = {
                id(record): (p, [i for i in items if i.paragraph == k])
                for k, ((record, _), p) in enumerate(zip(readable, labelled, strict=True))
            }
            for record, _ in group:
                paragraph, own = by_record.get(id(record), (None, []))
                record.update(
                    label=paragraph.label if paragraph else None,
                    confidence=paragraph.confidence if paragraph else None,
                    rule=paragraph.rule if paragraph else None,
                    items=[{"kind": i.kind, "text": i.text} for i in own],
                )
                if paragraph is None:
                    record["signoff"] = True
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


from nlp.audit import commands as cli_review  # noqa: E402, F401 — registers review, findings, decide, correct, decisions, letters, coverage, indicators

if __name__ == "__main__":
    app()
