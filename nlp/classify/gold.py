"""Training data for the paragraph classifier: report paragraphs joined with their labels.

Paragraphs always come from the project's own stages (read → `read_structure`), so the
classifier is trained on exactly what `xxgk analyze` will show it. Labels come from two places:

- gold: hand labels in `corpus/labels/*.jsonl` (format in corpus/labels/README.md), joined to a
  paragraph by its document and the first 12 characters of its text without whitespace;
- weak: the sub-heading a paragraph sits under ("（四）平台建设", "存在问题"), mapped to a label
  by `HEADING_LABELS` — used only for paragraphs that have no gold label.

Reports are grouped for cross-validation so that copies of one report (the same organ and
year, or mostly the same paragraphs under another URL) never sit in both train and test.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.classify.labels import LABELS, heading_label
from nlp.errors import InputError
from nlp.models import Paragraph
from nlp.read.document import read_document, simplified_blocks, supported_suffixes
from nlp.read.files import is_folder_note
from nlp.read.normalize import fold
from nlp.read.text import text_blocks
from nlp.structure.meta import organ_from_text, organ_from_title, year_of
from nlp.structure.sections import neighbour_texts, read_structure

PREFIX_CHARS = 12
_SAME_REPORT_MIN_SHARED = 2


def prefix_key(text: str) -> str:
    """The join key of a paragraph: its first characters in matching form (no whitespace,
    simplified characters), so a traditional-character page joins its gold either way. A colon
    that ends the prefix is dropped on both sides, as `fold` drops it at the end of a text."""
    return fold(text)[:PREFIX_CHARS].rstrip(":")


@dataclass(frozen=True)
class Document:
    """A report's paragraphs, with the id gold files use for it, its organ and year, and the family
    of reports it belongs to (one organ's reports: what must never sit in both train and test)."""

    doc_id: str
    paragraphs: list[Paragraph]
    organ: str | None
    year: int | None
    family: str = ""
    held_out: bool = False  # never used for training or for choosing features and rules
    source: str = ""  # the excerpts file or the folder the report came from


@dataclass(frozen=True)
class LabelledParagraph:
    text: str
    section: str | None
    heading: str | None
    label: str
    source: str  # gold | weak
    doc_id: str
    group: int
    context: tuple[str, str]  # the texts of the paragraphs beside it (structure.neighbour_texts)


def doc_id_of(path: Path) -> str:
    """Gold files name a report file by its folder and file name ("realdocs/x.txt")."""
    return f"{path.parent.name}/{path.name}"


_YEAR_IN_NAME_RE = re.compile(r"[_-]?(?:19|20)\d{2}.*$")


def _document(path: Path, paragraphs: list[Paragraph], title: str | None, text: str) -> Document:
    # A report file's family is its name before the year: hongze_gov_2023.pdf and _2024.pdf are one.
    family = _YEAR_IN_NAME_RE.sub("", path.stem) or path.stem
    return Document(
        doc_id_of(path),
        paragraphs,
        organ_from_title(title) or organ_from_text(text),
        year_of(title, text),
        family=family,
        held_out=path.parent.name == HELD_OUT_FOLDER,
        source=path.parent.name,
    )


def report_file_documents(paths: Iterable[Path], skipped: list[str]) -> Iterator[Document]:
    """Documents of report files under the given paths; files that cannot be read go to `skipped`."""
    suffixes = set(supported_suffixes())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if (
                file.suffix.lower() in (".jsonl", ".json")
                or is_folder_note(file)
                or file.parent.name == "labels"
            ):
                continue  # page excerpts, gold labels and items, README/MANIFEST and other folder notes
            if file.suffix.lower() not in suffixes:
                skipped.append(f"{file} (no reader for {file.suffix} yet)")
                continue
            try:
                raw = read_document(file)
            except InputError as exc:
                skipped.append(f"{file} ({exc.problem})")
                continue
            _, paragraphs, title, _ = read_structure(raw.blocks)
            text = "\n".join(b.text for b in raw.blocks if b.kind == "text")
            yield _document(file, paragraphs, title, text)


# Files of excerpts labelled after the held-out share was fixed (issue 12): a third of their organs,
# chosen by a hash of the organ's name, is never trained on nor looked at while choosing.
HELD_OUT_SOURCES = frozenset({"excerpts.jsonl"})
# Reports written for the evaluation (each with its <name>.gold.json): those of tests/heldout/ are all held
# out; those of tests/generated/ were looked at while choosing and are trained on.
HELD_OUT_FOLDER = "heldout"
HELD_OUT_SHARE = 3


def is_held_out_family(family: str) -> bool:
    return int(hashlib.sha256(family.encode("utf-8")).hexdigest(), 16) % HELD_OUT_SHARE == 0


def page_documents(pages_file: Path) -> Iterator[Document]:
    """Documents of a pages.jsonl file (one web-page excerpt per line, ../shared/corpus)."""
    holds_out = pages_file.name in HELD_OUT_SOURCES
    with pages_file.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            blocks, _ = simplified_blocks(text_blocks(record["text"]))
            paragraphs = read_structure(blocks).paragraphs
            organ = record.get("organ") or None
            family = fold(organ) if organ else record["url"]
            yield Document(
                record["url"],
                paragraphs,
                organ,
                record.get("year"),
                family=family,
                held_out=holds_out and is_held_out_family(family),
                source=pages_file.name,
            )


def _is_pages_file(path: Path) -> bool:
    """A JSON-lines file of web-page excerpts (its records have a url and a text), not gold."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and {"url", "text"} <= record.keys()


def documents(paths: Iterable[Path], skipped: list[str]) -> list[Document]:
    """All documents under the paths: report files, and page excerpts in *.jsonl files."""
    out: list[Document] = []
    for path in paths:
        if not path.exists():
            skipped.append(f"{path} (not found)")
            continue
        out.extend(report_file_documents([path], skipped))
        jsonl = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path] if path.suffix == ".jsonl" else []
        for pages_file in jsonl:
            if _is_pages_file(pages_file):
                out.extend(page_documents(pages_file))
    return out


def load_gold(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Gold labels by (document id, prefix), in file order (for repeated prefixes)."""
    gold: dict[tuple[str, str], list[str]] = defaultdict(list)
    for file in sorted(folder.glob("*.jsonl")):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                label = row["label"]
                if label not in LABELS:
                    raise ValueError(f"{file}: unknown label {label!r}")
                gold[(row.get("doc") or row["url"], prefix_key(row["prefix"]))].append(label)
    return gold


def report_groups(docs: list[Document]) -> list[int]:
    """Group ids: one per report; copies of a report (same organ and year, or at least half of
    their paragraphs the same) share one.
    """
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    signatures = [{fold(p.text)[:40] for p in doc.paragraphs if len(p.text) >= 20} for doc in docs]
    by_organ_year: dict[tuple[str, int], int] = {}
    for i, doc in enumerate(docs):
        if doc.organ and doc.year:
            key = (fold(doc.organ), doc.year)
            if key in by_organ_year:
                parent[find(i)] = find(by_organ_year[key])
            else:
                by_organ_year[key] = i
        for j in range(i):
            shared = len(signatures[i] & signatures[j])
            if shared >= _SAME_REPORT_MIN_SHARED and 2 * shared >= min(
                len(signatures[i]), len(signatures[j])
            ):
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(docs))]


