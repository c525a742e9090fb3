"""Paragraphs classified per second on one core, with the shipped model, on real paragraphs.

    python bench/classify_speed.py

Pins BLAS/OpenMP to one thread and the process to one CPU (Linux), loads the model (timed),
warms jieba up, then labels the narrative paragraphs of the bundled corpus and of
../shared/corpus/pages.jsonl (when present) several times over, each read with its neighbours in
its report: all in one call (the throughput of the model), and report by report as `analyze`
calls it (the NumPy scorer of nlp.classify.scorer: no fixed cost per call to speak of).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from nlp.classify.chinese import clear_segmentation_cache  # noqa: E402
from nlp.classify.gold import documents  # noqa: E402
from nlp.classify.model import classify, load_model  # noqa: E402
from nlp.structure.sections import neighbour_texts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


def main() -> None:
    started = time.perf_counter()
    model = load_model()
    loaded = time.perf_counter() - started
    sources = [p for p in (ROOT / "corpus", ROOT.parent / "shared" / "corpus") if p.exists()]
    reports = [doc.paragraphs for doc in documents(sources, []) if doc.paragraphs]
    paragraphs = [p for report in reports for p in report]
    context = [c for report in reports for c in neighbour_texts(report)]
    classify(model, paragraphs[:10])  # jieba loads its dictionary on first use
    in_one_call = _timed(lambda: classify(model, paragraphs, context))
    by_report = _timed(lambda: [classify(model, report) for report in reports])
    count = ROUNDS * len(paragraphs)
    chars = sum(len(p.text) for p in paragraphs) / len(paragraphs)
    print(f"model load: {loaded:.2f} s")
    print(f"{count} paragraphs (mean {chars:.0f} characters) in {in_one_call:.2f} s on one core")
    print(f"{count / in_one_call:,.0f} paragraphs/s")
    print(
        f"report by report ({len(paragraphs) / len(reports):.1f} paragraphs each): "
        f"{count / by_report:,.0f} paragraphs/s"
    )


def _timed(run: Callable[[], object]) -> float:
    """Seconds for ROUNDS runs, each segmenting its paragraphs afresh as a new report does."""
    elapsed = 0.0
    for _ in range(ROUNDS):
        clear_segmentation_cache()
        started = time.perf_counter()
        run()
        elapsed += time.perf_counter() - started
    return elapsed


if __name__ == "__main__":
    main()
