"""Classify stage: every narrative paragraph gets a label (LABELS.md) and a confidence.

The model is a scikit-learn Pipeline: TF-IDF over jieba words (with the domain dictionary) and
over character n-grams of the text, character n-grams of the sub-heading, and the section key,
into a linear SVM whose scores are turned into probabilities by cross-validated calibration.
The fitted Pipeline is saved with skops (no pickle) to models/paragraph_classifier.skops.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from zipfile import ZIP_DEFLATED

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC
from skops.io import dump, get_untrusted_types, load

from nlp.chinese import words
from nlp.gold import heading_label
from nlp.models import Paragraph

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "paragraph_classifier.skops"
# Below this the label is shown as uncertain (`xxgk show`, `xxgk label` keep the number).
LOW_CONFIDENCE = 0.5
# Columns of the input rows, in this order.
TEXT, SECTION, HEADING = 0, 1, 2
# Hashed feature space sizes: few collisions for a corpus of this size, a small saved model.
WORD_FEATURES = 2**16
CHAR_FEATURES = 2**17
HEADING_FEATURES = 2**12
# The only non-scikit-learn name a saved model may refer to.
_OWN_TYPES = ("nlp.chinese.words",)


def paragraph_rows(paragraphs: Sequence[Paragraph | dict]) -> np.ndarray:
    """The classifier input: one row (text, section, heading) per paragraph, "" for none."""
    rows = np.empty((len(paragraphs), 3), dtype=object)
    for i, p in enumerate(paragraphs):
        get = p.get if isinstance(p, dict) else lambda k, p=p: getattr(p, k)
        rows[i] = (get("text") or "", get("section") or "", get("heading") or "")
    return rows


def _hashed_tfidf(**hashing: object) -> Pipeline:
    """TF-IDF over hashed features: no vocabulary to store, so the model file stays small."""
    return Pipeline(
        [
            ("hash", HashingVectorizer(alternate_sign=False, norm=None, **hashing)),  # type: ignore[arg-type]
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )


def make_classifier(c: float = 2.0) -> Pipeline:
    """An unfitted paragraph classifier."""
    features = ColumnTransformer(
        [
            (
                "words",
                _hashed_tfidf(
                    tokenizer=words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    n_features=WORD_FEATURES,
                ),
                TEXT,
            ),
            ("chars", _hashed_tfidf(analyzer="char", ngram_range=(1, 3), n_features=CHAR_FEATURES), TEXT),
            (
                "heading",
                _hashed_tfidf(analyzer="char", ngram_range=(1, 2), n_features=HEADING_FEATURES),
                HEADING,
            ),
            ("section", OneHotEncoder(handle_unknown="ignore"), [SECTION]),
        ]
    )
    # One SVM on all the data, calibrated on 3-fold out-of-fold scores: one weight matrix to save.
    model = CalibratedClassifierCV(
        LinearSVC(C=c, class_weight="balanced"), cv=3, method="sigmoid", ensemble=False
    )
    return Pipeline([("features", features), ("model", model)])


class HeadingRuleClassifier(ClassifierMixin, BaseEstimator):
    """Baseline: the label the sub-heading names (gold.HEADING_LABELS), else the commonest label."""

    def fit(self, rows: np.ndarray, labels: Sequence[str]) -> HeadingRuleClassifier:
        values, counts = np.unique(np.asarray(labels), return_counts=True)
        self.classes_ = values
        self.fallback_ = values[np.argmax(counts)]
        return self

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.array([heading_label(row[HEADING]) or self.fallback_ for row in rows], dtype=object)


def save_model(model: Pipeline, path: Path = MODEL_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dump(model, path, compression=ZIP_DEFLATED)


def load_model(path: Path = MODEL_PATH) -> Pipeline:
    """Load a saved classifier, refusing any type other than scikit-learn's, numpy's and ours."""
    untrusted = get_untrusted_types(file=path)
    foreign = [
        t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy.")) and t not in _OWN_TYPES
    ]
    if foreign:
        raise ValueError(f"{path}: refusing to load unexpected types {foreign}")
    return load(path, trusted=untrusted)


@cache
def default_model() -> Pipeline | None:
    """The shipped model, loaded once per process; None when it has not been trained."""
    return load_model() if MODEL_PATH.is_file() else None


def predict_proba(model: Pipeline, rows: np.ndarray) -> np.ndarray:
    """Class probabilities without scikit-learn's per-call input validation, which costs more
    than the prediction itself for a report's few dozen paragraphs (the rows are ours)."""
    with config_context(assume_finite=True, skip_parameter_validation=True):
        return model.predict_proba(rows)


def classify(model: Pipeline, paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
    """The paragraphs with `label` and `confidence` (the calibrated probability of the label)."""
    if not paragraphs:
        return []
    proba = predict_proba(model, paragraph_rows(paragraphs))
    best = proba.argmax(axis=1)
    classes = model.classes_
    return [
        p.model_copy(update={"label": str(classes[k]), "confidence": round(float(proba[i, k]), 3)})
        for i, (p, k) in enumerate(zip(paragraphs, best, strict=True))
    ]
