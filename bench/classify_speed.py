"""Paragraphs classified per second on one core, with the shipped model, on real paragraphs.

    python bench/classify_speed.py

Pins BLAS/OpenMP to one thread and the process to one CPU (Linux), loads the model (timed),
warms jieba up, then labels the narrative paragraphs of the bundled corpus and of
../shared/corpus/pages.jsonl (when present) several times over.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nlp.chinese import clear_segmentation_cache  # noqa: E402
from nlp.classify import classify, load_model  # noqa: E402
from nlp.gold import documents  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


def main() -> None:
    started = time.perf_counter()
    model = load_model()
    loaded = time.perf_counter() - started
    sources = [p for p in (ROOT / "corpus", ROOT.parent / "shared" / "corpus") if p.exists()]
    paragraphs = [p for doc in documents(sources, []) for p in doc.paragraphs]
    classify(model, paragraphs[:10])  # jieba loads its dictionary on first use
    elapsed = 0.0
    for _ in range(ROUNDS):
        clear_segmentation_cache()  # every round segments its paragraphs afresh, as a new report does
        started = time.perf_counter()
        classify(model, paragraphs)
        elapsed += time.perf_counter() - started
    count = ROUNDS * len(paragraphs)
    chars = sum(len(p.text) for p in paragraphs) / len(paragraphs)
    print(f"model load: {loaded:.2f} s")
    print(f"{count} paragraphs (mean {chars:.0f} characters) in {elapsed:.2f} s on one core")
    print(f"{count / elapsed:,.0f} paragraphs/s")


if __name__ == "__main__":
    main()