# Sources whose every report had its items labelled (so an item found there that the gold lacks is
# a false one): the excerpts, the realdocs, the seeds and the generated reports — not pages.jsonl.
ITEM_LABELLED_SOURCES = frozenset({"excerpts.jsonl", "realdocs", "corpus", "generated", HELD_OUT_FOLDER})


def gold_labels_of(doc: Document, gold: dict[tuple[str, str], list[str]]) -> list[str | None]:
    """The gold label of each paragraph of a document (None where it has none): joined by prefix,
    repeated prefixes in file order."""
    used: dict[str, int] = defaultdict(int)
    out: list[str | None] = []
    for p in doc.paragraphs:
        key = prefix_key(p.text)
        labels = gold.get((doc.doc_id, key), [])
        if used[key] < len(labels):
            out.append(labels[used[key]])
            used[key] += 1
        else:
            out.append(None)
    return out


def labelled_paragraphs(
    docs: list[Document], gold: dict[tuple[str, str], list[str]], weak: bool = True
) -> list[LabelledParagraph]:
    """Every paragraph with a gold label, and (with `weak`) the others whose sub-heading names one."""
    out: list[LabelledParagraph] = []
    for doc, group in zip(docs, report_groups(docs), strict=True):
        contexts = neighbour_texts(doc.paragraphs)
        for p, context, gold_label in zip(doc.paragraphs, contexts, gold_labels_of(doc, gold), strict=True):
            if gold_label is not None:
                label, source = gold_label, "gold"
            elif weak and (label := heading_label(p.heading)) is not None:  # type: ignore[assignment]
                source = "weak"
            else:
                continue
            out.append(
                LabelledParagraph(p.text, p.section, p.heading, label, source, doc.doc_id, group, context)
            )
    return out


