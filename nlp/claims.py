"""Narrative-vs-table claims (TEMPLATES.md §7.4) and plausibility warnings (§7.5).

Numbers stated in prose ("收到政府信息公开申请3件", "未收到…申请", "行政复议2件") are read
from the paragraphs with spaCy Matcher rules over jieba words, sentence by sentence, and
compared with the cells they restate. Ids (docs/schema.md):
N1 received, N2 "no request received", N3 review cases, N4 lawsuits, N5 "no review or
lawsuit", N6 handled; P1–P4 plausibility.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from spacy.matcher import Matcher

from nlp.checks import component_value
from nlp.chinese import chinese_nlp
from nlp.models import Cell, CheckResult, Level, Paragraph
from nlp.normalize import nfkc


@dataclass(frozen=True)
class Claim:
    quantity: str  # received | handled | review | lawsuit | no_request | no_case | normative_issued …
    value: int
    sentence: str


_RECEIVE = ["收到", "新收到", "受理", "接到", "接收", "新收", "共接到", "共收到", "共受理"]
_SUBJECT = ["政府信息公开", "依申请公开", "信息公开"]
_TOTAL = {"TEXT": {"IN": ["共", "总计", "合计", "共计"]}, "OP": "?"}
_NUMBER = {"TEXT": {"REGEX": r"^\d+$"}}
_SPACE_RE = re.compile(r"\s+")


def _count(*before: dict, units: list[str]) -> list[dict]:
    return [*before, _TOTAL, _NUMBER, {"TEXT": {"IN": units}}]


# spaCy Matcher patterns over jieba tokens (domain words such as 依申请公开 and 行政复议 are one
# token). The number a pattern states is its second-to-last token.
_COUNT_PATTERNS: dict[str, list[list[dict]]] = {
    "received": [
        _count(
            {"TEXT": {"IN": _RECEIVE}},
            {"TEXT": "到", "OP": "?"},
            {"TEXT": {"IN": ["各类", "了"]}, "OP": "?"},
            {"TEXT": {"IN": _SUBJECT}},
            {"TEXT": {"IN": ["申请", "办件", "事项"]}, "OP": "?"},
            units=["件", "件次", "个", "份", "宗"],
        )
    ],
    "handled": [
        _count(
            {"TEXT": {"IN": ["办结", "答复", "办理完毕", "已办结", "处理完毕", "办理"]}},
            {"TEXT": {"IN": ["了", "政府信息公开"]}, "OP": "*"},
            {"TEXT": "申请", "OP": "?"},
            units=["件", "个"],
        )
    ],
    "review": [
        _count(
            {"TEXT": {"IN": ["行政复议", "复议"]}},
            {"TEXT": {"IN": ["案件", "申请", "数", "数量", "为", "数为"]}, "OP": "*"},
            units=["件", "起", "宗"],
        ),
        # "有1件涉及政府信息公开工作的行政复议": the number first
        [
            _NUMBER,
            {"TEXT": {"IN": ["件", "起", "宗"]}},
            {"TEXT": {"NOT_IN": ["，", ","]}, "OP": "{0,6}"},
            {"TEXT": "行政复议"},
        ],
    ],
    "lawsuit": [
        _count(
            {"TEXT": {"IN": ["行政诉讼", "诉讼"]}},
            {"TEXT": {"IN": ["案件", "数", "数量", "为", "数为"]}, "OP": "*"},
            units=["件", "起", "宗"],
        ),
        [
            _NUMBER,
            {"TEXT": {"IN": ["件", "起", "宗"]}},
            {"TEXT": {"NOT_IN": ["，", ","]}, "OP": "{0,6}"},
            {"TEXT": "行政诉讼"},
        ],
    ],
    # Figures the prose gives for 表二 cells (used to split flattened tables).
    "normative_issued": [
        _count(
            {"TEXT": {"IN": ["制发", "印发", "出台", "制定"]}},
            {"TEXT": {"IN": ["了", "各类", "行政"]}, "OP": "*"},
            {"TEXT": {"IN": ["规范性文件", "行政规范性文件"]}},
            units=["件", "个", "份"],
        )
    ],
    "regulations_issued": [
        _count(
            {"TEXT": {"IN": ["制发", "出台", "制定", "新增", "公开"]}},
            {"TEXT": {"NOT_IN": ["，", ",", "。"]}, "OP": "{0,3}"},
            {"TEXT": "规章"},
            units=["件", "部"],
        )
    ],
}
# Words before 答复/办理 that make the count one outcome ("同意公开答复9件"), not all handled.
_OUTCOME_WORDS = frozenset({"公开", "予以公开", "部分公开", "不予公开", "提供", "处理", "不予处理"})
# "未发生…被行政复议纠错或行政诉讼败诉": no case lost, which is not "no case".
_LOST_CASE_WORDS = frozenset({"纠错", "纠正", "败诉", "撤销"})
# jieba sometimes glues the negation to its neighbour ("区未", "无因").
_NOT = {"TEXT": {"REGEX": r"^(?:未|没有|无)$|^无因$|.未$"}}
_STATE_PATTERNS: dict[str, list[list[dict]]] = {
    "no_request": [
        [
            _NOT,
            {"TEXT": {"IN": ["收到", "受理", "接到", "接收", "发生"]}},
            {"TEXT": {"IN": ["过", "任何"]}, "OP": "?"},
            {"TEXT": {"IN": _SUBJECT}, "OP": "?"},
            {"TEXT": "的", "OP": "?"},
            {"TEXT": {"IN": ["申请", "事项", "办件"]}},
        ]
    ],
    # "未…行政复议" within the clause: at most eight words between, none of them a comma.
    "no_case": [
        [_NOT, {"TEXT": {"NOT_IN": ["，", ","]}, "OP": "{0,8}"}, {"TEXT": {"IN": ["行政复议", "行政诉讼"]}}]
    ],
}


# Only paragraphs that mention one of these can state a claim; the others skip the parser.
_CLAIM_CUE_RE = re.compile(r"申请|复议|诉讼|规范性文件|规章|办结|答复|受理")


@cache
def _parser() -> tuple[Language, Matcher]:
    """The parser and its Matcher, made together: a Matcher answers with hashes of the parser's
    own strings, so the two must share one vocabulary even when threads (a Dask worker's) ask
    for them at once and two parsers get built."""
    nlp = chinese_nlp()
    matcher = Matcher(nlp.vocab)
    for quantity, patterns in {**_COUNT_PATTERNS, **_STATE_PATTERNS}.items():
        matcher.add(quantity, patterns)
    return nlp, matcher


def extract_claims(paragraphs: list[Paragraph]) -> list[Claim]:
    """Every number the prose states about requests, reviews and lawsuits, sentence by sentence."""
    nlp, matcher = _parser()
    claims: list[Claim] = []
    texts = (nfkc(_SPACE_RE.sub("", p.text)) for p in paragraphs if _CLAIM_CUE_RE.search(p.text))
    for doc in nlp.pipe(texts):
        by_sentence: dict[int, list[tuple[int, int, int]]] = {}
        for match_id, start, end in matcher(doc):  # once per paragraph; a match stays in its sentence
            sentence = doc[start].sent
            if end <= sentence.end:
                by_sentence.setdefault(sentence.start, []).append((match_id, start, end))
        for sentence in doc.sents:
            found: dict[str, list[Claim]] = {}
            for match_id, start, end in by_sentence.get(sentence.start, []):
                quantity = nlp.vocab.strings[match_id]
                span = doc[start:end]
                if quantity == "handled" and start > sentence.start and doc[start - 1].text in _OUTCOME_WORDS:
                    continue
                after = doc[end : min(end + 4, sentence.end)]
                if quantity == "no_case" and any(t.text in _LOST_CASE_WORDS for t in after):
                    continue
                value = (
                    next(int(t.text) for t in span if t.text.isdigit()) if quantity in _COUNT_PATTERNS else 0
                )
                claim = Claim(quantity, value, sentence.text)
                if claim not in found.setdefault(quantity, []):
                    found[quantity].append(claim)
            for quantity in (*_COUNT_PATTERNS, *_STATE_PATTERNS):
                claims.extend(found.get(quantity, [])[: None if quantity in _COUNT_PATTERNS else 1])
    return claims


_STATED_CELLS: dict[str, tuple[str, ...]] = {
    "received": ("t3.new_received.total",),
    "handled": ("t3.result_total.total",),
    "review": ("t4.review.total",),
    "normative_issued": ("t2.art20_1.normative_docs.issued", "t2.art20_1.normative_docs.new_made"),
    "regulations_issued": ("t2.art20_1.regulations.issued", "t2.art20_1.regulations.new_made"),
}


def stated_cells(claims: list[Claim]) -> dict[str, int]:
    """Cell values the prose states outright (first statement of each kind)."""
    stated: dict[str, int] = {}
    for claim in claims:
        for key in _STATED_CELLS.get(claim.quantity, ()):
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
_TABLE_SIDE: dict[str, tuple[str, list[str], str]] = {
    "received": ("N1", ["t3.new_received.total"], "本年新收申请"),
    "handled": ("N6", ["t3.result_total.total"], "办理结果总计"),
    "review": ("N3", ["t4.review.total"], "行政复议总计"),
    "lawsuit": ("N4", ["t4.suit_direct.total", "t4.suit_after_review.total"], "行政诉讼总计"),
}


def _compare(check_id: str, cells: dict[str, Cell], keys: list[str], claim: Claim, what: str) -> CheckResult:
    table = _sum(cells, keys)
    if check_id == "N1" and table is not None and table != claim.value:
        # "受理…N件" often counts the requests carried over from last year as well.
        with_carried = _sum(cells, [*keys, "t3.carried_over.total"])
        if with_carried == claim.value:
            keys, table, what = [*keys, "t3.carried_over.total"], with_carried, "本年新收+上年结转"
    quote = claim.sentence[:60]
    if table is None:
        return CheckResult(
            id=check_id,
            rule=check_id,
            cells=keys,
            lhs=None,
            rhs=claim.value,
            status="not_assessable",
            message=f"正文称{what} {claim.value}，表格无对应数值：「{quote}」",
        )
    ok = table == claim.value
    return CheckResult(
        id=check_id,
        rule=check_id,
        cells=keys,
        lhs=table,
        rhs=claim.value,
        status="pass" if ok else "fail",
        message=f"正文{what} {claim.value} {'=' if ok else '≠'} 表格 {table:g}：「{quote}」",
    )


def narrative_checks(cells: dict[str, Cell], claims: list[Claim]) -> list[CheckResult]:
    """N1–N6: one result per kind of claim (its first statement in the text)."""
    results: list[CheckResult] = []
    seen: set[str] = set()
    for claim in claims:
        if claim.quantity in _TABLE_SIDE:
            check_id, keys, what = _TABLE_SIDE[claim.quantity]
            if check_id not in seen:
                seen.add(check_id)
                results.append(_compare(check_id, cells, keys, claim, what))
        elif claim.quantity == "no_request" and "N2" not in seen:
            seen.add("N2")
            keys = ["t3.new_received.total"] + [f"t3.new_received.{c}" for c in _APPLICANTS]
            total = _value(cells, "t3.new_received.total")
            applicants = _sum(cells, [f"t3.new_received.{c}" for c in _APPLICANTS])
            counted = max(v for v in (total, applicants, 0) if v is not None)
            assessable = total is not None or applicants is not None
            status = "not_assessable" if not assessable else ("pass" if counted == 0 else "fail")
            results.append(
                CheckResult(
                    id="N2",
                    rule="N2",
                    cells=keys,
                    lhs=counted if assessable else None,
                    rhs=0,
                    status=status,
                    message=f"正文称未收到申请，表格本年新收 {counted:g}：「{claim.sentence[:60]}」",
                )
            )
        elif claim.quantity == "no_case" and "N5" not in seen:
            seen.add("N5")
            keys = [f"t4.{g}.total" for g in ("review", "suit_direct", "suit_after_review")]
            total = _sum(cells, keys)
            status = "not_assessable" if total is None else ("pass" if total == 0 else "fail")
            results.append(
                CheckResult(
                    id="N5",
                    rule="N5",
                    cells=keys,
                    lhs=total,
                    rhs=0,
                    status=status,
                    message=f"正文称无行政复议/诉讼，表四合计 {total if total is not None else '?'}："
                    f"「{claim.sentence[:60]}」",
                )
            )
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
    prose_cases = [c for c in claims if c.quantity in ("received", "review", "lawsuit") and c.value > 0]
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
