"""Benchmark of `xxgk analyze` on a generated corpus; prints every figure the README quotes.

    python bench/run.py [--reports 2000] [--jobs N] [--workdir DIR]

The corpus is built from the bundled corpus/ and ../shared/realdocs: copies under varied names
in nested folders, with a few numbers changed in each text so that every copy is a different
file (PDFs get a trailing comment instead). Needs psutil (pip install -e ".[bench]").
"""

from __future__ import annotations

import argparse
import io
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import closing, suppress
from pathlib import Path

import psutil

from nlp.batch.pipeline import analyze_file
from nlp.batch.runner import LocalEngine, Task, analyze_task, collect_inputs, run_batch
from nlp.batch.store import DB_NAME
from nlp.classify.chinese import clear_segmentation_cache
from nlp.classify.segment import load_dictionary
from nlp.read.document import READERS, supported_suffixes
from nlp.read.text import decode_text

ROOT = Path(__file__).resolve().parent.parent
REALDOCS = ROOT.parent / "shared" / "realdocs"
PLACES = ["hubei/xianning", "fujian/sanming", "shandong/weifang", "zhejiang/taizhou", "jiangsu/huaian"]
_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")


# ---------------------------------------------------------------- the corpus


def source_documents() -> list[Path]:
    """Every report document available: the bundled corpus and the shared real documents."""
    found = sorted(ROOT.glob("corpus/*.txt"))
    if REALDOCS.is_dir():
        found += sorted(p for p in REALDOCS.iterdir() if p.is_file() and p.name != "MANIFEST.md")
    return found


def _perturb_text(text: str, rng: random.Random) -> str:
    """Change up to three numbers by one, as the same form filled in by another office."""
    matches = list(_NUMBER.finditer(text))
    chosen = sorted(rng.sample(matches, min(3, len(matches))), key=lambda m: m.start(), reverse=True)
    for m in chosen:
        text = text[: m.start()] + str(int(m.group()) + 1) + text[m.end() :]
    return text


def _copy_bytes(source: Path, rng: random.Random, serial: int) -> bytes:
    data = source.read_bytes()
    suffix = source.suffix.lower()
    if suffix == ".pdf":
        return data + f"\n% xxgk bench copy {serial}\n".encode()
    if suffix == ".docx":
        return _perturb_docx(source, rng)
    if suffix in (".html", ".htm"):
        return _perturb_markup(data.decode("utf-8"), rng).encode()
    text, _ = decode_text(data, str(source))
    return _perturb_text(text, rng).encode("utf-8") + b"\n" * (serial % 5)


def _perturb_markup(markup: str, rng: random.Random) -> str:
    """Change numbers in the text between tags only, never in tag attributes."""
    return re.sub(r">([^<]+)<", lambda m: ">" + _perturb_text(m.group(1), rng) + "<", markup)


def _perturb_docx(source: Path, rng: random.Random) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = _perturb_markup(data.decode("utf-8"), rng).encode("utf-8")
            zout.writestr(item, data)
    return out.getvalue()


def build_corpus(folder: Path, count: int, sources: list[Path]) -> dict[str, int]:
    """`count` distinct files cycling through the sources; returns files per suffix."""
    rng = random.Random(2024)
    per_suffix: dict[str, int] = {}
    seen: set[bytes] = set()
    for serial in range(count):
        source = sources[serial % len(sources)]
        data = _copy_bytes(source, rng, serial)
        while data in seen:
            data += b"\n"
        seen.add(data)
        place = PLACES[serial % len(PLACES)]
        path = folder / place / f"{2019 + serial % 6}" / f"{source.stem}-{serial:05d}{source.suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        per_suffix[source.suffix.lower()] = per_suffix.get(source.suffix.lower(), 0) + 1
    return per_suffix


# ---------------------------------------------------------------- measuring a run


