"""How well the paragraph labels and the items hold: on the development gold and on held-out reports.

Two figures, kept apart on purpose:

- **cross-validation** (tuned): report-grouped 5-fold over the development gold — pages.jsonl, the
  realdocs, the seeds and two thirds of the excerpts. Features and rules were chosen looking at these
  figures, so they flatter.
- **held out** (not tuned): a third of the excerpts (by a hash of the organ, gold.is_held_out_family)
  and the reports written for the evaluation in corpus/heldout/. They are never trained on (the shipped
  model neither) and were not looked at while choosing; a model trained on the development gold is
  scored on them once.

Each model labels its test reports the way `analyze` does — the classifier, then the label rules
(nlp.classify.label_rules), then the items (nlp.classify.items) — so the figures are the pipeline's. The model alone
and two baselines (the sub-heading rules, HeadingRuleClassifier; the majority class) are scored on the
same paragraphs. Folds never split a report group (gold.report_groups: copies of a report share one)
nor an organ's family of reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from nlp.classify.gold import (
    ITEM_LABELLED_SOURCES,
    Document,
    GoldItem,
    LabelledParagraph,
    gold_labels_of,
    labelled_paragraphs,
    report_groups,
)
from nlp.classify.items import report_items
from nlp.classify.labels import heading_label
from nlp.classify.model import FEATURE_WEIGHTS, HEADING, classify, make_classifier, paragraph_rows
from nlp.models import Item, Paragraph
from nlp.structure.sections import is_signoff_line, neighbour_texts


class HeadingRuleClassifier(ClassifierMixin, BaseEstimator):
    """Baseline: the label the sub-heading names (labels.HEADING_LABELS), else the commonest label."""

    def fit(self, rows: np.ndarray, labels: Sequence[str]) -> HeadingRuleClassifier:
        values, counts = np.unique(np.asarray(labels), return_counts=True)
        self.classes_ = values
        self.fallback_ = values[np.argmax(counts)]
        return self

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.array([heading_label(row[HEADING]) or self.fallback_ for row in rows], dtype=object)


# Labels with fewer gold examples than this are reported but left out of the macro average.
MIN_EXAMPLES = 8
N_FOLDS = 5
# Shuffled fold assignments `xxgk evaluate` and the model card add to the fixed one.
SHUFFLED_SPLITS = 3
PIPELINE, MODEL_ALONE = "pipeline", "model alone"
BASELINES: dict[str, Callable[[], ClassifierMixin]] = {
    "heading rules": HeadingRuleClassifier,
    "majority class": lambda: DummyClassifier(strategy="most_frequent"),
}


@dataclass(frozen=True)
class Corpus:
    """Documents with their gold: paragraph labels by (document, prefix) and items by document."""

    docs: list[Document]
    labels: dict[tuple[str, str], list[str]]
    items: dict[str, list[GoldItem]] = field(default_factory=dict)

    def part(self, held_out: bool) -> Corpus:
        return Corpus([d for d in self.docs if d.held_out == held_out], self.labels, self.items)

    def gold_items(self, doc: Document) -> list[GoldItem] | None:
        """The document's gold items; None for a document whose items were never labelled."""
        if doc.doc_id in self.items:
            return self.items[doc.doc_id]
        return [] if doc.source in ITEM_LABELLED_SOURCES else None


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluation:
    """Per-label scores and the confusion matrix of one labeller over all test paragraphs."""

    name: str
    labels: list[str]
    scores: list[LabelScore]
    confusion: np.ndarray
    macro_f1: float  # over labels with at least MIN_EXAMPLES gold examples


@dataclass(frozen=True)
class ItemScore:
    """Items of one kind: found means a predicted item of this kind holds a gold item's text."""

    kind: str
    gold: int
    predicted: int
    found: int
    same_bounds: int  # found with the gold's first and last characters

    @property
    def precision(self) -> float:
        return self.found / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0


