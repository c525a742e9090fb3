"""Command line: `xxgk analyze`, `parse FILE`, `show FILE`; the classifier's `train`, `evaluate`, `label`."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nlp.classify import MODEL_PATH, classify, load_model, make_classifier, paragraph_rows, save_model
from nlp.compare import compare_reports
from nlp.errors import InputError
from nlp.evaluate import MIN_EXAMPLES, cross_validate, model_card
from nlp.gold import LabelledParagraph, documents, labelled_paragraphs, load_gold
from nlp.ingest import supported_suffixes
from nlp.items import paragraph_items
from nlp.models import Paragraph, Report
from nlp.output import output_name, report_json, write_atomic
from nlp.pipeline import analyze_file
from nlp.terminal import show_comparison, show_report, summary_table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Read government information-disclosure annual reports into verified data.",
)
ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"
GOLD_LABELS = BUNDLED_CORPUS / "labels"
SHARED = ROOT.parent / "shared"


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
                and GOLD_LABELS not in p.resolve().parents  # gold label files are not reports
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
    write_atomic(output / "items.csv", items_csv(reports))
    console.print(summary_table(reports, failures))
    console.print(f"{len(reports)} report(s) written to {output}/, {len(failures)} failed")
    if not reports:
        raise typer.Exit(1)


def items_csv(reports: list[Report]) -> str:
    """Every problem and measure item of a batch, one row each, for review."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["report", "organ", "year", "kind", "text"])
    for report in reports:
        for item in report.items:
            writer.writerow(
                [report.source.path, report.meta.organ or "", report.meta.year or "", item.kind, item.text]
            )
    return buffer.getvalue()


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


def _training_data(paths: list[Path] | None, gold: Path) -> tuple[list[LabelledParagraph], list[str]]:
    """Labelled paragraphs of the given folders (default: corpus/, ../shared/corpus, ../shared/realdocs)."""
    if not paths:
        paths = [p for p in (BUNDLED_CORPUS, SHARED / "corpus", SHARED / "realdocs") if p.exists()]
    skipped: list[str] = []
    docs = documents(paths, skipped)
    data = labelled_paragraphs(docs, load_gold(gold))
    typer.echo(f"{len(docs)} documents from {', '.join(str(p) for p in paths)}", err=True)
    if skipped:
        typer.echo(f"skipped {len(skipped)} file(s) the readers cannot open yet:", err=True)
        for line in skipped:
            typer.echo(f"  {line}", err=True)
    if not data:
        _fail("no labelled paragraphs found")
    return data, [os.path.relpath(p.resolve(), ROOT) for p in paths]


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Folders or files of reports and pages.jsonl (default: corpus and ../shared)."),
]
GoldOption = Annotated[Path, typer.Option("--gold", help="Folder of gold label files.")]


@app.command()
def train(
    paths: PathsArgument = None,
    gold: GoldOption = GOLD_LABELS,
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file.")] = MODEL_PATH,
) -> None:
    """Train the paragraph classifier on gold and weak labels; write the model and its model card."""
    data, sources = _training_data(paths, gold)
    evaluations = cross_validate(data)
    rows = paragraph_rows([{"text": d.text, "section": d.section, "heading": d.heading} for d in data])
    model = make_classifier().fit(rows, [d.label for d in data])
    save_model(model, output)
    card = output.parent / "MODEL_CARD.md"
    write_atomic(card, model_card(data, evaluations, sources))
    typer.echo(f"model written to {output} ({len(data)} paragraphs); model card {card}")
    typer.echo(", ".join(f"{e.name} macro-F1 {e.macro_f1:.3f}" for e in evaluations))


@app.command()
def evaluate(paths: PathsArgument = None, gold: GoldOption = GOLD_LABELS) -> None:
    """Report-grouped cross-validation: per-label precision/recall/F1, baselines, confusion matrix."""
    data, _ = _training_data(paths, gold)
    evaluations = cross_validate(data)
    ours = evaluations[0]
    console = Console()
    scores = Table(title="per-label scores (report-grouped 5-fold cross-validation, gold paragraphs)")
    for name in ("label", "support", "precision", "recall", "F1", *(f"F1 {e.name}" for e in evaluations[1:])):
        scores.add_column(name, justify="left" if name == "label" else "right")
    others = [{s.label: s.f1 for s in e.scores} for e in evaluations[1:]]
    for s in ours.scores:
        row = [s.label, str(s.support), f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}"]
        scores.add_row(*row, *(f"{o[s.label]:.2f}" for o in others))
    macro = [f"{e.macro_f1:.3f}" for e in evaluations]
    scores.add_row(f"macro-F1 (≥{MIN_EXAMPLES} examples)", "", "", "", *macro, style="bold")
    console.print(scores)
    confusion = Table(title="confusion matrix of the classifier (rows gold, columns predicted)")
    confusion.add_column("")
    for name in ours.labels:
        confusion.add_column(name[:6], justify="right")
    for name, row in zip(ours.labels, ours.confusion, strict=True):
        confusion.add_row(name, *(str(int(v)) if v else "·" for v in row))
    console.print(confusion)


@app.command()
def label(
    model_file: Annotated[Path, typer.Option("--model", help="Model file.")] = MODEL_PATH,
) -> None:
    """Label JSON lines from stdin ({text, heading?, section?}); add label, confidence and items."""
    if not model_file.is_file():
        _fail(f"{model_file}: no trained model (run `xxgk train`)")
    model = load_model(model_file)
    records: list[tuple[dict, Paragraph]] = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            paragraph = Paragraph(
                text=record["text"], section=record.get("section"), heading=record.get("heading")
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            _fail(f"stdin line {number}: expected a JSON object with a text ({exc})")
        records.append((record, paragraph))
    labelled = classify(model, [p for _, p in records])
    for index, ((record, _), paragraph) in enumerate(zip(records, labelled, strict=True)):
        items = paragraph_items(model, paragraph, index)
        record.update(
            label=paragraph.label,
            confidence=paragraph.confidence,
            items=[{"kind": i.kind, "text": i.text} for i in items],
        )
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    app()
