"""Inputs of the reviewers' tests: copies of an analysed folder, and reports written from a bundled
one — next year's report of the same township (its 上年结转 breaking the carry-over chain, its
section 五 copied word for word), one without section 四 and its table, one with blank tables."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "changfu-town_2020.txt"  # 昌傅镇人民政府 2020, tables filled


def copy_results(source: Path, target: Path) -> Path:
    """A copy of an output folder (database, JSON, review pages) to decide and correct in."""
    shutil.copytree(source, target)
    (target / ".xxgk.lock").unlink(missing_ok=True)
    return target


def next_year_report(folder: Path) -> Path:
    """昌傅镇's 2021 report: the 2020 text, a year later, with one request carried over from
    2020 (whose report carried none forward: X1 fails) and section 五 unchanged (B1)."""
    text = SEED.read_text(encoding="utf-8").replace("2020", "2021")
    text = re.sub(
        r"(二、上年结转政府信息公开申请数量\n)\t[^\n]*\n((?:\t[^\n]*\n){5})\t[^\n]*\n",
        lambda m: m.group(1) + "\t1\n" + m.group(2) + "\t1\n",
        text,
    )
    path = folder / "changfu-town_2021.txt"
    path.write_text(text, encoding="utf-8")
    return path


def report_without_section_four(folder: Path, organ: str = "湖口镇") -> Path:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start, end = (
        lines.index("四、政府信息公开行政复议、行政诉讼情况"),
        lines.index("五、存在的主要问题及改进情况"),
    )
    path = folder / "hukou-town_2020.txt"
    path.write_text("\n".join(lines[:start] + lines[end:]).replace("昌傅镇", organ), encoding="utf-8")
    return path


def report_with_blank_tables(folder: Path, organ: str = "石门乡") -> Path:
    """A report whose three tables print their labels and no number."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    blank = [
        "\t" if n > 16 and re.fullmatch(r"\t[\s\u2002\d]*", line) else line for n, line in enumerate(lines)
    ]
    path = folder / "shimen-township_2020.txt"
    path.write_text("\n".join(blank).replace("昌傅镇", organ), encoding="utf-8")
    return path
