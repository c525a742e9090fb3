"""Items: each single problem statement and measure of a report (LABELS.md, "Items").

A problem or measure paragraph is cut at its enumerators — 一是/二是, （一）, 1./1、, （1）, ① — at the
start of the text or after punctuation (so "2020年" or "第1项" never cut), and only at the family of
enumerators that opens the list: the （1） inside a 一是 stays in its item. The kind of every item
comes from the report's own structure first:

- a lead-in governs the items after it: "存在的问题：", "仍存在以下不足：", "针对上述问题，下一步将
  抓好以下工作：" (nlp.classify.kinds.named_kind). A lead-in is never an item. A list restarted after a
  lead-in inside the last item ("…有待完善。2020年，我们将采取以下措施加以改进：（一）…") starts
  a new run of items of the kind it names;
- the text before the list is an item when it states something of its own ("…仍存在一定差距。如
  …有待加强等。针对存在问题，…以下工作："), and a lead-in when it only announces the list;
- an unenumerated paragraph is one item, or two when a sentence turns from the problems to the
  measures ("…宣传力度不够。下一步，我们将加强…");
- otherwise an item takes its paragraph's label, which the label rules (nlp.classify.label_rules) decided
  from the sub-heading, the lead-in paragraph before it and the order of 五 before the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.classify.kinds import (
    DOING,
    Kind,
    denies_shortcomings,
    heading_kind,
    is_plan,
    named_kind,
    starts_as_instruction,
    states_shortcoming,
)
from nlp.models import Item, Paragraph

ITEM_KINDS: tuple[Kind, ...] = ("problem", "measure")
_CN = "一二三四五六七八九十"
# Enumerator families, each with the pattern of one enumerator; group "n" is its number.
FAMILIES: dict[str, str] = {
    "shi": rf"(?P<n>[{_CN}]{{1,2}})是",
    "paren_cn": rf"[（(]\s*(?P<n>[{_CN}]{{1,2}})\s*[)）]",
    "cn_comma": rf"(?P<n>[{_CN}]{{1,2}})、",
    "arabic": r"(?P<n>\d{1,2})\s*[.．、](?!\d)",
    "paren_arabic": r"[（(]\s*(?P<n>\d{1,2})\s*[)）]",
    "circled": r"(?P<n>[①-⑳])",
}
# An enumerator starts a part at the start of the text or after punctuation; "一是" also after the
# subject or the modal it continues ("我局将一是建立…", "我镇一是对照…"), not inside 统一是/唯一是.
_BOUNDARY = (
    r"(?:^|(?<=[。；;：:，,！!？?\s])|(?<=[将要局镇乡区县市委办厅们](?=[一二三四五六七八九十]{1,2}是)))\s*"
)
_FAMILY_RES = {name: re.compile(_BOUNDARY + rf"(?:{pattern})\s*") for name, pattern in FAMILIES.items()}
_ANY_ENUMERATOR_RE = re.compile(
    _BOUNDARY
    + "(?:"
    + "|".join(f"(?P<{name}>{p.replace('(?P<n>', '(?:')})" for name, p in FAMILIES.items())
    + r")\s*"
)
_TRIM = " ；;，,。"
_SENTENCE_RE = re.compile(r"[^。；;！!？?：:]*[。；;！!？?：:]?")
# A short heading that ends with a colon: "存在的问题：", "（二）改进措施：".
_LEAD_IN_HEAD_RE = re.compile(r"^(?P<head>[^。；;，,：:]{2,24})[：:]\s*")
# A short heading sentence right before a list of another enumerator: "（三）2025年工作打算。一是…".
_HEADING_SENTENCE_RE = re.compile(
    r"^(?P<head>[^。；;，,：:]{2,24})。\s*(?=[一二三四五六七八九十]{1,2}是|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])"
)
# A sentence that is nothing but a kind, before the text it heads: "存在的主要问题。主要表现在：…".
_KIND_SENTENCE_RE = re.compile(r"^(?P<head>[^。；;，,：:]{2,24})。\s*(?=\S)")
# Words that announce the list after them.
_ANNOUNCING_RE = re.compile(r"(?:主要|具体)?(?:表现在|表现为|有以下|如下|以下)$")
# A nested list after these words details its item ("…不够。具体表现为：（1）…"): it stays inside it.
_ELABORATION_RE = re.compile(r"具体表现|主要表现|表现在|表现为|包括|具体如下|主要是|主要有|例如|比如")
# A sentence that announces a list or a turn: "…采取以下措施：", "下一步，我们将…如下".
_ANNOUNCES_RE = re.compile(r"[：:]$|以下|如下|几个方面|几方面")
# Opening words of a sentence that turns from the problems to what will be done about them.
_TURN_RE = re.compile(
    r"^(?:下一步|下步|下阶段|今后|针对|为此|对此|结合.{0,12}(?:问题|不足)|"
    r"20\d\d年[，,]?(?:我[^，,。；;]{1,3}|本[^，,。；;]{1,3})?将|我们将)"
)
_CLAUSE_TURN_RE = re.compile(
    r"(?<=[，,。；;])\s*(?=(?:下一步|下步|下阶段|今后|为此|对此)[，,]?|20\d\d年[，,]?(?:我[^，,。；;]{1,3}|本[^，,。；;]{1,3})?将|"
    r"针对(?:这一|此类?|该|上述|以上)(?:问题|情况|不足)|"
    rf"将(?={DOING})|将[^，,。；;]{{2,20}}(?:纳入|列入|作为))"  # "…较为薄弱，将结合…", "…不够，将目录调整纳入考核"
)
# A kind named inside a text, as a label before what it names: "…启动时间。改进措施：会同…",
# "存在问题：…。改进措施：…".
_INLINE_KIND_RE = re.compile(
    r"(?:^|(?<=[。；;\s]))\s*(?P<head>(?:存在的?|主要)?(?:问题|不足)|(?:整改|改进|具体|工作)?措施|整改情况|改进方向)[：:]\s*"
)
_GENERIC_SHORTCOMING_RE = re.compile(
    r"(?:存在|还有|仍有|尚有)(?:着)?(?:一定|一些|不少|较大|很大|许多|部分)?的?(?:问题|不足|短板|差距|薄弱环节|弱项)"
    r"(?:和(?:不足|薄弱环节|短板|差距))?|需要加强和改进的地方|有待改进的地方|差距"
)


@dataclass(frozen=True)
class Part:
    """A piece of a paragraph: an item body, or a lead-in that names the kind of what follows."""

    text: str
    lead_in: bool
    kind: Kind | None = None  # what a lead-in names, or what a turn of voice makes an item


def _numbers(match: re.Match[str]) -> int:
    n = match["n"]
    if "①" <= n <= "⑳":  # before isdigit(), which circled numbers pass
        return ord(n) - ord("①") + 1
    if n.isdigit():
        return int(n)
    return _CN.index(n[-1]) + 1 + (10 if len(n) == 2 else 0)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_RE.findall(text) if s.strip()]


def _is_generic(sentence: str) -> bool:
    """A sentence that names shortcomings only in general ("但仍存在一些不足。", "还有一些需要加强和
    改进的地方。"): it announces problems without stating one."""
    rest = _GENERIC_SHORTCOMING_RE.sub("", sentence)
    return rest != sentence and not states_shortcoming(rest) and not re.search(r"如|例如|主要是|表现", rest)


def _split_turn(text: str, clauses: bool = False) -> list[Part]:
    """An unenumerated piece: kinds named inside it ("…。改进措施：…"), a lead-in sentence ending in a
    colon ("…仍存在一些不足，主要是：") and what follows it; then one item, or a problem and a measure
    where a clause turns from a shortcoming to what will be done ("…更新不够及时，下一步将…", "…不够准确，
    2025年将…", each pair of a "…；…" list) or a sentence does ("…调整2次。下一步，乡政府将…")."""
    label = next((m for m in _INLINE_KIND_RE.finditer(text) if named_kind(m["head"])), None)
    if label is not None:
        kind = named_kind(label["head"])
        before = _split_turn(text[: label.start()], clauses)
        after = _split_turn(text[label.end() :], clauses)
        if kind == "measure":  # "…链接失效等问题。改进措施：…": what the measure answers is a problem
            before = [p if p.lead_in or p.kind else Part(p.text, False, "problem") for p in before]
        after = [p if p.lead_in or p.kind else Part(p.text, False, kind) for p in after]
        return [*before, Part(label["head"], True, kind), *after]
    sentences = _sentences(text)
    if len(sentences) > 1 and sentences[0].rstrip().endswith(("：", ":")):
        lead = sentences[0].strip(_TRIM)
        rest = "".join(sentences[1:])
        return [Part(lead, True, named_kind(lead)), *_split_turn(rest, clauses)]
    if len(sentences) > 1 and denies_shortcomings(sentences[0]):  # "经自查，未发现明显问题。2025年，将…"
        return [Part(sentences[0].strip(_TRIM), True), *_split_turn("".join(sentences[1:]), clauses)]
    pieces: list[Part] = []
    for piece in re.split(r"(?<=[。；;！!？?])", text):
        turn = _CLAUSE_TURN_RE.search(piece)
        before = piece[: turn.start()] if turn else ""
        if turn and _states_own_shortcoming(before):
            pieces += [Part(before, False, "problem"), Part(piece[turn.start() :], False, "measure")]
        elif piece.strip(_TRIM):
            pieces.append(Part(piece, False))
    if any(p.kind for p in pieces):  # "…不够及时，下一步将…；…较少，2023年将…": each an item
        return _joined(pieces)
    for k in range(1, len(sentences)):
        opening = sentences[k].strip()
        before = "".join(sentences[:k])
        if is_plan(before) or starts_as_instruction(before):
            break  # a measure that goes on: "加强培训…。今后，我们将继续…"
        if _TURN_RE.match(opening) or (
            (is_plan(opening) or starts_as_instruction(opening)) and _states_own_shortcoming(before)
        ):
            return [
                *_generic_opening(before, "problem"),
                Part("".join(sentences[k:]).strip(_TRIM), False, "measure"),
            ]
    return _generic_opening(text, None)


# Sentences that detail the one before them ("…仍存在一定差距。如…有待加强等。"): they stay with it.
_DETAILS_START_RE = re.compile(r"^\s*(?:如|例如|比如|主要是|主要表现|具体表现|表现在|特别是|尤其是)")


def _generic_opening(text: str, kind: Kind | None) -> list[Part]:
    """One item; a first sentence that names shortcomings only in general ("一年来，…还存在一些不足。")
    before the ones that state them is a lead-in, unless the next sentence details it ("如…")."""
    sentences = _sentences(text)
    opening = sentences[0] if sentences else ""
    if (
        len(sentences) > 1
        and opening.rstrip().endswith("。")
        and _is_generic(opening)
        and named_kind(opening) != "measure"
        and not is_plan(opening)
        and not _DETAILS_START_RE.match(sentences[1])
    ):
        rest = "".join(sentences[1:]).strip(_TRIM)
        return [Part(sentences[0].strip(_TRIM), True, "problem"), Part(rest, False, kind)]
    return [Part(text.strip(_TRIM), False, kind)] if text.strip(_TRIM) else []


def _states_own_shortcoming(text: str) -> bool:
    """A clause that states a shortcoming, not one that answers it ("针对存在问题，") or plans."""
    return (
        states_shortcoming(text)
        and named_kind(text) != "measure"
        and not (is_plan(text) or starts_as_instruction(text))
    )


def _joined(pieces: list[Part]) -> list[Part]:
    """Sentences without a turn of their own join the part before them, as written."""
    parts: list[Part] = []
    for piece in pieces:
        if piece.kind is None and parts:
            parts[-1] = Part(parts[-1].text + piece.text, False, parts[-1].kind)
        else:
            parts.append(piece)
    return [Part(p.text.strip(_TRIM), False, p.kind) for p in parts if p.text.strip(_TRIM)]


def _head_parts(head: str) -> list[Part]:
    """The text before a list: a lead-in, or a statement of its own followed by a lead-in."""
    sentences = _sentences(head)
    if not sentences:
        return []
    last = sentences[-1].strip()
    content = sentences[:-1] if (_ANNOUNCES_RE.search(last) or named_kind(last)) else sentences
    lead = sentences[len(content) :]
    parts: list[Part] = []
    body = "".join(content).strip(_TRIM)
    if body and not (len(content) == 1 and _is_generic(content[0])):
        parts.append(Part(body, False, named_kind(body) or ("problem" if states_shortcoming(body) else None)))
    elif body:
        lead = sentences
    if lead:
        parts.append(Part("".join(lead).strip(_TRIM), True, named_kind("".join(lead))))
    return parts


def _leading_lead_in(text: str, topic_heads: bool = True) -> tuple[Part | None, str]:
    """A short heading with a colon at the start of a piece ("存在的问题：", "改进措施：", "主要表现在："),
    or with a full stop when a list follows it ("2025年工作打算。一是…"); not a statement with a colon
    ("疫情信息发布的规范化水平有待提高：（1）…", whose sub-points are its own)."""
    m = _LEAD_IN_HEAD_RE.match(text) or _HEADING_SENTENCE_RE.match(text)
    kind_sentence = _KIND_SENTENCE_RE.match(text)
    if m is None and kind_sentence and heading_kind(kind_sentence["head"]):  # "存在的主要问题。主要表现在：…"
        m = kind_sentence
    if m is None:
        return None, text
    head = m["head"]
    if (
        heading_kind(head)
        or _ANNOUNCING_RE.search(head)
        or (topic_heads and len(head) <= 12 and not states_shortcoming(head))
    ):
        return Part(head, True, named_kind(head)), text[m.end() :]
    return None, text


def split_parts(text: str) -> list[Part]:
    """The parts of a paragraph in order: lead-ins and item bodies, enumerators removed."""
    parts: list[Part] = []
    start = _ANY_ENUMERATOR_RE.match(text)
    if start:  # "1.存在的问题：一是…": the number heads the lead-in, the list follows it
        lead, rest = _leading_lead_in(text[start.end() :], topic_heads=False)  # "1.统一发布节奏：（1）…"
        if lead is not None:
            return [lead, *split_parts(rest)]
    else:
        lead, rest = _leading_lead_in(text)
        if lead is not None:
            return [lead, *split_parts(rest)]
    first = _ANY_ENUMERATOR_RE.search(text)
    if first is None:
        return _split_turn(text)
    family = next(name for name in FAMILIES if first[name])
    marks = [m for m in _FAMILY_RES[family].finditer(text) if m.start() >= first.start()]
    parts.extend(_head_parts(text[: first.start()]))
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        restarts = k + 1 < len(marks) and _numbers(marks[k + 1]) == 1
        parts.extend(_body_parts(text[mark.end() : end], family, before_restart=restarts))
    return parts


def _voice_kind(text: str) -> Kind | None:
    if is_plan(text) or starts_as_instruction(text):
        return "measure"
    return "problem" if states_shortcoming(text) else None


def _opens_new_list(before: str) -> bool:
    """The text before a nested list that starts at one ends with a lead-in that turns to another
    kind ("…但仍然有待完善。2020年，我们将采取以下措施加以改进："), not with words that detail the item
    ("具体表现为：", "…水平有待提高：")."""
    sentences = _sentences(before)
    last = sentences[-1] if sentences else ""
    kind = named_kind(last)
    if kind == "measure" and re.search(r"[将要]\s*$", last):  # "…不够具体。对此，我局将" + "一是…"
        return _voice_kind("".join(sentences[:-1])) != "measure"
    if not last.rstrip().endswith(("：", ":")) or kind is None or _ELABORATION_RE.search(last):
        return False
    stated = "".join(sentences[:-1]).strip(_TRIM)
    if not stated:  # "1.疫情信息发布的规范化水平有待提升：（1）…": a headline over its own sub-points
        return heading_kind(last.rstrip("：: ")) is not None
    return heading_kind(stated) is not None or _voice_kind(stated) != kind


def _body_parts(body: str, family: str, before_restart: bool = False) -> list[Part]:
    """One enumerated part; a lead-in at its end that opens a new list ("…以下措施加以改进：（一）…",
    "…信息少。对此，我局将" before the numbering starts again at 一是) is split off."""
    restart = next(
        (
            m
            for name, pattern in _FAMILY_RES.items()
            if name != family
            for m in pattern.finditer(body)
            if m.start() > 0 and _numbers(m) == 1 and _opens_new_list(body[: m.start()])
        ),
        None,
    )
    if restart is not None:
        before, after = body[: restart.start()], body[restart.start() :]
        sentences = _sentences(before)
        lead = sentences[-1] if sentences else ""
        item = "".join(sentences[:-1]).strip(_TRIM)
        return [
            *([Part(item, False)] if item else []),
            Part(lead.strip(_TRIM), True, named_kind(lead) or ("measure" if is_plan(lead) else None)),
            *split_parts(after),
        ]
    sentences = _sentences(body)
    last = sentences[-1] if sentences else ""
    if len(sentences) > 1 and (last.rstrip().endswith(("：", ":")) or (before_restart and named_kind(last))):
        # "…有待提升。针对以上问题，我镇将从以下方面进行整改：" before the list starts again at （一）
        item = "".join(sentences[:-1]).strip(_TRIM)
        return [Part(item, False), Part(last.strip(_TRIM), True, named_kind(last))]
    return _split_turn(body, clauses=True)


def is_lead_in_paragraph(paragraph: Paragraph, following: Paragraph | None) -> bool:
    """A paragraph that only announces the list of the next one ("针对以上问题，我局从以下几个方面
    着手：", "针对上述问题，我县坚持问题导向…；" before "一是…")."""
    text = paragraph.text.strip()
    if _ANY_ENUMERATOR_RE.search(text):
        return False
    opens_list = (
        following is not None
        and following.section == paragraph.section
        and _ANY_ENUMERATOR_RE.match(following.text) is not None
    )
    if text.endswith(("：", ":")) and opens_list:
        return True  # "对照上级要求，我们清醒地认识到：" before "一是…"
    last = _sentences(text)[-1]
    if text.endswith(("：", ":")) and _ANNOUNCES_RE.search(last.rstrip("：: ")):
        return True  # "…还存在不足，现将问题及改进措施分述如下："
    if named_kind(last) is None:
        return False
    return text.endswith(("：", ":")) or (
        opens_list and (_ANNOUNCES_RE.search(text) or text.endswith(("；", ";")))
    )


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_MIN_ITEM_HAN = 4


def _is_item(part: Part) -> bool:
    """A body that states something: words, not a date or a number, nor a kind heading alone
    ("政府信息公开工作存在的主要问题")."""
    return len(_HAN_RE.findall(part.text)) >= _MIN_ITEM_HAN and heading_kind(part.text) is None


def paragraph_parts(paragraph: Paragraph, following: Paragraph | None) -> list[Part]:
    """The parts of a problem or measure paragraph; a lead-in paragraph ("针对以上问题，我局从以下
    几个方面着手：") is a lead-in, or a statement of its own and a lead-in."""
    if is_lead_in_paragraph(paragraph, following):
        return _head_parts(paragraph.text)
    return split_parts(paragraph.text)


_LIST_SECTIONS = ("s5_problems", "s6_other")
_EMBEDDED_LEAD_IN_RE = re.compile(
    r"(?:^|(?<=[。；;]))([^。；;：:]{4,40}[：:])\s*(?=[一二三四五六七八九十]{1,2}是|\d{1,2}[.．、](?!\d)|[（(][一二三四五六七八九十\d]{1,2}[)）]|[①-⑳])"
)


def _embedded_list(text: str) -> list[Part]:
    """A list of problems or measures inside a paragraph about something else (LABELS.md: items are
    cut "anywhere else they occur"): "本年度未收取信息处理费。…2023年，我局将继续做好以下工作：一是…"."""
    for m in _EMBEDDED_LEAD_IN_RE.finditer(text):
        kind = named_kind(m.group(1))
        if kind is not None:
            return [Part(m.group(1).strip(_TRIM), True, kind), *split_parts(text[m.end() :])]
    return []


_HEADLINE_RE = re.compile(r"^[^。；;！!？?：:]{4,30}。$")
# A paragraph that adds another point to the one before it, rather than explaining it.
_GOES_ON_RE = re.compile(r"^\s*(?:同时|此外|另外|另一方面|其次|再次|最后|并且?|还要?)[，,]?")


def _headline_over(paragraph: Paragraph, following: Paragraph | None) -> bool:
    """An enumerated point whose headline stands on its own line and whose explanation is the next
    paragraph ("（一）聚焦群众关切，推动公开内容精准供给。" then "围绕…"): the two are one item."""
    start = _ANY_ENUMERATOR_RE.match(paragraph.text)
    return (
        start is not None
        and following is not None
        and following.section == paragraph.section
        and following.label == paragraph.label
        and following.heading == paragraph.heading
        and _ANY_ENUMERATOR_RE.match(following.text) is None
        and _GOES_ON_RE.match(following.text) is None
        and not is_lead_in_paragraph(following, None)
        and _HEADLINE_RE.match(paragraph.text[start.end() :].strip()) is not None
    )


def report_items(paragraphs: Sequence[Paragraph]) -> list[Item]:
    """Items of every problem and measure paragraph, in document order."""
    items: list[Item] = []
    merged: set[int] = set()
    for index, paragraph in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        if index in merged:
            continue
        if paragraph.label in ITEM_KINDS and _headline_over(paragraph, following):
            assert following is not None
            merged.add(index + 1)
            headline = paragraph.text[_ANY_ENUMERATOR_RE.match(paragraph.text).end() :].strip()  # type: ignore[union-attr]
            text = headline + ("" if headline.endswith("。") else "。") + following.text.strip().rstrip(_TRIM)
            items.append(Item(kind=paragraph.label, text=text, section=paragraph.section, paragraph=index))  # type: ignore[arg-type]
            continue
        if paragraph.label in ITEM_KINDS:
            kind: Kind = paragraph.label  # type: ignore[assignment]
            parts = paragraph_parts(paragraph, following)
        elif paragraph.section in _LIST_SECTIONS and (embedded := _embedded_list(paragraph.text)):
            kind, parts = embedded[0].kind, embedded  # type: ignore[assignment]
        else:
            continue
        governing: Kind | None = None
        for part in parts:
            if part.lead_in or not _is_item(part):
                governing = part.kind or named_kind(part.text) or governing
                continue
            items.append(
                Item(
                    kind=part.kind or governing or kind,
                    text=part.text,
                    section=paragraph.section,
                    paragraph=index,
                )
            )
    return items
