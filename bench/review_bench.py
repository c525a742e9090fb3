"""Benchmark of the reviewers' side on a county's worth of reports; prints the figures
docs/review.md quotes.

    python bench/review_bench.py [--units 50] [--years 6] [--jobs N] [--workdir DIR]

The corpus: each of the five bundled township reports renamed into UNITS/5 townships, each
written for YEARS years (section 五 unchanged from year to year, so B1 fires; carry-over rows
as printed, so X1 holds or not as the seed's numbers do). It is analysed with `xxgk analyze`,
then timed: deriving the findings and indicators, the review pages beside it, the list page and
a finding's page of `xxgk review`, a decision, the letters of every unit with all findings
confirmed, and the start-up of `xxgk decide` and `xxgk findings`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {
    "changfu-town_2020.txt": "昌傅镇",
    "daoshi-town_2020.txt": "岛石镇",
    "huyuan-township_2020.txt": "湖源乡",
    "shijiang-township_2020.txt": "石江乡",
    "zaoling-township_2020.txt": "枣岭乡",
}
_NAMES = "东西南北中上下前后新"


def build(folder: Path, units: int, years: int) -> int:
    count = 0
    for n in range(units):
        seed, place = list(SEEDS.items())[n % len(SEEDS)]
        text = (ROOT / "corpus" / seed).read_text(encoding="utf-8")
        renamed = _NAMES[n // len(_NAMES) % len(_NAMES)] + _NAMES[n % len(_NAMES)] + place[-1]
        for year in range(2019, 2019 + years):
            body = re.sub(place[:-1] + "[乡镇]", renamed, text).replace("2020", str(year))
            path = folder / renamed / f"{renamed}_{year}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            count += 1
    return count


def timed(label: str, fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def command(*arguments: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nlp", *arguments], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    work = options.workdir or Path(tempfile.mkdtemp(prefix="xxgk-review-bench-"))
    corpus, out = work / "corpus", work / "out"
    files = build(corpus, options.units, options.years)
    print(f"{files} reports ({options.units} units × {options.years} years) in {corpus}")
    seconds = command("analyze", str(corpus), "-o", str(out), "--jobs", str(options.jobs))
    print(f"xxgk analyze (review pages and findings included): {seconds:.1f} s")

    import nlp.review.analytics  # noqa: F401 — loaded before timing, as in the writer after its pages
    from nlp.audit.decisions import DecisionStore
    from nlp.audit.findings import derive, listed, refresh
    from nlp.audit.letters import write_letters
    from nlp.audit.reviewdb import connect
    from nlp.batch.store import DB_NAME, ResultStore
    from nlp.review.pages import write_review

    derived = timed("derive findings and indicators", derive, out)
    timed("write the review pages (for comparison)", write_review, out, work / "pages")
    print("findings by kind:", dict(Counter(f.kind for f in derived.findings)), f"({len(derived.findings)})")
    print(f"indicator values: {len(derived.indicators)} per report, {len(derived.districts)} per district")
    timed("refresh when nothing changed", refresh, out)

    import warnings

    warnings.filterwarnings("ignore", "Using `httpx`")
    from starlette.testclient import TestClient

    from nlp.audit.webapp import create_app

    client = TestClient(create_app(out, "bench"), base_url="http://127.0.0.1")
    client.get("/")
    page = timed("list page of all findings", client.get, "/")
    first = re.search(r'href="/finding/([0-9a-f]{12})', page.text).group(1)
    timed("a finding's page", client.get, f"/finding/{first}")
    timed(
        "a decision (post and redirect)",
        lambda: client.post(f"/finding/{first}/decide", data={"action": "confirmed"}),
    )

    with closing(connect(out)) as db:
        store = DecisionStore(db)
        for finding, _ in listed(db):
            store.decide(finding.id, finding.identity, "confirmed", "bench")
        with closing(ResultStore(out / DB_NAME, readonly=True)) as results:
            letters, written = timed(
                "letters of every unit, all findings confirmed", write_letters, db, results, work / "letters"
            )
    print(f"{len(letters)} letters and the workbook: {len(written)} files")
    print(f"`xxgk findings --json` wall time: {command('findings', '-o', str(out), '--json'):.2f} s")
    print(
        f"`xxgk decide ID --confirm` wall time: {command('decide', first, '--confirm', '-o', str(out)):.2f} s"
    )
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
