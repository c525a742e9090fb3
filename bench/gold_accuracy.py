"""Cells read right against the hand-read gold files, per document.

usage: python bench/gold_accuracy.py   (needs ../shared beside the repository)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.batch.pipeline import analyze_file

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def main() -> int:
    total_right = total_cells = total_wrong = 0
    print(f"{'document':40} {'right':>7} {'cells':>6} {'wrong number':>13} {'checks':>7}")
    for path in sorted((ROOT / "tests" / "gold").glob("*/*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        source = ROOT / gold["file"] if gold["file"].startswith("corpus/") else SHARED / gold["file"]
        report = analyze_file(source)
        right = wrong = 0
        for key, expected in gold["cells"].items():
            cell = report.cells[key]
            unit = expected[2] if len(expected) > 2 else None
            if [cell.value, cell.status, cell.unit] == [expected[0], expected[1], unit]:
                right += 1
            elif cell.value is not None and cell.value != expected[0]:
                wrong += 1
        failed = sorted(c.id for c in report.checks if c.status == "fail")
        checks_ok = "ok" if failed == sorted(gold["checks_failed"]) else "DIFF"
        print(f"{path.stem:40} {right:7} {len(gold['cells']):6} {wrong:13} {checks_ok:>7}")
        total_right += right
        total_cells += len(gold["cells"])
        total_wrong += wrong
    print(f"{'all':40} {total_right:7} {total_cells:6} {total_wrong:13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