@dataclass(frozen=True)
class Result:
    paragraphs: dict[str, Evaluation]  # by labeller: pipeline, model alone, the baselines
    items: list[ItemScore]
    signoff_items: int  # items that are an organ's name or a date: never right
    documents: int

    @property
    def pipeline(self) -> Evaluation:
        return self.paragraphs[PIPELINE]


def training_rows(data: list[LabelledParagraph]) -> np.ndarray:
    """Classifier rows of labelled paragraphs, each with the paragraphs beside it in its report."""
    return paragraph_rows(
        [{"text": d.text, "section": d.section, "heading": d.heading} for d in data],
        [d.context for d in data],
    )


@dataclass
class _Tally:
    truth: dict[str, list[str]] = field(default_factory=lambda: {})
    predicted: dict[str, list[str]] = field(default_factory=lambda: {})
    items: Counter = field(default_factory=Counter)
    signoff_items: int = 0
    documents: int = 0

    def add(self, name: str, truth: Sequence[str], predicted: Sequence[str]) -> None:
        self.truth.setdefault(name, []).extend(truth)
        self.predicted.setdefault(name, []).extend(predicted)


def _score_items(predicted: list[Item], gold: list[GoldItem], tally: _Tally) -> None:
    unmatched = list(predicted)
    for item in gold:
        tally.items[("gold", item.kind)] += 1
        match = next((p for p in unmatched if p.kind == item.kind and item.found_in(p.text)), None)
        if match is not None:
            unmatched.remove(match)
            tally.items[("found", item.kind)] += 1
            tally.items[("bounds", item.kind)] += item.same_bounds(match.text)
    for p in predicted:
        tally.items[("predicted", p.kind)] += 1
    tally.signoff_items += sum(is_signoff_line(p.text) for p in predicted)


def _label_test_documents(
    model: Pipeline,
    baselines: dict[str, ClassifierMixin],
    docs: list[Document],
    corpus: Corpus,
    tally: _Tally,
) -> None:
    classes = list(model.classes_)
    for doc in docs:
        gold = gold_labels_of(doc, corpus.labels)
        labelled = [i for i, g in enumerate(gold) if g is not None]
        items_gold = corpus.gold_items(doc)
        if not doc.paragraphs or (not labelled and items_gold is None):
            continue
        tally.documents += 1
        paragraphs: list[Paragraph] = classify(model, doc.paragraphs)
        truth = [gold[i] for i in labelled]
        tally.add(PIPELINE, truth, [paragraphs[i].label for i in labelled])  # type: ignore[misc]
        rows = paragraph_rows(doc.paragraphs, neighbour_texts(doc.paragraphs))[labelled]
        if labelled:
            alone = model.predict_proba(rows).argmax(axis=1)
            tally.add(MODEL_ALONE, truth, [classes[k] for k in alone])  # type: ignore[arg-type]
            for name, baseline in baselines.items():
                tally.add(name, truth, list(baseline.predict(rows)))  # type: ignore[arg-type]
        if items_gold is not None:
            _score_items(report_items(paragraphs), items_gold, tally)


def _result(tally: _Tally) -> Result:
    reference = tally.truth[PIPELINE]
    counts = Counter(reference)
    names = sorted(counts, key=lambda k: -counts[k])
    evaluations = {
        name: _evaluation(name, np.array(tally.truth[name]), np.array(tally.predicted[name]), names, counts)
        for name in tally.truth
    }
    items = [
        ItemScore(
            kind,
            tally.items[("gold", kind)],
            tally.items[("predicted", kind)],
            tally.items[("found", kind)],
            tally.items[("bounds", kind)],
        )
        for kind in ("problem", "measure")
    ]
    return Result(evaluations, items, tally.signoff_items, tally.documents)


