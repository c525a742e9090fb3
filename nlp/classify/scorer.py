"""The shipped paragraph classifier as plain arrays, scored with NumPy.

scikit-learn trains the classifier (nlp.classify.model.make_classifier). `export` keeps what prediction
needs from the fitted Pipeline — for each feature block its analyzer, hash size, idf weights and block
weight; the linear SVM's coefficients; the sigmoid calibration of each class — in one .npz file (no
pickle, nothing executable). `Scorer.predict_proba` gives the Pipeline's probabilities
(tests/test_classifier.py checks them against scikit-learn to 1e-9) without importing scikit-learn or
SciPy: a one-file command starts in about a second, and a batch worker holds 110 MB less.

The hashing is scikit-learn's: MurmurHash3 (32-bit, seed 0) of the feature's UTF-8 bytes, its
absolute value modulo the number of features (mmh3 computes the same hash).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mmh3
import numpy as np

from nlp.classify.chinese import words
from nlp.classify.model import cue_tokens, lead

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FORMAT = "xxgk-linear-1"
# The functions a block may name: what the fitted vectorizers were given.
ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "nlp.classify.chinese.words": words,
    "nlp.classify.model.lead": lead,
    "nlp.classify.model.cue_tokens": cue_tokens,
}
_WHITE_SPACES_RE = re.compile(r"\s\s+")  # scikit-learn's char analyzer folds runs of whitespace


def _name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


@dataclass(frozen=True)
class Block:
    """One feature block of the ColumnTransformer: what it reads and how it weighs it."""

    name: str
    column: int
    kind: str  # "tfidf" (hashed counts → sublinear tf · idf → l2) or "onehot"
    weight: float
    offset: int  # where its features start in the SVM's feature space
    width: int
    analyzer: str | None = None  # "char", "word" or "callable"
    function: str | None = None  # the tokenizer, preprocessor or analyzer it was given
    ngram_range: tuple[int, int] = (1, 1)
    lowercase: bool = True
    categories: tuple[str, ...] = ()

    def features(self, text: str) -> list[str]:
        if self.analyzer == "callable":
            return ANALYZERS[self.function](text)  # type: ignore[index]
        if self.analyzer == "word":
            doc = text.lower() if self.lowercase else text
            return ANALYZERS[self.function](doc)  # type: ignore[index]
        if self.function is not None:  # a preprocessor replaces lower-casing
            doc = ANALYZERS[self.function](text)  # type: ignore[assignment]
        else:
            doc = text.lower() if self.lowercase else text
        return _char_ngrams(_WHITE_SPACES_RE.sub(" ", doc), *self.ngram_range)  # type: ignore[arg-type]


def _char_ngrams(doc: str, low: int, high: int) -> list[str]:
    grams: list[str] = list(doc) if low == 1 else []
    for n in range(max(low, 2), min(high, len(doc)) + 1):
        grams.extend(doc[i : i + n] for i in range(len(doc) - n + 1))
    return grams


def _hash_indices(features: list[str], n_features: int) -> np.ndarray:
    hashes = np.fromiter(map(mmh3.hash, features), dtype=np.int64, count=len(features))
    index = np.abs(hashes) % n_features
    # abs() overflows in 32 bits for the smallest hash: scikit-learn's definition of that case
    index[hashes == -(2**31)] = (2**31 - 1 - (n_features - 1)) % n_features
    return index


class Scorer:
    """predict_proba of the exported Pipeline; `classes_` as scikit-learn names them."""

    def __init__(self, blocks: list[Block], arrays: dict[str, np.ndarray]) -> None:
        self.blocks = blocks
        self.classes_ = arrays["classes"]
        self.idf = {b.name: arrays[f"idf_{b.name}"] for b in blocks if b.kind == "tfidf"}
        self.columns = arrays["coef_columns"]  # feature indices with a nonzero coefficient, sorted
        self.coef_by_feature = np.ascontiguousarray(arrays["coef"].T)  # len(columns) × classes
        self.intercept = arrays["intercept"]
        self.a = arrays["calibration_a"]
        self.b = arrays["calibration_b"]

    def _features(self, block: Block, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The block's features of every text, all rows at once: row numbers, indices into the
        SVM's feature space, weights (the block's TF-IDF, l2-normalised per row, times its weight)."""
        if block.kind == "onehot":
            rows = [i for i, text in enumerate(texts) if text in block.categories]
            index = [block.offset + block.categories.index(texts[i]) for i in rows]
            return (
                np.array(rows, dtype=np.int64),
                np.array(index, dtype=np.int64),
                np.full(len(rows), block.weight),
            )
        features = [block.features(text) for text in texts]
        lengths = np.fromiter(map(len, features), dtype=np.int64, count=len(features))
        hashed = _hash_indices([f for row in features for f in row], block.width)
        keys, counts = np.unique(
            np.repeat(np.arange(len(texts)), lengths) * block.width + hashed, return_counts=True
        )
        rows, index = np.divmod(keys, block.width)
        values = (np.log(counts.astype(np.float64)) + 1.0) * self.idf[block.name][index]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        return rows, index + block.offset, values / norms[rows] * block.weight

    def decision_function(self, rows: np.ndarray) -> np.ndarray:
        decision = np.tile(self.intercept, (len(rows), 1))
        for block in self.blocks:
            row, index, values = self._features(block, [text or "" for text in rows[:, block.column]])
            position = np.searchsorted(self.columns, index)
            position[position == len(self.columns)] = 0
            known = self.columns[position] == index  # features the SVM gave no weight are left out
            row, position, values = row[known], position[known], values[known]
            if not len(row):
                continue
            # the rows come sorted: sum each row's run of features
            starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
            decision[row[starts]] += np.add.reduceat(self.coef_by_feature[position] * values[:, None], starts)
        return decision

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        """scikit-learn's CalibratedClassifierCV (sigmoid, one calibrated classifier): each class's
        sigmoid of its decision value, normalised to sum to one."""
        proba = 1.0 / (1.0 + np.exp(self.a * self.decision_function(rows) + self.b))
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        proba = np.divide(proba, total, out=uniform, where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    @classmethod
    def load(cls, path: Path) -> Scorer:
        """A model written by `save`; refuses any other file."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        spec = json.loads(str(arrays.pop("spec")))
        if spec.get("format") != FORMAT:
            raise ValueError(f"{path}: not an xxgk model (format {spec.get('format')!r})")
        blocks = [
            Block(**{**b, "ngram_range": tuple(b["ngram_range"]), "categories": tuple(b["categories"])})
            for b in spec["blocks"]
        ]
        unknown = [b.function for b in blocks if b.function is not None and b.function not in ANALYZERS]
        if unknown:
            raise ValueError(f"{path}: the model names analyzers this version does not have: {unknown}")
        return cls(blocks, arrays)


def export(pipeline: Pipeline) -> tuple[list[Block], dict[str, np.ndarray]]:
    """The blocks and arrays of a fitted nlp.classify.model.make_classifier Pipeline."""
    features, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    if len(model.calibrated_classifiers_) != 1 or model.method != "sigmoid":
        raise ValueError("export needs one sigmoid-calibrated classifier (ensemble=False)")
    weights = features.transformer_weights or {}
    blocks: list[Block] = []
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for name, transformer, columns in features.transformers_:
        if name == "remainder":
            continue
        column = columns[0] if isinstance(columns, list) else columns
        weight = float(weights.get(name, 1.0))
        if hasattr(transformer, "categories_"):
            categories = tuple(str(c) for c in transformer.categories_[0])
            blocks.append(
                Block(name, column, "onehot", weight, offset, len(categories), categories=categories)
            )
            offset += len(categories)
            continue
        hasher, tfidf = transformer.named_steps["hash"], transformer.named_steps["tfidf"]
        if not tfidf.sublinear_tf or tfidf.norm != "l2" or hasher.norm is not None or hasher.alternate_sign:
            raise ValueError(f"export does not know the settings of block {name}")
        if callable(hasher.analyzer):
            analyzer, function = "callable", _name(hasher.analyzer)
        elif hasher.analyzer == "word":
            analyzer, function = "word", _name(hasher.tokenizer)
        else:
            analyzer, function = "char", _name(hasher.preprocessor) if hasher.preprocessor else None
        blocks.append(
            Block(
                name,
                column,
                "tfidf",
                weight,
                offset,
                hasher.n_features,
                analyzer=analyzer,
                function=function,
                ngram_range=tuple(hasher.ngram_range),
                lowercase=bool(hasher.lowercase),
            )
        )
        arrays[f"idf_{name}"] = np.asarray(tfidf.idf_, dtype=np.float64)
        offset += hasher.n_features
    calibrated = model.calibrated_classifiers_[0]
    svm = calibrated.estimator
    coef = np.asarray(svm.coef_, dtype=np.float64)
    columns = np.flatnonzero(np.any(coef != 0, axis=0))
    arrays.update(
        classes=np.asarray([str(c) for c in model.classes_]),
        coef_columns=columns.astype(np.int64),
        coef=coef[:, columns],
        intercept=np.asarray(svm.intercept_, dtype=np.float64),
        calibration_a=np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64),
        calibration_b=np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64),
    )
    if list(svm.classes_) != list(model.classes_):
        raise ValueError("the calibrated classes are not the SVM's")
    return blocks, arrays


def save(pipeline: Pipeline, path: Path) -> None:
    blocks, arrays = export(pipeline)
    spec: dict[str, Any] = {"format": FORMAT, "blocks": [b.__dict__ for b in blocks]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, spec=np.array(json.dumps(spec, ensure_ascii=False)), **arrays)


def scores_match(pipeline: Pipeline, scorer: Scorer, rows: Sequence | np.ndarray) -> float:
    """The largest difference between the Pipeline's and the scorer's probabilities on the rows."""
    return float(np.max(np.abs(pipeline.predict_proba(rows) - scorer.predict_proba(np.asarray(rows)))))