_ITEM_TRIM = " ；;，,。.：:"


@dataclass(frozen=True)
class GoldItem:
    """A problem or measure item of the gold, by keys of its folded text (third-party text is not
    stored): the first 12 and last 8 characters, 12 from its middle and its length."""

    kind: str
    prefix: str
    end: str
    core: str
    length: int

    @classmethod
    def of(cls, kind: str, text: str) -> GoldItem:
        return cls(kind=kind, **item_keys(text))

    def found_in(self, text: str) -> bool:
        """The same item, whatever the boundary conventions: a predicted item that holds this item's
        middle and is about as long (a lead-in clause such as "针对存在问题，下一步，" more or less)."""
        folded = fold(text).strip(_ITEM_TRIM)
        return self.core in folded and abs(len(folded) - self.length) <= max(16, self.length // 4)

    def same_bounds(self, text: str) -> bool:
        folded = fold(text).strip(_ITEM_TRIM)
        return folded.startswith(self.prefix) and folded.endswith(self.end)


def item_keys(text: str) -> dict[str, str | int]:
    folded = fold(text).strip(_ITEM_TRIM)
    middle = max(0, len(folded) // 2 - 6)
    return {
        "prefix": folded[:12],
        "end": folded[-8:],
        "core": folded[middle : middle + 12],
        "length": len(folded),
    }


def load_item_gold(folder: Path) -> dict[str, list[GoldItem]]:
    """Gold items by document id, in document order (corpus/items/*.jsonl)."""
    items: dict[str, list[GoldItem]] = defaultdict(list)
    for file in sorted(folder.glob("*.jsonl")):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["kind"] not in ("problem", "measure"):
                    raise ValueError(f"{file}: unknown item kind {row['kind']!r}")
                doc = row.get("doc") or row["url"]
                items[doc].append(
                    GoldItem(row["kind"], row["prefix"], row["end"], row["core"], int(row["length"]))
                )
    return items


def load_report_gold(folder: Path) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[GoldItem]]]:
    """Paragraph labels and items of reports written for the evaluation (<name>.gold.json beside
    <name>.txt, in tests/generated/ and tests/heldout/): our own texts, so the gold keeps them whole."""
    labels: dict[tuple[str, str], list[str]] = defaultdict(list)
    items: dict[str, list[GoldItem]] = defaultdict(list)
    for file in sorted(folder.glob("*.gold.json")):
        gold = json.loads(file.read_text(encoding="utf-8"))
        doc_id = f"{folder.name}/{file.name.removesuffix('.gold.json')}.txt"
        for paragraph in gold["paragraphs"]:
            if paragraph["label"] not in LABELS:
                raise ValueError(f"{file}: unknown label {paragraph['label']!r}")
            # the text reader drops Markdown emphasis, as it does in the report
            labels[(doc_id, prefix_key(paragraph["text"].replace("**", "")))].append(paragraph["label"])
        items[doc_id] = [GoldItem.of(item["kind"], item["text"].replace("**", "")) for item in gold["items"]]
    return labels, items
