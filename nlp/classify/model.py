"""Classify stage: every narrative paragraph gets a label (LABELS.md) and a confidence.

The model is a scikit-learn Pipeline: TF-IDF over jieba words (with the domain dictionary) and
over character n-grams of the text, the paragraph's first part, how often it uses each label's
typical words, character n-grams of the sub-heading, the section key, and the characters of the
paragraphs beside it, into a linear SVM whose scores are turned into probabilities by
cross-validated calibration. The fitted Pipeline is exported to the arrays prediction needs
(nlp.classify.scorer: no pickle, no scikit-learn at prediction time), models/paragraph_classifier.npz."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from nlp import MODEL_PATH
from nlp.classify.chinese import SENTENCE_END, words
from nlp.classify.label_rules import apply_rules
from nlp.models import Paragraph
from nlp.read.normalize import nfkc
from nlp.structure.sections import neighbour_texts

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


class Model(Protocol):
    """What labelling needs of a model: the fitted Pipeline (training, evaluation) or the shipped
    nlp.classify.scorer.Scorer (everything else)."""

    classes_: np.ndarray

    def predict_proba(self, rows: np.ndarray) -> np.ndarray: ...


# Columns of the input rows, in this order.
TEXT, SECTION, HEADING, PREVIOUS, NEXT = 0, 1, 2, 3, 4
# Hashed feature space sizes: few collisions for a corpus of this size, a small saved model.
WORD_FEATURES = 2**16
CHAR_FEATURES = 2**17
HEADING_FEATURES = 2**12
LEAD_FEATURES = 2**15
CUE_FEATURES = 2**8
CONTEXT_FEATURES = 2**15
# A paragraph's first part decides its label when it covers several topics (LABELS.md, "Deciding
# hard cases"): this many characters at most, up to the first sentence end.
LEAD_CHARS = 60
# Relative weights of the feature groups. LABELS.md labels a paragraph by what it is about, not by
# where it sits, and by its first part when it covers several topics: the sub-heading counts for
# less than the text (a （一）主动公开情况 heading sits over paragraphs about 解读, platforms or
# 组织领导), the first part for more, the paragraphs beside it for less. Chosen on report-grouped
# CV over several random fold splits.
FEATURE_WEIGHTS = {"heading": 0.3, "lead": 1.5, "previous": 0.5, "next": 0.5}
# The words LABELS.md gives for each label — its typical cues and what its "what belongs here"
# column names — one pattern per label, matched on NFKC text without whitespace. How often a
# paragraph uses each label's words is a feature (a paragraph mainly about platforms names many),
# and so is each label whose words its first part uses.
CUES: tuple[tuple[str, str], ...] = (
    (
        "preamble",
        r"根据《|依据《|统计期限|统计时限|本报告由|组成|如对本报告|联系电话|邮编|电子版|地址|下载|"
        r"查阅本报告|本报告中所列数据",
    ),
    (
        "general",
        r"坚持以.{0,20}为指导|紧紧围绕|取得.{0,4}成效|现将.{0,20}报告如下|指导思想|习近平|"
        r"党的.{0,6}精神|高度重视|全面推进",
    ),
    (
        "proactive",
        r"主动公开.{0,12}\d+|公开了|重点领域|财政预决算|预算|决算|(?:公开|发布).{0,10}\d+(?:条|件|篇|份)",
    ),
    ("on_request", r"依申请|收到.{0,10}申请|受理.{0,10}申请|办结|答复|行政复议|行政诉讼"),
    (
        "management",
        r"保密审查|先审查|先审后发|三审三校|公开指南|公开目录|动态调整|清理|公开属性|规范性文件|"
        r"三统一|归档|审核|三审|过期|失效|废止|合法性审查",
    ),
    (
        "platform",
        r"门户网站|公众号|新媒体|公开栏|查阅点|便民服务中心|服务大厅|12345|专栏|档案馆|图书馆|"
        r"网站|微信|微博|政务服务网|公报|宣传栏|显示屏|政务服务",
    ),
    (
        "interpretation",
        r"解读|图解|回应.{0,4}关切|关切|舆情|新闻发布|发布会|热点|在线访谈|问政|信箱|留言|"
        r"热线|访谈|咨询|互动|问答",
    ),
    (
        "oversight",
        r"领导小组|分管领导|专人负责|培训|考核|监督检查|督查|社会评议|责任追究|组织领导|制度|机制|"
        r"责任|评议|问责|监督",
    ),
    (
        "problem",
        r"存在.{0,12}(?:问题|不足|短板|差距)|有待|待加强|不够|不足|偏少|不及时|差距|薄弱|短板|[仍尚还]需|无法满足|需要.{0,4}(?:加强|改进)的地方",
    ),
    (
        "measure",
        r"下一步|进一步|^(?:我们)?将|将(?:继续|进一步|切实|重点|着力|持续)|加强|完善|改进措施|采取.{0,10}措施|整改",
    ),
    (
        "other",
        r"处理费|收费|收取.{0,20}费|建议提案|人大代表建议|政协.{0,4}提案|无其他需要报告|^无。?$|"
        r"工作要点.{0,10}落实|年度工作",
    ),
)
_CUE_RES = tuple((label, re.compile(pattern)) for label, pattern in CUES)
_LEAD_END_RE = re.compile("[" + "".join(SENTENCE_END) + "：:]")
_SPACE_RE = re.compile(r"\s+")


def paragraph_rows(
    paragraphs: Sequence[Paragraph | dict], context: Sequence[tuple[str, str]] | None = None
) -> np.ndarray:
    """The classifier input: one row (text, section, heading, previous, next) per paragraph, "" for
    none. `context` gives each paragraph's neighbours (structure.neighbour_texts); without it a
    paragraph is read alone."""
    rows = np.empty((len(paragraphs), 5), dtype=object)
    for i, p in enumerate(paragraphs):
        get = p.get if isinstance(p, dict) else lambda k, p=p: getattr(p, k)
        previous, following = context[i] if context is not None else ("", "")
        rows[i] = (get("text") or "", get("section") or "", get("heading") or "", previous, following)
    return rows


def _plain(text: str) -> str:
    """NFKC without whitespace: cheap, and enough here (the readers already simplified the text)."""
    return _SPACE_RE.sub("", nfkc(text))


def _lead_of(plain: str) -> str:
    head = plain[:LEAD_CHARS]
    end = _LEAD_END_RE.search(head, 4)
    return head[: end.start() + 1] if end else head


def lead(text: str) -> str:
    """The first part of a paragraph (NFKC, no whitespace): up to its first sentence end, at most
    LEAD_CHARS characters. Module-level so that a saved model can refer to it."""
    return _lead_of(_plain(text))


def cue_tokens(text: str) -> list[str]:
    """A label's token once per use of its LABELS.md words in the paragraph, and one per label whose
    words its first part uses ("lead:problem"). Module-level so that a saved model can refer to it."""
    plain = _plain(text)
    first = _lead_of(plain)
    return [label for label, pattern in _CUE_RES for _ in pattern.finditer(plain)] + [
        f"lead:{label}" for label, pattern in _CUE_RES if pattern.search(first)
    ]


def _hashed_tfidf(**hashing: object) -> Pipeline:
    """TF-IDF over hashed features: no vocabulary to store, so the model file stays small."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("hash", HashingVectorizer(alternate_sign=False, norm=None, **hashing)),  # type: ignore[arg-type]
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )


def make_classifier(c: float = 2.0) -> Pipeline:
    """An unfitted paragraph classifier (scikit-learn: imported here, for training only)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.svm import LinearSVC

    features = ColumnTransformer(
        [
            (
                "words",
                _hashed_tfidf(
                    tokenizer=words,
                    token_pattern=None,
                    lowercase=False,
                    n_features=WORD_FEATURES,  # single words: the character n-grams already span word pairs
                ),
                TEXT,
            ),
            ("chars", _hashed_tfidf(analyzer="char", ngram_range=(1, 3), n_features=CHAR_FEATURES), TEXT),
            (
                "lead",
                _hashed_tfidf(
                    analyzer="char", preprocessor=lead, ngram_range=(1, 3), n_features=LEAD_FEATURES
                ),
                TEXT,
            ),
            ("cues", _hashed_tfidf(analyzer=cue_tokens, n_features=CUE_FEATURES), TEXT),
            (
                "heading",
                _hashed_tfidf(analyzer="char", ngram_range=(1, 2), n_features=HEADING_FEATURES),
                HEADING,
            ),
            ("section", OneHotEncoder(handle_unknown="ignore"), [SECTION]),
            # The characters of the paragraphs beside it: what the neighbourhood is about.
            ("previous", _hashed_tfidf(analyzer="char", n_features=CONTEXT_FEATURES), PREVIOUS),
            ("next", _hashed_tfidf(analyzer="char", n_features=CONTEXT_FEATURES), NEXT),
        ],
        transformer_weights=FEATURE_WEIGHTS,
    )
    # One SVM on all the data, calibrated on 3-fold out-of-fold scores: one weight matrix to save.
    model = CalibratedClassifierCV(
        LinearSVC(C=c, class_weight="balanced"), cv=3, method="sigmoid", ensemble=False
    )
    return Pipeline([("features", features), ("model", model)])


def save_model(model: Pipeline, path: Path = MODEL_PATH) -> None:
    """The fitted Pipeline as the arrays prediction needs (nlp.classify.scorer), without pickle."""
    from nlp.classify.scorer import save

    save(model, path)


def load_model(path: Path = MODEL_PATH) -> Model:
    from nlp.classify.scorer import Scorer

    return Scorer.load(path)


@cache
def default_model() -> Model | None:
    """The shipped model, loaded once per process; None when it has not been trained."""
    return load_model() if MODEL_PATH.is_file() else None


def predict_proba(model: Model, rows: np.ndarray) -> np.ndarray:
    """Class probabilities. For a scikit-learn Pipeline, without its per-call input validation,
    which costs more than the prediction itself for a report's few dozen paragraphs (the rows are
    ours)."""
    if type(model).__module__.startswith("sklearn."):
        from sklearn import config_context

        with config_context(assume_finite=True, skip_parameter_validation=True):
            return model.predict_proba(rows)
    return model.predict_proba(rows)


def classify(
    model: Model, paragraphs: Sequence[Paragraph], context: Sequence[tuple[str, str]] | None = None
) -> list[Paragraph]:
    """The paragraphs with `label`, `confidence` (the calibrated probability of the label among
    those the label rules left open) and the `rule` that decided, if one did. They are one report's
    paragraphs in reading order; without `context` each is read with its neighbours
    (structure.neighbour_texts)."""
    if not paragraphs:
        return []
    if context is None:
        context = neighbour_texts(paragraphs)
    proba = predict_proba(model, paragraph_rows(paragraphs, context))
    decisions = apply_rules(paragraphs, proba, [str(c) for c in model.classes_])
    return [
        p.model_copy(update={"label": d.label, "confidence": d.confidence, "rule": d.rule})
        for p, d in zip(paragraphs, decisions, strict=True)
    ]