def fit_models(corpus: Corpus) -> tuple[Pipeline, dict[str, ClassifierMixin]]:
    """The classifier and the baselines, trained on every gold and weak paragraph of the corpus."""
    data = labelled_paragraphs(corpus.docs, corpus.labels)
    rows, labels = training_rows(data), [d.label for d in data]
    model = make_classifier().fit(rows, labels)
    return model, {name: make().fit(rows, labels) for name, make in BASELINES.items()}


def cross_validate(corpus: Corpus, n_folds: int = N_FOLDS, seed: int | None = None) -> Result:
    """Report-grouped cross-validation over the corpus's documents (the development part).

    Without a seed the folds are GroupKFold's own (the figures of the model card); with one, the
    report groups are shuffled into folds first."""
    docs = corpus.docs
    groups = _family_groups(docs)
    tally = _Tally()
    folds = GroupKFold(n_splits=n_folds, shuffle=seed is not None, random_state=seed)
    for train, test in folds.split(np.zeros(len(docs)), groups=groups):
        model, baselines = fit_models(Corpus([docs[i] for i in train], corpus.labels))
        _label_test_documents(model, baselines, [docs[i] for i in test], corpus, tally)
    return _result(tally)


def held_out(development: Corpus, test: Corpus) -> Result:
    """The pipeline trained on the development corpus, scored once on the held-out documents."""
    model, baselines = fit_models(development)
    tally = _Tally()
    _label_test_documents(model, baselines, test.docs, test, tally)
    return _result(tally)


def shuffled_macro_f1(corpus: Corpus, splits: int = SHUFFLED_SPLITS) -> list[float]:
    """The pipeline's macro-F1 on other report-grouped fold assignments: with a few dozen gold
    paragraphs in the rarest labels, which reports fall together moves the figure by about 0.01."""
    return [cross_validate(corpus, seed=seed).pipeline.macro_f1 for seed in range(splits)]


def _family_groups(docs: list[Document]) -> np.ndarray:
    """One group per report group (gold.report_groups), merged across an organ's family of reports."""
    groups = report_groups(docs)
    by_family: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc.family:
            groups[i] = by_family.setdefault(doc.family, groups[i])
    return np.array(groups)


