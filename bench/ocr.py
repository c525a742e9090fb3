"""Scanned reports: accuracy and speed of the OCR path on scans of documents whose truth we have.

Each real PDF of ../shared/realdocs (and the HTML report printed to PDF by Chromium, a v2019
table laid out by a browser) is printed-and-scanned by tests/scanmaker.py at several
resolutions and degradations, wrapped as an image-only PDF, and analysed. Figures per scan:

- cells right: value and status equal to the hand-read gold (tests/gold/realdocs);
- certain but wrong: cells marked `ocr.certain` whose value is not the gold's (must be 0);
- alternative fits: cells the identities flagged with a suggested reading, and how many of
  those suggestions are the gold value;
- sections / items: section titles as the gold, problem/measure items as on the original
  (the same text but for spaces and punctuation width);
- text: share of the original's paragraph characters the scan's paragraphs match;
- s/page: CPU seconds of reading per page on one core (onnxruntime and OpenCV on one thread).

    python bench/ocr.py                      # all documents, all settings, the chosen engine
    python bench/ocr.py --engine tesseract   # the same with Tesseract
    python bench/ocr.py --quick              # 300 dpi mild and 150 dpi harsh only
    python bench/ocr.py --quick --seeds 3    # three scans of each (other stamp place, noise)
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scanmaker import Degradation, scan_pdf  # noqa: E402

SHARED = ROOT.parent / "shared" / "realdocs"
GOLD = ROOT / "tests" / "gold" / "realdocs"
MILD = Degradation(skew=0.8, blur=0.5, noise=6.0, jpeg=85, stamp=True)
HARSH = Degradation(skew=2.5, blur=0.9, noise=12.0, jpeg=70, stamp=True)
SETTINGS = [
    ("300 dpi, clean", 300, Degradation()),
    ("300 dpi, mild (0.8°, stamp, JPEG 85)", 300, MILD),
    ("300 dpi, harsh (2.5°, blur, noise, stamp, JPEG 70)", 300, HARSH),
    ("200 dpi, harsh", 200, HARSH),
    ("150 dpi, harsh", 150, HARSH),
    ("150 dpi, harsh, −3.5°", 150, Degradation(skew=-3.5, blur=0.9, noise=12.0, jpeg=70, stamp=True)),
]
QUICK = [1, 4]


@dataclass
class Outcome:
    doc: str
    setting: str
    pages: int
    cells: int
    right: int
    certain_wrong: list[str]
    fits: int
    fits_gold: int
    questioned: int
    sections_ok: bool
    items_same: int
    items_original: int
    text_match: float
    seconds_per_page: float


def _print_html_to_pdf(html: Path, out: Path) -> Path | None:
    chromium = next(
        (
            c
            for c in ("chromium", "chromium-browser")
            if subprocess.run(["which", c], capture_output=True).returncode == 0
        ),
        None,
    )
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                html.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
    return out if out.exists() and out.stat().st_size > 0 else None


def documents(work: Path) -> list[tuple[str, Path, Path]]:
    """(name, the PDF to scan, the original whose items the scan's are compared with)."""
    docs = [(p.stem, p, p) for p in sorted(SHARED.glob("*.pdf"))]
    html = SHARED / "shanghai_gov_office_2019.html"
    page = work / "shanghai_gov_office_2019.html"
    if html.exists():
        # The page body as the report's own page would show it: UTF-8, the tables ruled.
        page.write_text(
            '<html><head><meta charset="utf-8"><style>table{border-collapse:collapse}'
            "td,th{border:1px solid #000;padding:2px 4px}body{font-size:15px}</style></head><body>"
            + html.read_text(encoding="utf-8")
            + "</body></html>",
            encoding="utf-8",
        )
        printed = _print_html_to_pdf(page, work / "shanghai_gov_office_2019.pdf")
        if printed is not None:
            docs.append(("shanghai_gov_office_2019", printed, html))
    return docs


def _paragraph_text(report) -> str:
    return re.sub(r"\s+", "", "".join(p.text for p in report.paragraphs))


def _text_match(original: str, scanned: str) -> float:
    matcher = difflib.SequenceMatcher(None, original, scanned, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) / max(1, len(original))


def measure(
    name: str,
    source: Path,
    original_file: Path,
    setting: str,
    dpi: int,
    how: Degradation,
    work: Path,
    seed: int = 17,
) -> Outcome:
    from nlp.batch.pipeline import analyze_document, analyze_file
    from nlp.read.document import read_document

    gold = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    original = analyze_file(original_file)
    scan = work / f"{name}.{dpi}.pdf"
    scan.write_bytes(scan_pdf(source, dpi, how, seed=seed))
    start = time.process_time()
    doc = read_document(scan)
    read_seconds = time.process_time() - start
    report = analyze_document(doc)
    right, certain_wrong, fits, fits_gold, questioned = 0, [], 0, 0, 0
    for key, (value, status, *_unit) in gold["cells"].items():
        cell = report.cells.get(key)
        ok = cell is not None and cell.value == value and cell.status == status
        right += ok
        if cell is not None and cell.ocr is not None:
            if cell.ocr.certain and cell.value != value:
                certain_wrong.append(f"{key}: {cell.raw!r} (gold {value})")
            if cell.ocr.verdict == "alternative_fits":
                fits += 1
                fits_gold += cell.ocr.suggested is not None and _num(cell.ocr.suggested) == value
            questioned += cell.ocr.verdict == "questioned"
    titles = {s.key: s.title for s in report.sections}
    sections_ok = all(titles.get(k) == v for k, v in gold["sections"].items() if v)
    # Same item: the same text but for spaces and the width of punctuation, which the
    # engine cannot see and the originals mix ("措施，严格…程序,继续").
    original_items = [(i.kind, _plain(i.text)) for i in original.items]
    scanned_items = {(i.kind, _plain(i.text)) for i in report.items}
    same = sum(1 for item in original_items if item in scanned_items)
    return Outcome(
        name,
        setting,
        doc.pages or 0,
        len(gold["cells"]),
        right,
        certain_wrong,
        fits,
        fits_gold,
        questioned,
        sections_ok,
        same,
        len(original_items),
        _text_match(_paragraph_text(original), _paragraph_text(report)),
        read_seconds / max(1, doc.pages or 1),
    )


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _num(text: str) -> float | int | None:
    from nlp.tables.cells import parse_cell

    return parse_cell(text).value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", default="rapidocr", choices=["rapidocr", "tesseract"])
    parser.add_argument("--quick", action="store_true", help="two settings only")
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    parser.add_argument(
        "--seeds", type=int, default=1, help="scans per document and setting (other stamps, noise)"
    )
    args = parser.parse_args()
    os.environ["XXGK_OCR_ENGINE"] = args.engine
    import cv2

    cv2.setNumThreads(1)
    settings = [SETTINGS[i] for i in QUICK] if args.quick else SETTINGS
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docs = documents(work)
        for setting, dpi, how in settings:
            for name, source, original in [d for d in docs for _ in range(args.seeds)]:
                seed = 17 + sum(1 for o in outcomes if o.doc == name and o.setting == setting)
                o = measure(name, source, original, setting, dpi, how, work, seed)
                outcomes.append(o)
                print(
                    f"{setting:52} {name:26} cells {o.right}/{o.cells} ({100 * o.right / o.cells:.1f} %)"
                    f"  certain-wrong {len(o.certain_wrong)}  fits {o.fits_gold}/{o.fits}  questioned {o.questioned}"
                    f"  sections {'ok' if o.sections_ok else 'DIFFER'}  items {o.items_same}/{o.items_original}"
                    f"  text {100 * o.text_match:.1f} %  {o.seconds_per_page:.2f} s/page",
                    flush=True,
                )
                for wrong in o.certain_wrong:
                    print(f"    certain but wrong: {wrong}")
    print(f"\nengine: {args.engine}")
    for setting, _dpi, _how in settings:
        rows = [o for o in outcomes if o.setting == setting]
        cells = sum(o.cells for o in rows)
        right = sum(o.right for o in rows)
        pages = sum(o.pages for o in rows)
        secs = sum(o.seconds_per_page * o.pages for o in rows) / max(1, pages)
        print(
            f"{setting:52} cells right {right}/{cells} = {100 * right / cells:.2f} %, certain-wrong "
            f"{sum(len(o.certain_wrong) for o in rows)}, alternative fits {sum(o.fits for o in rows)} "
            f"({sum(o.fits_gold for o in rows)} the gold), sections {sum(o.sections_ok for o in rows)}/{len(rows)}, "
            f"items {sum(o.items_same for o in rows)}/{sum(o.items_original for o in rows)}, "
            f"text {100 * sum(o.text_match for o in rows) / len(rows):.2f} %, {secs:.2f} s/page over {pages} pages"
        )
    if args.json:
        args.json.write_text(
            json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False, indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