class PeakMemory:
    """Peak memory of a process and all its descendants, sampled every 20 ms: the sum of RSS
    (counts pages the workers share with the forkserver once per process) and the sum of PSS
    (shares them out: the memory the run really occupies)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak_total = 0
        self.peak_pss = 0
        self.peak_parent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                info = self.root.memory_full_info()
                parent, total, pss = info.rss, info.rss, info.pss
                for child in self.root.children(recursive=True):
                    with suppress(psutil.NoSuchProcess):
                        child_info = child.memory_full_info()
                        total += child_info.rss
                        pss += child_info.pss
            except psutil.NoSuchProcess:
                return
            self.peak_parent = max(self.peak_parent, parent)
            self.peak_total = max(self.peak_total, total)
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def analyze_run(corpus: Path, out: Path, jobs: int) -> tuple[float, PeakMemory]:
    """`xxgk analyze` as a user runs it; wall time and peak memory of the whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "nlp", "analyze", str(corpus), "-o", str(out), "--jobs", str(jobs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"xxgk analyze failed ({process.returncode}): {stderr}")
    return time.perf_counter() - started, memory


def per_format(out: Path) -> list[tuple[str, int, float, int]]:
    """(format, reports, worker seconds, pages) from the database."""
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        return db.execute(
            "SELECT format, COUNT(*), SUM(seconds), COALESCE(SUM(pages), 0) FROM reports GROUP BY format"
        ).fetchall()


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


# ---------------------------------------------------------------- comparisons