def _evaluation(
    name: str, truth: np.ndarray, predicted: np.ndarray, labels: list[str], counts: Counter
) -> Evaluation:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    scores = [
        LabelScore(label, int(s), float(p), float(r), float(f))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    counted = [s.f1 for s in scores if counts[s.label] >= MIN_EXAMPLES]
    return Evaluation(
        name=name,
        labels=labels,
        scores=scores,
        confusion=confusion_matrix(truth, predicted, labels=labels),
        macro_f1=float(np.mean(counted)),
    )


def spread_line(fixed: float, shuffled: list[float]) -> str:
    """The macro-F1 over every fold assignment, for readers who should not trust one alone."""
    figures = [fixed, *shuffled]
    return (
        f"Over the folds above and {len(shuffled)} shuffled report-grouped fold assignments the "
        f"pipeline's macro-F1 is {np.mean(figures):.3f} on average ({min(figures):.3f}–{max(figures):.3f})."
    )


def item_line(result: Result) -> str:
    parts = [
        f"{s.kind} precision {s.precision:.2f} recall {s.recall:.2f} "
        f"({s.found} of {s.gold} gold found, {s.predicted} predicted; {s.same_bounds} with the gold's bounds)"
        for s in result.items
    ]
    return "; ".join(parts) + f"; sign-off or date lines as items: {result.signoff_items}"


def model_card(
    development: Corpus, cv: Result, shuffled: list[float], test: Result, sources: list[str]
) -> str:
    """models/MODEL_CARD.md: what the shipped model was trained on and how well it does."""
    data = labelled_paragraphs(development.docs, development.labels)
    gold = Counter(d.label for d in data if d.source == "gold")
    weak = Counter(d.label for d in data if d.source == "weak")
    reports = len({d.group for d in data if d.source == "gold"})
    ours = cv.pipeline
    lines = [
        "# Paragraph classifier — model card",
        "",
        "`models/paragraph_classifier.npz`, written by `xxgk train` (arrays, no pickle; nlp/classify/scorer.py). Input: a",
        "paragraph's text, section key, sub-heading and the paragraphs beside it. Output: a probability for",
        "each of the 11 labels of LABELS.md. `analyze` and `label` then apply the label rules of",
        "`nlp/classify/label_rules.py` (LABELS.md's hard cases and the structure of 五) and cut the items",
        "(`nlp/classify/items.py`); the figures below are those of that whole pipeline unless marked 'model alone'.",
        "",
        "Model: TF-IDF over hashed jieba words (single words, domain dictionary nlp/data/userdict.txt)",
        "and character 1–3-grams of the text; character 1–3-grams of the paragraph's first part (up to",
        "its first sentence end, at most 60 characters: LABELS.md labels a paragraph that covers several",
        "topics by its first part); how often the paragraph uses each label's LABELS.md words, and which",
        "labels' words its first part uses (`nlp.classify.model.CUES`); character 1–2-grams of the sub-heading;",
        "one-hot section; the characters of the paragraphs just before and after it in its section →",
        "LinearSVC (balanced class weights) calibrated by 3-fold sigmoid calibration. The sub-heading",
        f"features weigh {FEATURE_WEIGHTS['heading']:g}, the first-part features "
        f"{FEATURE_WEIGHTS['lead']:g} and each neighbour {FEATURE_WEIGHTS['previous']:g}",
        "(`nlp.classify.model.FEATURE_WEIGHTS`).",
        "",
        "## Training data",
        "",
        *[f"- {s}" for s in sources],
        f"- {sum(gold.values())} gold paragraphs from {reports} report groups (copies of one report",
        "  — same organ and year, or mostly the same paragraphs — form one group), and",
        f"  {sum(weak.values())} weak paragraphs labelled by their sub-heading (gold.HEADING_LABELS).",
        "- Not trained on: the held-out reports below.",
        "",
        "| label | gold | weak |",
        "|---|---:|---:|",
        *[f"| {label} | {gold[label]} | {weak[label]} |" for label in ours.labels],
        "",
        f"## Held out — not tuned ({test.documents} reports never trained on nor looked at while choosing)",
        "",
        _summary(test),
        "",
        _score_table(test),
        "",
        f"## Cross-validation — tuned ({N_FOLDS} folds grouped by report and organ, development gold)",
        "",
        _summary(cv),
        "",
        spread_line(ours.macro_f1, shuffled),
        "",
        _score_table(cv),
        "",
        "Confusion matrix of the pipeline (rows: gold, columns: predicted):",
        "",
        "| | " + " | ".join(ours.labels) + " |",
        "|---|" + "---:|" * len(ours.labels),
    ]
    for label, row in zip(ours.labels, ours.confusion, strict=True):
        lines.append(f"| {label} | " + " | ".join(str(int(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _summary(result: Result) -> str:
    return (
        f"Macro-F1 over the labels with at least {MIN_EXAMPLES} gold examples: "
        + ", ".join(f"{e.name} **{e.macro_f1:.3f}**" for e in result.paragraphs.values())
        + f". Items: {item_line(result)}."
    )


def _score_table(result: Result) -> str:
    names = [n for n in result.paragraphs if n != PIPELINE]
    others = {n: {s.label: s.f1 for s in result.paragraphs[n].scores} for n in names}
    lines = [
        "| label | support | precision | recall | F1 | " + " | ".join(f"F1 {n}" for n in names) + " |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(names),
    ]
    for s in result.pipeline.scores:
        lines.append(
            f"| {s.label} | {s.support} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | "
            + " | ".join(f"{others[n][s.label]:.2f}" for n in names)
            + " |"
        )
    return "\n".join(lines)
