"""Report-grouped cross-validation of the paragraph classifier against two baselines.

Folds split by report group (gold._groups), so no report — nor a copy of it under another
URL — has paragraphs in both train and test. Training folds use gold and weak labels; test
folds are scored on gold labels only. The baselines run on the same folds: the sub-heading
rules alone (HeadingRuleClassifier) and the majority class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from nlp.classify import FEATURE_WEIGHTS, HeadingRuleClassifier, make_classifier, paragraph_rows
from nlp.gold import LabelledParagraph

# Labels with fewer gold examples than this are reported but left out of the macro average.
MIN_EXAMPLES = 8
N_FOLDS = 5
# Shuffled fold assignments `xxgk evaluate` and the model card add to the fixed one.
SHUFFLED_SPLITS = 3


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluation:
    """Per-label scores and the confusion matrix of one model over all test folds."""

    name: str
    labels: list[str]
    scores: list[LabelScore]
    confusion: np.ndarray
    macro_f1: float  # over labels with at least MIN_EXAMPLES gold examples


BASELINES: dict[str, Callable[[], ClassifierMixin]] = {
    "classifier": make_classifier,
    "heading rules": HeadingRuleClassifier,
    "majority class": lambda: DummyClassifier(strategy="most_frequent"),
}


def cross_validate(
    data: list[LabelledParagraph],
    n_folds: int = N_FOLDS,
    seed: int | None = None,
    models: tuple[str, ...] = tuple(BASELINES),
) -> list[Evaluation]:
    """Out-of-fold predictions for the gold paragraphs, for the classifier and each baseline.

    Without a seed the folds are GroupKFold's own (the figures of the model card); with one, the
    report groups are shuffled into folds first."""
    rows = training_rows(data)
    labels = np.array([d.label for d in data], dtype=object)
    groups = np.array([d.group for d in data])
    is_gold = np.array([d.source == "gold" for d in data])
    predicted = {name: np.empty(len(data), dtype=object) for name in models}
    folds = GroupKFold(n_splits=n_folds, shuffle=seed is not None, random_state=seed)
    for train, test in folds.split(rows, labels, groups):
        test = test[is_gold[test]]
        for name in models:
            model = BASELINES[name]().fit(rows[train], labels[train])
            predicted[name][test] = model.predict(rows[test])
    gold_labels = labels[is_gold]
    counts = Counter(gold_labels)
    names = sorted(counts, key=lambda k: -counts[k])
    return [_evaluation(name, gold_labels, predicted[name][is_gold], names, counts) for name in models]


def training_rows(data: list[LabelledParagraph]) -> np.ndarray:
    """Classifier rows of labelled paragraphs, each with the paragraphs beside it in its report."""
    return paragraph_rows(
        [{"text": d.text, "section": d.section, "heading": d.heading} for d in data],
        [d.context for d in data],
    )


def shuffled_macro_f1(data: list[LabelledParagraph], splits: int = SHUFFLED_SPLITS) -> list[float]:
    """The classifier's macro-F1 on other report-grouped fold assignments: with a few dozen gold
    paragraphs in the rarest labels, which reports fall together moves the figure by about 0.01."""
    return [cross_validate(data, seed=seed, models=("classifier",))[0].macro_f1 for seed in range(splits)]


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


def model_card(
    data: list[LabelledParagraph], evaluations: list[Evaluation], shuffled: list[float], sources: list[str]
) -> str:
    """models/MODEL_CARD.md: what the shipped model was trained on and how well it does."""
    gold = Counter(d.label for d in data if d.source == "gold")
    weak = Counter(d.label for d in data if d.source == "weak")
    reports = len({d.group for d in data if d.source == "gold"})
    by_name = {e.name: e for e in evaluations}
    ours = by_name["classifier"]
    lines = [
        "# Paragraph classifier — model card",
        "",
        "`models/paragraph_classifier.skops`, written by `xxgk train` (skops, no pickle). Input: a",
        "paragraph's text, section key and sub-heading. Output: one of the 11 labels of LABELS.md and",
        "the calibrated probability of that label (`confidence`).",
        "",
        "Model: TF-IDF over hashed jieba words (single words, domain dictionary nlp/data/userdict.txt)",
        "and character 1–3-grams of the text; character 1–3-grams of the paragraph's first part (up to",
        "its first sentence end, at most 60 characters: LABELS.md labels a paragraph that covers several",
        "topics by its first part); how often the paragraph uses each label's LABELS.md words, and which",
        "labels' words its first part uses (`classify.CUES`); character 1–2-grams of the sub-heading;",
        "one-hot section; the characters of the paragraphs just before and after it in its section →",
        "LinearSVC (balanced class weights) calibrated by 3-fold sigmoid calibration. The sub-heading",
        f"features weigh {FEATURE_WEIGHTS['heading']:g}, the first-part features "
        f"{FEATURE_WEIGHTS['lead']:g} and each neighbour {FEATURE_WEIGHTS['previous']:g}",
        "(`classify.FEATURE_WEIGHTS`): a label says what a paragraph is about, not where it sits, and",
        "its first part decides (LABELS.md).",
        "",
        "## Training data",
        "",
        *[f"- {s}" for s in sources],
        f"- {sum(gold.values())} gold paragraphs from {reports} report groups (copies of one report",
        "  — same organ and year, or mostly the same paragraphs — form one group), and",
        f"  {sum(weak.values())} weak paragraphs labelled by their sub-heading (gold.HEADING_LABELS).",
        "",
        "| label | gold | weak |",
        "|---|---:|---:|",
        *[f"| {label} | {gold[label]} | {weak[label]} |" for label in ours.labels],
        "",
        f"## Evaluation ({N_FOLDS}-fold cross-validation grouped by report, scored on gold labels)",
        "",
        f"Macro-F1 over the labels with at least {MIN_EXAMPLES} gold examples: "
        + ", ".join(f"{e.name} **{e.macro_f1:.3f}**" for e in evaluations)
        + ".",
        "",
        spread_line(ours.macro_f1, shuffled),
        "",
        "| label | support | precision | recall | F1 | F1 heading rules | F1 majority class |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rules = {s.label: s.f1 for s in by_name["heading rules"].scores}
    majority = {s.label: s.f1 for s in by_name["majority class"].scores}
    for s in ours.scores:
        lines.append(
            f"| {s.label} | {s.support} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} "
            f"| {rules[s.label]:.2f} | {majority[s.label]:.2f} |"
        )
    lines += ["", "Confusion matrix of the classifier (rows: gold, columns: predicted):", ""]
    lines.append("| | " + " | ".join(ours.labels) + " |")
    lines.append("|---|" + "---:|" * len(ours.labels))
    for label, row in zip(ours.labels, ours.confusion, strict=True):
        lines.append(f"| {label} | " + " | ".join(str(int(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def spread_line(fixed: float, shuffled: list[float]) -> str:
    """The macro-F1 over every fold assignment, for readers who should not trust one alone."""
    figures = [fixed, *shuffled]
    return (
        f"Over the folds above and {len(shuffled)} shuffled report-grouped fold assignments the "
        f"classifier's macro-F1 is {np.mean(figures):.3f} on average ({min(figures):.3f}–{max(figures):.3f})."
    )
