"""The prose claims over every real document of ../shared and the bundled reports: how many
claims, how many checked against a table, and every one that fails (to be judged by hand).

usage: python bench/claims_survey.py [--claims]   (--claims also prints every claim read)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from nlp.batch.pipeline import analyze_document
from nlp.errors import NotAReport
from nlp.models import RawDocument
from nlp.read.document import read_document, simplified_blocks
from nlp.read.text import text_blocks

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def documents() -> list[tuple[str, RawDocument]]:
    docs: list[tuple[str, RawDocument]] = []
    for name in ("pages.jsonl", "excerpts.jsonl"):
        for line in (SHARED / "corpus" / name).open(encoding="utf-8"):
            record = json.loads(line)
            blocks, _ = simplified_blocks(text_blocks(record["text"]))
            docs.append(
                (record["url"], RawDocument(path=record["url"], format="txt", sha256="-", blocks=blocks))
            )
    for path in sorted((SHARED / "realdocs").iterdir()):
        if path.name != "MANIFEST.md" and (path.suffix != ".md" or "extracted" in path.name):
            docs.append((path.name, read_document(path)))
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        docs.append((path.name, read_document(path)))
    return docs


def main() -> int:
    from nlp.checks.claims import extract_claims

    show_claims = "--claims" in sys.argv
    n_docs = n_reports = n_claims = 0
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    for name, doc in documents():
        n_docs += 1
        try:
            report = analyze_document(doc)
        except NotAReport:
            report = None
        claims = extract_claims(report.paragraphs) if report is not None else []
        if report is None:  # not a report: its prose is still read, for the count and by hand
            from nlp.structure.sections import read_structure

            claims = extract_claims(read_structure(doc.blocks)[1])
        n_claims += len(claims)
        if show_claims:
            for c in claims:
                subject = f":{c.subject}" if c.subject else ""
                print(f"claim {name[-40:]} {c.quantity}{subject} {c.value} | {c.sentence[:90]}")
        if report is None:
            continue
        n_reports += 1
        for check in report.checks:
            if check.rule.startswith("N"):
                statuses[check.status] += 1
                if check.status == "fail":
                    failures.append(f"{name[-45:]} {check.id}: {check.message}")
    print(f"documents {n_docs} (read as reports {n_reports}), claims {n_claims}")
    print("prose checks: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    for line in failures:
        print("FAIL", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
