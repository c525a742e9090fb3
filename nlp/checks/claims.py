"""Narrative-vs-table claims (TEMPLATES.md §7.4) and plausibility warnings (§7.5).

A claim is a number written with the noun phrase it counts: "收到政府信息公开申请3件",
"行政复议2件", "现行有效行政规范性文件698件", or a noun phrase under a negation
("未收到…申请"). The prose is read with spaCy Matcher rules over jieba words in two steps:

1. **Chunks.** The Matcher marks the noun phrases the tables count (requests, review cases,
   lawsuits, normative documents, regulations), counts (a number with its unit), the markers
   that say which count of a request it is (上年结转 / 结转下年度, 现行有效) and negations.
2. **Claims.** Each sentence is cut into clauses at ，、；：and brackets — a claim never
   reaches over them — and in each clause a count belongs to the noun phrase written with it:
   the one just before it ("行政复议2件", the name-first reading, preferred), else the one just
   after it ("受理36件政府信息公开申请"). A count written without its noun ("依法办结62件",
   "废止0件") continues the last thing counted, and only when nothing but a verb stands
   before it. The verbs of the clause say which quantity it is (收到 → received, 办结 → handled,
   制发 → issued); a clause that says two things at once (受理办理), a part of the whole
   (线上, 自然人, 其中… after the whole was given, 结果维持) or another year (较上年) claims
   nothing. Two noun phrases joined by 、/和 before one count ("行政复议、行政诉讼案件743件")
   claim it together.

Ids (docs/schema.md): N1 received, N2 "no request received", N3 review cases, N4 lawsuits,
N5 "no review / no lawsuit", N6 handled, N7 documents in force, N8 documents issued, N9
documents repealed, N10 carried over, N11 carried forward, N12 review and lawsuits together;
P1–P4 plausibility.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.checks.identities import component_value
from nlp.classify.chinese import chinese_nlp
from nlp.models import Cell, CheckResult, Level, Paragraph
from nlp.read.normalize import nfkc


@dataclass(frozen=True)
class Claim:
    """One figure (or "none") the prose states. `subject` names the 表二 row of a document
    count (normative_docs, regulations) and the kinds of case a no_case claim denies
    (review, lawsuit)."""

    quantity: str  # received | handled | worked | carried_over | carried_forward | review | lawsuit
    # | cases | issued | repealed | in_force | no_request | no_case
    value: int
    sentence: str
    subject: str = ""


# ---------------------------------------------------------------- chunks (Matcher patterns)

_UNITS = ["件", "件次", "个", "份", "宗", "起", "部", "条", "项", "例", "次"]
_NUMBER = {"IS_DIGIT": True}
_REQUEST_HEADS = ["申请", "申请件", "件", "事项", "办件", "信件", "政府信息申请"]
_YEAR_WORD = {"TEXT": {"IN": ["年度", "年", "一年", "一年度"]}}
_LAST_YEAR = {"TEXT": {"IN": ["上", "上年", "上年度", "上一年", "上一年度", "去年", "前一年"]}}
_NEXT_YEAR = {"TEXT": {"IN": ["下", "下年", "下年度", "下一年", "下一年度", "次年", "下个"]}}
_CARRY = {"TEXT": {"IN": ["结转", "转结", "转", "转入", "转至", "转到", "顺延", "顺延到", "顺延至", "留转"]}}
_TO = {"TEXT": {"IN": ["至", "到", "入", "于", "自", "从"]}, "OP": "?"}

_CHUNK_PATTERNS: dict[str, list[list[dict]]] = {
    "COUNT": [[_NUMBER, {"TEXT": {"IN": _UNITS}}]],
    # 政府信息公开申请, 依申请公开(政府信息/事项/件), 依申请信息公开, 政府信息依申请公开, 申请
    "REQUEST": [
        [
            {"TEXT": "政府信息", "OP": "?"},
            {"TEXT": "依申请公开"},
            {"TEXT": {"IN": ["政府信息", "信息", "的"]}, "OP": "*"},
            {"TEXT": {"IN": _REQUEST_HEADS}, "OP": "?"},
        ],
        [
            {"TEXT": "依"},
            {"TEXT": "申请"},
            {"TEXT": {"IN": ["信息公开", "政府信息公开", "公开"]}},
            {"TEXT": {"IN": ["政府信息", "信息"]}, "OP": "?"},
            {"TEXT": {"IN": _REQUEST_HEADS}, "OP": "?"},
        ],
        [
            {"TEXT": {"IN": ["政府信息公开", "信息公开", "政府信息", "公开"]}},
            {"TEXT": "的", "OP": "?"},
            {"TEXT": {"IN": ["申请", "申请件"]}},
            {"TEXT": "件", "OP": "?"},
        ],
        [{"TEXT": {"IN": ["申请", "申请件"]}}],
    ],
    "REVIEW": [
        [
            {"TEXT": {"IN": ["申请", "被申请"]}, "OP": "?"},
            {"TEXT": {"IN": ["行政复议", "复议"]}},
            {"TEXT": {"IN": ["案件", "案", "申请", "件"]}, "OP": "?"},
        ],
    ],
    "LAWSUIT": [
        [
            {"TEXT": {"IN": ["提起", "被提起"]}, "OP": "?"},
            {"TEXT": {"IN": ["行政诉讼", "诉讼", "行政应诉", "行政起诉", "起诉"]}},
            {"TEXT": {"IN": ["案件", "案"]}, "OP": "?"},
        ],
    ],
    # Lawsuits of one kind only (复议后起诉, 直接起诉): a part of 表四's lawsuits, not their number.
    "LAWSUIT_PART": [
        [
            {"TEXT": "复议"},
            {"TEXT": "后"},
            {"TEXT": {"IN": ["提起", "被提起"]}, "OP": "?"},
            {"TEXT": {"IN": ["行政诉讼", "诉讼", "起诉"]}},
        ],
        [
            {"TEXT": "未经", "OP": "?"},
            {"TEXT": "复议", "OP": "?"},
            {"TEXT": "直接"},
            {"TEXT": {"IN": ["提起", "被提起"]}, "OP": "?"},
            {"TEXT": {"IN": ["行政诉讼", "诉讼", "起诉"]}},
        ],
    ],
    "NORMATIVE": [[{"TEXT": {"IN": ["规范性文件", "行政规范性文件"]}}]],
    "REGULATION": [[{"TEXT": {"IN": ["规章", "政府规章"]}}]],
    # 上年结转, 结转上年度, 上年度转结, 上一年度转办
    "CARRY_OVER": [
        [{"TEXT": "上年结转"}],
        [_LAST_YEAR, {**_YEAR_WORD, "OP": "?"}, {"TEXT": {"IN": ["结转", "转结", "转办", "转入", "遗留"]}}],
        [{"TEXT": {"IN": ["结转", "转结"]}}, _TO, _LAST_YEAR, {**_YEAR_WORD, "OP": "?"}],
    ],
    # 结转下年度, 转结下年度 (jieba: 转 结下 年度), 顺延到下年度, 结转至下一年度, 结转2025年度继续办理
    "CARRY_FORWARD": [
        [{"TEXT": "结转下年度"}],
        [_CARRY, _TO, _NEXT_YEAR, {"TEXT": {"IN": ["一", "一个"]}, "OP": "?"}, {**_YEAR_WORD, "OP": "?"}],
        [_CARRY, {"TEXT": "结下"}, {**_YEAR_WORD, "OP": "?"}],
        [_CARRY, _TO, {"IS_DIGIT": True, "LENGTH": 4}, _YEAR_WORD, {"TEXT": "继续"}],
    ],
    # 结转 alone or with a year ("结转2023年29件"): carried, but which way is not written.
    "CARRY_UNKNOWN": [[{"TEXT": {"IN": ["结转", "转结"]}}]],
    "IN_FORCE": [[{"TEXT": "现行"}, {"TEXT": "有效"}], [{"TEXT": {"IN": ["现行有效", "现行有效件数"]}}]],
    # A figure of the previous year or a change against it: "较上年", "比去年", "同比".
    "PREVIOUS_YEAR": [
        [{"TEXT": {"IN": ["较", "比", "与", "同", "相比"]}}, _LAST_YEAR, {**_YEAR_WORD, "OP": "?"}],
        [{"TEXT": {"IN": ["同比", "环比"]}}],
        [_LAST_YEAR, {**_YEAR_WORD, "OP": "?"}, {"TEXT": {"IN": ["收到", "受理", "共", "全年", "同期"]}}],
    ],
    # jieba sometimes glues the negation to its neighbour ("区未", "无因", "均未").
    "NEGATION": [
        [{"TEXT": {"IN": ["未", "没有", "无", "从未", "均未", "并未", "尚无", "暂无", "无因"]}}],
        [{"LENGTH": 2, "TEXT": {"REGEX": r"^[^尚]未$"}}],
    ],
}
_NOUNS = frozenset({"REQUEST", "REVIEW", "LAWSUIT", "LAWSUIT_PART", "NORMATIVE", "REGULATION"})
_CARRIED = {"CARRY_OVER": "carried_over", "CARRY_FORWARD": "carried_forward"}
_DOCUMENT_ROW = {"NORMATIVE": "normative_docs", "REGULATION": "regulations"}
_CASE_KIND = {"REVIEW": "review", "LAWSUIT": "lawsuit"}

# ---------------------------------------------------------------- the words around a count

_RECEIVE = frozenset(
    {"收到", "新收到", "受理", "接到", "接收", "新收", "收", "接受", "共收到", "共受理", "收悉"}
)
_HANDLE = frozenset(
    {"办结", "答复", "回复", "办理完毕", "办理完成", "完成", "已办结", "处理完毕", "答复完毕", "办毕", "作出"}
)
_WORK = frozenset({"办理", "处理", "承办"})  # the year's workload, counted before or after the carry-forward
_ISSUE = frozenset({"制发", "印发", "出台", "制定", "新制定", "制作", "新制发", "新出台"})
_REPEAL = frozenset({"废止", "失效", "宣布失效", "清理废止"})
_VERBS = _RECEIVE | _HANDLE | _WORK | _ISSUE | _REPEAL
# A count of one part of the whole: by channel, by applicant, on time or late.
_PART = frozenset(
    {
        "线",
        "线上",
        "线下",
        "网上",
        "网络",
        "网站",
        "当面",
        "现场",
        "信函",
        "邮寄",
        "邮件",
        "电子邮件",
        "传真",
        "来信",
        "自然人",
        "法人",
        "公民",
        "个人",
        "企业",
        "按时",
        "按期",
        "延期",
        "逾期",
        "超期",
        "当场",
        "口头",
        "书面",
        # requests of another body that this one helped with
        "协助",
        "协查",
        "代为",
        "配合",
    }
)
# An outcome of a request or a case: the count is that outcome's, not the total.
_OUTCOME = frozenset(
    {
        "公开",
        "予以公开",
        "部分公开",
        "不予公开",
        "无法提供",
        "不予处理",
        "不予",
        "告知",
        "驳回",
        "撤回",
        "撤销",
        "撤诉",
        "维持",
        "纠正",
        "纠错",
        "败诉",
        "胜诉",
        "审结",
        "尚未",
        "结果",
        "终止",
        "确认",
    }
)
_COMPARE = frozenset({"较", "比", "同比", "环比", "增加", "减少", "上升", "下降", "增长", "回落", "持平"})
# What may stand between a noun phrase and its count, or around a count whose noun is left out.
_FILLER_RE = re.compile(
    r"^(?:共|共计|合计|总计|累计|计|了|已|已经|均|全部|依法|依规|依法依规|及时|继续|数|数量|件数|为|达|"
    r"有|另|另有|并|也|又|再|都|还|总|总数|至|到|于|在|内|法定|期限|时限|期限内|规定|按规定|其中|"
    r"当年|全年|本年|本年度|今年|年内|该年|目前|截至|截止|以来|年底|年|年度|月|日|\d{1,4}|底|现|"
    r"法定期限|规定期限|依|规|妥善|《》|文件|件|的)$"
)
_CONJUNCTIONS = frozenset({"和", "及", "与", "或", "以及", "、", "或者"})
_CLAUSE_BREAKS = frozenset({",", "，", "、", ";", "；", "。", ":", "：", "(", ")", "（", "）", "!", "?"})
_OPENING = {"(": ")", "（": "）"}
# A request phrase before these is what a case arose from ("因政府信息公开申请引起的行政复议").
_CAUSE_BEFORE = frozenset({"因", "由", "针对", "对", "就", "涉及"})
_CAUSE_BETWEEN = frozenset({"引起", "引发", "的", "而", "被", "提起", "提出", "产生"})
# "未发生…被行政复议纠错或行政诉讼败诉": no case lost, which is not "no case".
_LOST_CASE_WORDS = frozenset({"纠错", "纠正", "败诉", "撤销"})
_NEGATION_SCOPE_END = frozenset({",", "，", ";", "；", "。", ":", "：", ")", "）"})
# What may follow the cases a negation denies ("…行政复议、行政诉讼等情况"); anything else is
# the noun denied ("未发生与诉讼有关的费用": no costs, which says nothing of cases).
_DENIED_CASE_TAIL_RE = re.compile(
    r"^(?:的|情况|情形|案件|案|案例|事项|事件|现象|发生|等|等情况|和|及|或|以及|、|有关|相关|申诉|申诉案|"
    r"投诉|举报|被|提起|提出|申请)$"
)
_SPACE_RE = re.compile(r"\s+")
# Only paragraphs that mention one of these can state a claim; the others skip the parser.
_CLAIM_CUE_RE = re.compile(r"申请|复议|诉讼|规范性文件|规章|办结|答复|受理|结转")


@dataclass
class _Chunk:
    label: str
    start: int
    end: int
    value: int | None = None


@cache
def _parser() -> tuple[Language, Matcher]:
    """The parser and its Matcher, made together: a Matcher answers with hashes of the parser's
    own strings, so the two must share one vocabulary even when threads (a Dask worker's) ask
    for them at once and two parsers get built."""
    nlp = chinese_nlp()
    matcher = Matcher(nlp.vocab)
    for label, patterns in _CHUNK_PATTERNS.items():
        matcher.add(label, patterns)
    return nlp, matcher


def _chunks(doc: Doc, matcher: Matcher) -> dict[int, _Chunk]:
    """The chunks of a document by start token; where two overlap the longer one wins."""
    spans = [Span(doc, start, end, label=match_id) for match_id, start, end in matcher(doc)]
    out: dict[int, _Chunk] = {}
    for span in filter_spans(spans):
        value = int(doc[span.start].text) if span.label_ == "COUNT" else None
        out[span.start] = _Chunk(span.label_, span.start, span.end, value)
    return out


@dataclass
class _Clause:
    """Tokens between two clause breaks: chunks and the plain words between them."""

    items: list[_Chunk | str]
    ends_with: str  # the break after it


def _walk(doc: Doc, start: int, end: int, chunks: dict[int, _Chunk]) -> list[_Chunk | str]:
    """Tokens start..end as chunks and plain words; a title in 《》 is one word "《》"."""
    items: list[_Chunk | str] = []
    i = start
    while i < end:
        chunk = chunks.get(i)
        if chunk is not None:
            items.append(chunk)
            i = chunk.end
            continue
        if doc[i].text == "《":
            close = next((j for j in range(i + 1, end) if doc[j].text == "》"), None)
            if close is not None:
                items.append("《》")
                i = close + 1
                continue
        items.append(doc[i].text)
        i += 1
    return items


def _clauses(items: list[_Chunk | str]) -> list[_Clause]:
    clauses: list[_Clause] = []
    current: list[_Chunk | str] = []
    for item in items:
        if isinstance(item, str) and item in _CLAUSE_BREAKS:
            clauses.append(_Clause(current, item))
            current = []
        else:
            current.append(item)
    clauses.append(_Clause(current, ""))
    return [c for c in clauses if c.items]


def _text(item: _Chunk | str) -> str:
    """A plain word's text; "" for a chunk."""
    return item if isinstance(item, str) else ""


def _words(items: list[_Chunk | str]) -> set[str]:
    return {item for item in items if isinstance(item, str)}


def _labels(items: list[_Chunk | str]) -> set[str]:
    return {item.label for item in items if isinstance(item, _Chunk)}


def _is_cause(items: list[_Chunk | str], k: int) -> bool:
    """A request phrase that names what a review or lawsuit arose from, not requests counted."""
    if k > 0 and _text(items[k - 1]) in _CAUSE_BEFORE:
        return True
    for item in items[k + 1 :]:
        if isinstance(item, _Chunk):
            return item.label in ("REVIEW", "LAWSUIT", "LAWSUIT_PART")
        if item not in _CAUSE_BETWEEN:
            return False
    return False


def _nouns(items: list[_Chunk | str]) -> list[int]:
    """Positions of the counted noun phrases of a clause (request phrases naming a cause dropped)."""
    return [
        k
        for k, item in enumerate(items)
        if isinstance(item, _Chunk)
        and item.label in _NOUNS
        and not (item.label == "REQUEST" and _is_cause(items, k))
    ]


def _request_quantity(words: set[str], labels: set[str]) -> str | None:
    """Which count of requests a stretch of a clause states, from its verbs and markers."""
    if "CARRY_UNKNOWN" in labels or "PREVIOUS_YEAR" in labels or words & _COMPARE:
        return None
    carried = [_CARRIED[label] for label in ("CARRY_OVER", "CARRY_FORWARD") if label in labels]
    if len(carried) == 1:
        return carried[0]
    if carried or words & _PART or words & _OUTCOME or "NEGATION" in labels:
        return None
    receive, handle, work = bool(words & _RECEIVE), bool(words & _HANDLE), bool(words & _WORK)
    if receive and (handle or work):
        return None  # 受理答复, 受理办理: two counts in one
    if receive:
        return "received"
    if handle:
        return "handled"
    return "worked" if work else None


def _document_quantity(words: set[str], labels: set[str]) -> str | None:
    if "NEGATION" in labels or "PREVIOUS_YEAR" in labels or words & _COMPARE:
        return None
    if "IN_FORCE" in labels:
        return "in_force"
    if words & _REPEAL:
        return "repealed"
    return "issued" if words & _ISSUE else None


def _case_quantity(label: str, words: set[str], labels: set[str]) -> str | None:
    if words & _OUTCOME or words & _COMPARE or labels & {"NEGATION", "PREVIOUS_YEAR"}:
        return None
    return {"REVIEW": "review", "LAWSUIT": "lawsuit"}.get(label)


def _quantity(label: str, words: set[str], labels: set[str]) -> str | None:
    if label == "REQUEST":
        return _request_quantity(words, labels)
    if label in _DOCUMENT_ROW:
        return _document_quantity(words, labels)
    return _case_quantity(label, words, labels)


def _elided_quantity(kind: str | None, stretch: list[_Chunk | str]) -> str | None:
    """A count written without its noun ("依法办结62件", "废止0件", "结转下年度继续办理3件"):
    it continues the last thing counted, and only when nothing but verbs, markers and filler
    words stand with it (else it counts some other thing: "办理12345热线172件")."""
    if kind is None:
        return None
    words, labels = _words(stretch), _labels(stretch)
    if any(not _FILLER_RE.match(w) and w not in _VERBS for w in words):
        return None
    if labels - {"COUNT", "CARRY_OVER", "CARRY_FORWARD", "IN_FORCE"}:
        return None
    if kind == "REQUEST":
        if words & _RECEIVE:
            return None  # what was received is always named
        return _request_quantity(words, labels)
    if kind in _DOCUMENT_ROW:
        return _document_quantity(words, labels)
    return None


@dataclass
class _Reading:
    """What the sentences of one paragraph have counted so far."""

    last_kind: str | None = None  # the noun phrase kind of the last count, None when unknown
    claims: list[Claim] = field(default_factory=list)


def _claim(label: str, quantity: str, value: int, sentence: str) -> Claim:
    return Claim(quantity, value, sentence, _DOCUMENT_ROW.get(label, ""))


def _joined_nouns(items: list[_Chunk | str], k: int, before: _Clause | None) -> list[_Chunk]:
    """Noun phrases joined to the one at k before its count: "行政复议和行政诉讼0件", or a
    clause of its own ended by 、 ("涉行政复议、行政诉讼案件743件")."""
    joined: list[_Chunk] = []
    j = k - 1
    while (
        j >= 1
        and _text(items[j]) in _CONJUNCTIONS
        and isinstance(items[j - 1], _Chunk)
        and items[j - 1].label in _NOUNS
    ):
        joined.insert(0, items[j - 1])
        j -= 2
    starts_clause = j < 0 or all(isinstance(x, str) and _FILLER_RE.match(x) for x in items[: j + 1])
    if (
        starts_clause
        and before is not None
        and before.ends_with == "、"
        and "COUNT" not in _labels(before.items)
    ):
        lone = _nouns(before.items)
        if len(lone) == 1:
            joined.insert(0, before.items[lone[0]])  # type: ignore[arg-type]
    return joined


def _between_name_and_count(item: _Chunk | str) -> bool:
    """What may stand between a noun phrase and its count: "行政复议案件数为2件",
    "行政规范性文件制发件数0件", "规范性文件现行有效件数14件"."""
    if isinstance(item, _Chunk):
        return item.label in ("IN_FORCE", "CARRY_OVER", "CARRY_FORWARD")
    return bool(_FILLER_RE.match(item)) or item in _VERBS


def _read_clause(clause: _Clause, before: _Clause | None, sentence: str, reading: _Reading) -> list[Claim]:
    """The claims of one clause: each count with the noun phrase written with it."""
    items = clause.items
    counts = [k for k, x in enumerate(items) if isinstance(x, _Chunk) and x.label == "COUNT"]
    nouns = _nouns(items)
    used: set[int] = set()
    claims: list[Claim] = []
    for n, c in enumerate(counts):
        lo = counts[n - 1] + 1 if n > 0 else 0
        hi = counts[n + 1] if n + 1 < len(counts) else len(items)
        value = items[c].value  # type: ignore[union-attr]
        # Name first: the noun phrase just before the count, with only filler words between.
        noun = next((k for k in reversed(nouns) if lo <= k < c and k not in used), None)
        if noun is not None and not all(_between_name_and_count(x) for x in items[noun + 1 : c]):
            noun = None
        if noun is None:  # number first: "受理36件政府信息公开申请", "有1件…的行政复议"
            noun = next((k for k in nouns if c < k < hi and k not in used and k - c <= 8), None)
        stretch = items[lo:hi]
        if noun is None:
            quantity = _elided_quantity(reading.last_kind, stretch)
            if quantity is not None and reading.last_kind is not None:
                claims.append(_claim(reading.last_kind, quantity, value, sentence))  # type: ignore[arg-type]
            elif any(not _FILLER_RE.match(w) for w in _words(stretch)):
                reading.last_kind = None  # a count of something the tables do not count
            continue
        used.add(noun)
        label = items[noun].label  # type: ignore[union-attr]
        reading.last_kind = label if label != "LAWSUIT_PART" else "LAWSUIT"
        joined = _joined_nouns(items, noun, before if n == 0 else None)
        words, labels = _words(stretch), _labels(stretch)
        if joined:
            labels |= _labels(before.items) if before is not None and joined[0] in before.items else set()
            kinds = {j.label for j in joined} | {label}
            if kinds == {"REVIEW", "LAWSUIT"} and value and _case_quantity("REVIEW", words, labels):
                claims.append(Claim("cases", value, sentence))
            elif value == 0:  # "行政复议、行政诉讼0件": none of either
                for part in [*joined, items[noun]]:
                    quantity = _quantity(part.label, words, labels)  # type: ignore[union-attr]
                    if quantity is not None:
                        claims.append(_claim(part.label, quantity, 0, sentence))  # type: ignore[union-attr]
            continue
        quantity = _quantity(label, words, labels)
        if quantity is not None:
            claims.append(_claim(label, quantity, value, sentence))
    return claims


def _negation_scope(items: list[_Chunk | str], k: int) -> list[_Chunk | str]:
    """What the negation at k reaches: up to the next comma or full stop, over an inserted
    bracket, and not past another negation."""
    scope: list[_Chunk | str] = []
    closing: str | None = None
    for item in items[k + 1 :]:
        text = _text(item)
        if closing is not None:
            closing = None if text == closing else closing
            continue
        if text in _OPENING:
            closing = _OPENING[text]
            continue
        if text in _NEGATION_SCOPE_END or (isinstance(item, _Chunk) and item.label == "NEGATION"):
            break
        scope.append(item)
    return scope


def _denials(items: list[_Chunk | str], sentence: str) -> list[Claim]:
    """ "未收到…申请" (no_request) and "未发生…行政复议、行政诉讼" (no_case): a negation and
    the noun phrases in its reach (、 and 和 join nouns, a comma ends it)."""
    claims: list[Claim] = []
    for k, item in enumerate(items):
        if not (isinstance(item, _Chunk) and item.label == "NEGATION"):
            continue
        scope = _negation_scope(items, k)
        if "COUNT" in _labels(scope):
            continue  # "尚未审结的行政复议1件": a count, not a denial
        positions = _nouns(scope)
        if not positions:
            continue
        first = positions[0]
        kinds = [scope[p].label for p in positions]  # type: ignore[union-attr]
        if kinds[0] == "REQUEST" and (first == 0 or _words(scope[:first]) & _RECEIVE):
            claims.append(Claim("no_request", 0, sentence))
        cases = sorted({_CASE_KIND[kind] for kind in kinds if kind in _CASE_KIND})
        last_case = (
            max(p for p in positions if scope[p].label in ("REVIEW", "LAWSUIT", "LAWSUIT_PART"))
            if cases
            else 0
        )  # type: ignore[union-attr]
        tail = [_text(x) for x in scope[last_case + 1 :] if not isinstance(x, _Chunk)]
        lost = _words(scope) & _LOST_CASE_WORDS
        if cases and not lost and all(_DENIED_CASE_TAIL_RE.match(w) for w in tail):
            claims.append(Claim("no_case", 0, sentence, ",".join(cases)))
    return claims


def extract_claims(paragraphs: list[Paragraph]) -> list[Claim]:
    """Every figure the prose states about requests, cases and documents, in reading order."""
    nlp, matcher = _parser()
    claims: list[Claim] = []
    texts = (nfkc(_SPACE_RE.sub("", p.text)) for p in paragraphs if _CLAIM_CUE_RE.search(p.text))
    for doc in nlp.pipe(texts):
        chunks = _chunks(doc, matcher)
        reading = _Reading()
        for sentence in doc.sents:
            items = _walk(doc, sentence.start, sentence.end, chunks)
            stated: list[Claim] = []
            before: _Clause | None = None
            breakdown = False  # after 其中: the parts of a whole already given
            for clause in _clauses(items):
                breakdown = breakdown or "其中" in _words(clause.items)
                for claim in _read_clause(clause, before, sentence.text, reading):
                    if breakdown and any(
                        s.quantity == claim.quantity and s.subject == claim.subject for s in stated
                    ):
                        continue
                    stated.append(claim)
                before = clause
            for claim in stated + _denials(items, sentence.text):
                if claim not in claims:
                    claims.append(claim)
    return claims


# ---------------------------------------------------------------- claims against the tables

_T2_COLUMNS: dict[str, tuple[str, ...]] = {  # a document count's 表二 column, v2021 then v2019
    "issued": ("issued", "new_made"),
    "repealed": ("repealed",),
    "in_force": ("in_force",),
}
_T3_STATED: dict[str, str] = {
    "received": "t3.new_received.total",
    "handled": "t3.result_total.total",
    "carried_over": "t3.carried_over.total",
    "carried_forward": "t3.carried_forward.total",
    "review": "t4.review.total",
}


def _stated_keys(claim: Claim) -> tuple[str, ...]:
    if claim.quantity in _T2_COLUMNS:
        return tuple(f"t2.art20_1.{claim.subject}.{col}" for col in _T2_COLUMNS[claim.quantity])
    key = _T3_STATED.get(claim.quantity)
    return (key,) if key else ()


def stated_cells(claims: list[Claim]) -> dict[str, int]:
    """Cell values the prose states outright (first statement of each kind): they decide the
    splits of a flattened table's digit runs."""
    stated: dict[str, int] = {}
    for claim in claims:
        for key in _stated_keys(claim):
            stated.setdefault(key, claim.value)
    return stated


def _value(cells: dict[str, Cell], key: str) -> int | float | None:
    return component_value(cells.get(key))


def _sum(cells: dict[str, Cell], keys: list[str]) -> int | float | None:
    values = [_value(cells, k) for k in keys]
    return None if None in values else sum(values)  # type: ignore[arg-type]


_APPLICANTS = [
    "natural_person",
    "org_commercial",
    "org_research",
    "org_public_interest",
    "org_legal_service",
    "org_other",
]
_SUITS = ["t4.suit_direct.total", "t4.suit_after_review.total"]
# quantity → (check id, cells, what the table calls it, other readings the prose's words allow)
_TABLE_SIDE: dict[str, tuple[str, list[str], str, list[tuple[list[str], str]]]] = {
    # "受理…N件" often counts the requests carried over from last year as well.
    "received": (
        "N1",
        ["t3.new_received.total"],
        "本年新收申请",
        [(["t3.new_received.total", "t3.carried_over.total"], "本年新收+上年结转")],
    ),
    "handled": ("N6", ["t3.result_total.total"], "办理结果总计", []),
    # "办理/处理N件": the year's workload, with or without the requests still open at its end.
    "worked": (
        "N6",
        ["t3.result_total.total"],
        "办理结果总计",
        [(["t3.result_total.total", "t3.carried_forward.total"], "办理结果总计+结转下年度")],
    ),
    "review": ("N3", ["t4.review.total"], "行政复议总计", []),
    "lawsuit": ("N4", _SUITS, "行政诉讼总计", []),
    "cases": ("N12", ["t4.review.total", *_SUITS], "行政复议与行政诉讼总计", []),
    "carried_over": ("N10", ["t3.carried_over.total"], "上年结转", []),
    "carried_forward": ("N11", ["t3.carried_forward.total"], "结转下年度继续办理", []),
}
_T2_CHECK: dict[str, tuple[str, str]] = {
    "in_force": ("N7", "现行有效件数"),
    "issued": ("N8", "本年制发件数"),
    "repealed": ("N9", "本年废止件数"),
}
_ROW_NAME = {"normative_docs": "规范性文件", "regulations": "规章"}


def _compare(
    check_id: str,
    cells: dict[str, Cell],
    keys: list[str],
    claim: Claim,
    what: str,
    readings: list[tuple[list[str], str]] = (),  # type: ignore[assignment]
) -> CheckResult:
    table = _sum(cells, keys)
    if table is not None and table != claim.value:
        for other_keys, other_what in readings:
            if _sum(cells, other_keys) == claim.value:
                keys, table, what = other_keys, claim.value, other_what
                break
    quote = claim.sentence[:60]
    if table is None:
        return CheckResult(
            id=check_id,
            rule=check_id.split(".")[0],
            cells=keys,
            lhs=None,
            rhs=claim.value,
            status="not_assessable",
            message=f"正文称{what} {claim.value}，表格无对应数值：「{quote}」",
        )
    ok = table == claim.value
    return CheckResult(
        id=check_id,
        rule=check_id.split(".")[0],
        cells=keys,
        lhs=table,
        rhs=claim.value,
        status="pass" if ok else "fail",
        message=f"正文{what} {claim.value} {'=' if ok else '≠'} 表格 {table:g}：「{quote}」",
    )


def _document_check(cells: dict[str, Cell], claim: Claim) -> CheckResult | None:
    """N7–N9: a 表二 第二十条第（一）项 count; none when the report's template has no such column
    (v2019 prints no 现行有效件数)."""
    check_id, column = _T2_CHECK[claim.quantity]
    keys = [k for k in _stated_keys(claim) if k in cells]
    if not keys:
        return None
    what = f"{_ROW_NAME[claim.subject]}{column}"
    return _compare(f"{check_id}.{claim.subject}", cells, keys[:1], claim, what)


def _no_request_check(cells: dict[str, Cell], claim: Claim) -> CheckResult:
    keys = ["t3.new_received.total"] + [f"t3.new_received.{c}" for c in _APPLICANTS]
    total = _value(cells, "t3.new_received.total")
    applicants = _sum(cells, [f"t3.new_received.{c}" for c in _APPLICANTS])
    counted = max(v for v in (total, applicants, 0) if v is not None)
    assessable = total is not None or applicants is not None
    status = "not_assessable" if not assessable else ("pass" if counted == 0 else "fail")
    return CheckResult(
        id="N2",
        rule="N2",
        cells=keys,
        lhs=counted if assessable else None,
        rhs=0,
        status=status,
        message=f"正文称未收到申请，表格本年新收 {counted:g}：「{claim.sentence[:60]}」",
    )


def _no_case_check(cells: dict[str, Cell], claim: Claim) -> CheckResult:
    """N5: the cases the sentence denies (复议, 诉讼 or both) are 0 in 表四."""
    kinds = claim.subject.split(",")
    keys = (["t4.review.total"] if "review" in kinds else []) + (_SUITS if "lawsuit" in kinds else [])
    total = _sum(cells, keys)
    status = "not_assessable" if total is None else ("pass" if total == 0 else "fail")
    what = "/".join({"review": "行政复议", "lawsuit": "行政诉讼"}[k] for k in kinds)
    return CheckResult(
        id="N5",
        rule="N5",
        cells=keys,
        lhs=total,
        rhs=0,
        status=status,
        message=f"正文称无{what}，表四合计 {total if total is not None else '?'}：「{claim.sentence[:60]}」",
    )


def narrative_checks(cells: dict[str, Cell], claims: list[Claim]) -> list[CheckResult]:
    """N1–N12: one result per kind of claim (its first statement in the text)."""
    results: list[CheckResult] = []
    seen: set[str] = set()
    for claim in claims:
        result: CheckResult | None
        if claim.quantity in _TABLE_SIDE:
            check_id, keys, what, readings = _TABLE_SIDE[claim.quantity]
            result = _compare(check_id, cells, keys, claim, what, readings)
        elif claim.quantity in _T2_CHECK:
            result = _document_check(cells, claim)
        elif claim.quantity == "no_request":
            result = _no_request_check(cells, claim)
        elif claim.quantity == "no_case":
            result = _no_case_check(cells, claim)
        else:
            result = None
        if result is not None and result.id not in seen:
            seen.add(result.id)
            results.append(result)
    return results


def plausibility_checks(
    cells: dict[str, Cell], claims: list[Claim], level: Level, organ: str | None, section6_text: str
) -> list[CheckResult]:
    """P1–P4 (warnings): things that are arithmetically possible but rarely true."""
    results: list[CheckResult] = []
    organ_is_government = bool(organ) and organ.endswith(("人民政府", "办事处"))
    reg_keys = [k for k in cells if k.startswith("t2.art20_1.regulations.")]
    regs = [v for k in reg_keys if (v := _value(cells, k)) is not None]
    if regs and level in ("township", "county") and organ_is_government:
        bad = max(regs) > 0
        results.append(
            CheckResult(
                id="P1",
                rule="P1",
                cells=reg_keys,
                lhs=max(regs),
                rhs=0,
                status="fail" if bad else "pass",
                message="乡镇/县级机关无规章制定权，规章数应为 0"
                + (f"，表中为 {max(regs):g}" if bad else ""),
            )
        )
    fee = _value(cells, "t2.art20_8.admin_fees.fee_amount_wan")
    if fee is not None and level in ("township", "county"):
        bad = fee >= 1e5
        results.append(
            CheckResult(
                id="P2",
                rule="P2",
                cells=["t2.art20_8.admin_fees.fee_amount_wan"],
                lhs=fee,
                rhs=1e5,
                status="fail" if bad else "pass",
                message=f"收费金额 {fee:g} 万元" + ("，疑似按元填写" if bad else ""),
            )
        )
    unpaid = _value(cells, "t3.other_fee_unpaid.total")
    if unpaid:
        mentioned = bool(re.search(r"信息处理费|收费通知|收取.{0,4}费", section6_text))
        results.append(
            CheckResult(
                id="P3",
                rule="P3",
                cells=["t3.other_fee_unpaid.total"],
                lhs=unpaid,
                rhs=None,
                status="pass" if mentioned else "fail",
                message="逾期未缴费不再处理 >0" + ("" if mentioned else "，但第六部分未提信息处理费"),
            )
        )
    t34 = [
        v for k, c in cells.items() if k.startswith(("t3.", "t4.")) and (v := component_value(c)) is not None
    ]
    prose_cases = [
        c for c in claims if c.quantity in ("received", "review", "lawsuit", "cases") and c.value > 0
    ]
    if t34 and prose_cases:
        bad = all(v == 0 for v in t34)
        results.append(
            CheckResult(
                id="P4",
                rule="P4",
                cells=["t3.new_received.total", "t4.review.total"],
                lhs=max(t34),
                rhs=prose_cases[0].value,
                status="fail" if bad else "pass",
                message=(
                    "表三、表四全为 0，但正文称有申请或案件：" if bad else "正文所述申请/案件在表中有数："
                )
                + f"「{prose_cases[0].sentence[:60]}」",
            )
        )
    return results