def naive_pdfplumber(path: Path) -> None:
    """What a script without this pipeline does: every page's text and tables."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def best_of(repeat: int, fn, *args) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def pdf_comparison(out: Path) -> None:
    pdfs = sorted(REALDOCS.glob("*.pdf"))
    if ".pdf" not in READERS:
        print("PDF vs naive pdfplumber: skipped — no PDF reader in nlp.read in this branch")
        return
    pipeline = sum(best_of(3, analyze_file, p) for p in pdfs)
    naive = sum(best_of(3, naive_pdfplumber, p) for p in pdfs)
    pages = sum(analyze_file(p).source.pages or 0 for p in pdfs)
    print(
        f"PDF ({len(pdfs)} files, {pages} pages): pipeline {pipeline:.2f} s "
        f"({pages / pipeline:.1f} pages/s), naive pdfplumber {naive:.2f} s ({pages / naive:.1f} pages/s): "
        f"{naive / pipeline:.2f}x the baseline"
    )
    same = True
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        for pdf in pdfs:
            expected = {k: (c.value, c.status) for k, c in analyze_file(pdf).cells.items()}
            copies = db.execute(
                "SELECT id FROM reports WHERE format = 'pdf' AND path LIKE ?", (f"%{pdf.stem}-%",)
            ).fetchall()
            for (report,) in copies:
                cells = db.execute("SELECT key, value, status FROM cells WHERE report = ?", (report,))
                same &= {k: (v, s) for k, v, s in cells} == expected
    print(f"  cells of every PDF copy in the batch = the single-file pipeline's: {'yes' if same else 'NO'}")


def _afresh(path: Path) -> None:
    """The pipeline on one file with nothing segmented yet, as jieba alone starts from nothing."""
    clear_segmentation_cache()
    analyze_file(path)


def text_vs_jieba(sources: list[Path]) -> None:
    """The pipeline against jieba segmentation of the same text alone (both warm)."""
    import jieba

    load_dictionary()
    jieba.initialize()  # plain jieba, the reference, loads its own dictionary before the timing
    texts = [p for p in sources if p.suffix.lower() in (".txt", ".md")]
    analysed = []
    for p in texts:
        try:
            analyze_file(p)
            analysed.append(p)
        except Exception:  # non-reports are not part of this comparison
            continue
    decoded = [decode_text(p.read_bytes(), str(p))[0] for p in analysed]
    pipeline = sum(best_of(5, _afresh, p) for p in analysed)
    with_index = sum(best_of(5, analyze_task, Task(str(p), str(p), "")) for p in analysed)
    segmentation = sum(best_of(5, jieba.lcut, t) for t in decoded)
    chars = sum(len(t) for t in decoded)
    print(
        f"text reports ({len(analysed)} files, {chars} characters): pipeline {pipeline * 1000:.1f} ms, "
        f"jieba alone {segmentation * 1000:.1f} ms: {pipeline / segmentation:.2f}x jieba; "
        f"with the worker's full-text words and JSON {with_index * 1000:.1f} ms "
        f"({with_index / segmentation:.2f}x)"
    )


def resume_timing(corpus: Path, out: Path, reports: int) -> None:
    files, _ = collect_inputs([corpus])
    started = time.perf_counter()
    result = run_batch(files, out, LocalEngine(jobs=1, timeout=600))
    seconds = time.perf_counter() - started
    assert result.analysed == 0, "the resumed run analysed files again"
    wall, _ = analyze_run(corpus, out, 1)
    print(
        f"resumed run over {reports} finished files: {seconds:.2f} s in the batch "
        f"({seconds / reports * 1000:.2f} s per 1,000), {wall:.2f} s for the whole command"
    )


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=psutil.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="xxgk-bench-"))
    shutil.rmtree(work / "corpus", ignore_errors=True)
    sources = [p for p in source_documents() if p.suffix.lower() in supported_suffixes()]
    skipped = sorted({p.suffix.lower() for p in source_documents()} - set(supported_suffixes()))
    print(f"machine: {psutil.cpu_count()} cores, Python {sys.version.split()[0]}; work folder {work}")
    if skipped:
        print(f"formats without a reader in this branch, left out: {', '.join(skipped)}")

    quarter = work / "corpus-quarter"
    shutil.rmtree(quarter, ignore_errors=True)
    build_corpus(quarter, args.reports // 4, sources)
    built = build_corpus(work / "corpus", args.reports, sources)
    print(f"corpus: {args.reports} files from {len(sources)} documents: {built}")

    for folder in ("out", "out-quarter", "out-1", "out-2"):
        shutil.rmtree(work / folder, ignore_errors=True)
    wall, memory = analyze_run(work / "corpus", work / "out", args.jobs)
    _, quarter_memory = analyze_run(quarter, work / "out-quarter", args.jobs)
    with closing(sqlite3.connect(work / "out" / DB_NAME)) as db:
        stored = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        not_reports = db.execute("SELECT COUNT(*) FROM errors WHERE status = 'not_a_report'").fetchone()[0]
        failed = db.execute("SELECT COUNT(*) FROM errors WHERE status = 'failed'").fetchone()[0]
    print(
        f"\nfull run, {args.jobs} workers: {args.reports} files in {wall:.1f} s = "
        f"{args.reports / wall:.1f} files/s ({stored} reports, {not_reports} not reports, {failed} failed)"
    )
    print("per format (worker time, i.e. one worker's throughput):")
    for fmt, count, seconds, pages in per_format(work / "out"):
        page_rate = f", {pages / seconds:.1f} pages/s" if pages else ""
        print(f"  {fmt:5} {count:6} reports  {count / seconds:7.1f} reports/s{page_rate}")
    print(
        f"peak RSS, whole process tree: {mb(memory.peak_total)} at {args.reports} files "
        f"(parent {mb(memory.peak_parent)}); {mb(quarter_memory.peak_total)} at {args.reports // 4} files "
        f"(parent {mb(quarter_memory.peak_parent)})"
    )
    print(
        f"peak PSS, whole process tree (shared pages counted once): {mb(memory.peak_pss)} at "
        f"{args.reports} files; {mb(quarter_memory.peak_pss)} at {args.reports // 4} files"
    )

    one, _ = analyze_run(work / "corpus", work / "out-1", 1)
    two, _ = analyze_run(work / "corpus", work / "out-2", 2)
    print(f"1 → 2 workers on {args.reports} files: {one:.1f} s → {two:.1f} s, speed-up {one / two:.2f}x")

    resume_timing(work / "corpus", work / "out", args.reports)
    print()
    text_vs_jieba(sources)
    pdf_comparison(work / "out")
    print(f"\nper-file worker seconds, median: {statistics.median(_seconds(work / 'out')) * 1000:.1f} ms")


def _seconds(out: Path) -> list[float]:
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        return [s for (s,) in db.execute("SELECT seconds FROM reports")]


if __name__ == "__main__":
    main()
