"""LABELS.md's ways of deciding hard cases, applied to the model's reading of one report.

The classifier (nlp.classify.model) reads each paragraph's words and gives every label a probability.
These rules read what the report's structure says and decide first where it speaks; the model
decides the rest. Read them beside ../shared/domain/LABELS.md:

`problems_and_measures_section` — 五 (存在的主要问题及改进情况) holds the report's problems and
    measures. A paragraph there is `problem` or `measure` (a plain "无" is `other`), decided by, in
    order: what its opening words name ("针对上述问题，…" / "下一步，…" → measure, "仍存在以下
    不足：" → problem), what its sub-heading names ("（二）改进措施"), what the lead-in paragraph
    before it named ("…从以下几个方面着手："), the voice of its sub-heading ("进一步加强组织体系
    建设" → measure) and of its first sentence (a plan or an instruction → measure; a shortcoming →
    problem), the order of 五 (problems come first: after the first measure, measures), and only
    then the model's choice between the two.
`future_voice_in_five_or_six` — "A paragraph whose topic is one of the above, but whose verbs are
    future or imperative (要…, 将…, 进一步…) and which sits in 五 or 六 → measure."
`what_six_reports` — LABELS.md's `other`: a paragraph of 六 about fees charged, deputies' proposals or
    how the year's work plan was carried out, not written as a plan.
`named_by_heading_or_lead_in` — in 六 and outside the template's sections (older reports, lost
    titles), a paragraph under a sub-heading that is only a kind ("存在问题", "下步工作措施") or after
    a lead-in paragraph naming one is of that kind, unless its own first sentence names the other.
    In 一–四 a paragraph keeps its topic (LABELS.md: labels say what a paragraph is about).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp.classify.items import is_lead_in_paragraph, split_parts
from nlp.classify.kinds import (
    Kind,
    denies_shortcomings,
    heading_kind,
    is_plan,
    named_kind,
    starts_as_instruction,
    states_shortcoming,
)
from nlp.models import Paragraph

PROBLEMS_SECTION = "s5_problems"
OTHER_SECTION = "s6_other"
_KINDS: tuple[Kind, ...] = ("problem", "measure")
# Where a sub-heading or lead-in naming a kind decides: 六, and text outside the template's sections
# (older reports, lost titles). In 一–四 paragraphs keep their topic: "采取了以下措施：" there
# introduces what was done, labelled by what it is about.
_UNTEMPLATED_SECTIONS = (OTHER_SECTION, None)
_FIRST_SENTENCE_RE = re.compile(r"^[^。；;！!？?：:]*[。；;！!？?：:]?")
_PLAIN_NONE_RE = re.compile(r"^\s*(?:[(（]?[一二三四五六七八九十\d]+[)）、.．]?)?\s*无[。.]?\s*$")


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float  # the model's probability of the label among those the rule left open
    rule: str | None  # the rule that decided, None where the model did alone


def first_sentence(text: str) -> str:
    return _FIRST_SENTENCE_RE.match(text.strip()).group()  # type: ignore[union-attr]


_ENUMERATOR_START_RE = re.compile(
    r"^\s*(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+是|\d+[.、．]|[①-⑳])\s*"
)
_FIRST_CLAUSE_RE = re.compile(r"^[^，,。；;！!？?：:]*")


def opening_kind(text: str) -> Kind | None:
    """What a paragraph's opening words name: its first sentence when that is a lead-in ending in a
    colon ("仍存在以下不足："), else its first clause ("下一步，…", "针对上述问题，…", "存在问题：")."""
    sentence = first_sentence(text)
    if sentence.rstrip().endswith(("：", ":")):
        return named_kind(sentence)
    body = _ENUMERATOR_START_RE.sub("", text, count=1)
    body = _LEADING_YEAR_RE.sub("", body, count=1)  # "2025年，我区对…问题进行了整改": the clause after the year
    return named_kind(_FIRST_CLAUSE_RE.match(body).group())  # type: ignore[union-attr]


_LEADING_YEAR_RE = re.compile(r"^\s*20\d\d\s*年度?[，,]\s*")


def _choose(proba: np.ndarray, classes: Sequence[str], allowed: Sequence[str]) -> tuple[str, float]:
    """The model's most probable label among `allowed`, with its probability renormalised over them."""
    index = [list(classes).index(label) for label in allowed]
    weights = proba[index]
    best = int(np.argmax(weights))
    total = float(weights.sum())
    return allowed[best], round(float(weights[best]) / total, 3) if total > 0 else 1.0


def _voice(text: str, shortcoming: bool = True) -> Kind | None:
    """measure for a plan or an instruction ("要进一步…", "加强培训"), problem for a sentence that
    names a shortcoming; what the first sentence says."""
    opening = first_sentence(text)
    if denies_shortcomings(opening) and not states_shortcoming(opening):  # "未发现明显问题。2025年将…"
        rest = text.strip()[len(opening) :]
        return _voice(rest, shortcoming) if rest.strip() else None
    if is_plan(opening) or starts_as_instruction(opening):
        return "measure"
    if shortcoming and states_shortcoming(opening):
        return "problem"
    return None


def _turns_from_a_problem(text: str) -> bool:
    """A paragraph that states a problem and then what will be done about it ("…耗时较长。下一步，我局
    将…", "…不够准确，2025年将…"): LABELS.md labels it by its first part, problem."""
    parts = [p for p in split_parts(text) if not p.lead_in]
    return len(parts) > 1 and parts[0].kind == "problem" and any(p.kind == "measure" for p in parts[1:])


# What 六 reports besides measures (LABELS.md `other`): fees, deputies' proposals, how the year's work
# plan was carried out (an innovation is labelled by what it is about).
_FEES_AND_PROPOSALS_RE = re.compile(r"收费|处理费|收取|建议|提案|无其他")
_SIX_TOPICS_RE = re.compile(
    r"收费|处理费|收取|建议|提案|工作要点.{0,6}(?:落实|执行|完成)|(?:落实|按照|根据).{0,20}工作要点|落实情况|"
    r"无其他"
)


def _future_or_imperative(text: str) -> bool:
    """A paragraph of 六 written as a plan ("下一步，我镇将…", "2023年，我乡将…") or, when it is an
    enumerated point, as an instruction ("1、加强学习，…"), and not about what 六 reports besides."""
    opening = first_sentence(text)
    if is_plan(opening):
        return not _FEES_AND_PROPOSALS_RE.search(opening)
    enumerated = _ENUMERATOR_START_RE.match(text) is not None
    return enumerated and starts_as_instruction(opening) and not _SIX_TOPICS_RE.search(opening)


_LEAD_IN_SENTENCE_RE = re.compile(r"[^。；;！!？?：:]*[：:]")


def _last_lead_in_kind(text: str) -> Kind | None:
    """The kind a lead-in inside the paragraph names for the paragraphs after it: one that ends it or
    opens a list ("…从以下三个方面改进：一是…"), not a label of the text after it ("整改措施：按季度…")."""
    kinds = [
        named_kind(m.group())
        for m in _LEAD_IN_SENTENCE_RE.finditer(text)
        if not text[m.end() :].strip() or _ENUMERATOR_START_RE.match(text[m.end() :])
    ]
    return next((k for k in reversed(kinds) if k is not None), None)


def apply_rules(paragraphs: Sequence[Paragraph], proba: np.ndarray, classes: Sequence[str]) -> list[Decision]:
    """The label of each paragraph of one report (in reading order), given the model's probabilities."""
    decisions: list[Decision] = []
    announced: Kind | None = None  # named by the last lead-in paragraph, until the sub-heading changes
    seen_measure = False
    previous: Paragraph | None = None
    for index, (paragraph, row) in enumerate(zip(paragraphs, proba, strict=True)):
        if previous is None or paragraph.section != previous.section:
            announced, seen_measure = None, False
        elif paragraph.heading != previous.heading and heading_kind(paragraph.heading) is not None:
            announced = None  # a sub-heading naming a kind ends what a lead-in announced
        model_label, model_confidence = _choose(row, classes, list(classes))
        own = opening_kind(paragraph.text)
        # the nearest sub-heading that is nothing but a kind ("（二）改进措施" above "1.健全统一发布机制")
        heading = next(
            (k for h in reversed(paragraph.headings or [paragraph.heading or ""]) if (k := heading_kind(h))),
            None,
        )
        if paragraph.section == PROBLEMS_SECTION:
            if _PLAIN_NONE_RE.match(paragraph.text):
                decision = Decision("other", 1.0, "problems_and_measures_section")
            else:
                kind = (
                    own
                    or ("measure" if is_plan(first_sentence(paragraph.text)) else None)
                    or heading
                    or ("problem" if _turns_from_a_problem(paragraph.text) else None)
                    or announced
                    or _voice(paragraph.text)
                    or ("measure" if seen_measure else None)
                )
                if kind is not None:
                    decision = Decision(kind, 1.0, "problems_and_measures_section")
                else:
                    decision = Decision(*_choose(row, classes, _KINDS), "problems_and_measures_section")
        elif paragraph.section == OTHER_SECTION and _future_or_imperative(paragraph.text):
            decision = Decision("measure", 1.0, "future_voice_in_five_or_six")
        elif paragraph.section == OTHER_SECTION and _SIX_TOPICS_RE.search(first_sentence(paragraph.text)):
            decision = Decision("other", 1.0, "what_six_reports")
        elif paragraph.section in _UNTEMPLATED_SECTIONS and (heading or announced):
            kind = own or heading or announced
            if (
                heading is None
                and own is None
                and _voice(paragraph.text) != kind
                and model_label not in _KINDS
            ):
                decision = Decision(
                    model_label, model_confidence, None
                )  # after a lead-in, but not of its kind
            else:
                decision = Decision(kind, 1.0, "named_by_heading_or_lead_in")  # type: ignore[arg-type]
        else:
            decision = Decision(model_label, model_confidence, None)
        if decision.label == "measure":
            seen_measure = True
        # A lead-in — the paragraph itself ("仍存在以下不足：") or one inside it ("…我们将从以下三个方面
        # 改进：一是…", which goes on as "二是…" in the next paragraph) — names what follows.
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        if is_lead_in_paragraph(paragraph, following):
            announced = (
                named_kind(paragraph.text) or announced
            )  # "针对上述问题，…再上新台阶；" before "一是…"
        else:
            announced = _last_lead_in_kind(paragraph.text) or announced
        decisions.append(decision)
        previous = paragraph
    return decisions
