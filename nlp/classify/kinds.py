"""Problem or measure: what a report's own words say a passage is.

Reports announce their problems and measures themselves: a sub-heading ("（一）存在的主要问题",
"（二）改进措施"), a lead-in before a list ("仍存在以下不足：", "针对上述问题，下一步将抓好以下
工作："), or the voice of a sentence ("下一步，我们将…", "要进一步…": a plan). This module reads
those words; the label rules (nlp.classify.label_rules) and the item splitter (nlp.classify.items) decide with them
before any model is asked. The patterns are the language of the template and of LABELS.md, kept
here as data.
"""

from __future__ import annotations

import re
from typing import Literal

from nlp.read.normalize import nfkc

Kind = Literal["problem", "measure"]

# Nouns that name a shortcoming.
_SHORTCOMING = r"(?:问题|不足|短板|差距|薄弱环节|弱项|欠缺|困难|瓶颈|缺陷)"
# Phrases naming measures. Checked before the problem phrases, because a measure is often named by
# the problem it answers: 针对存在问题, 问题整改, 解决…问题.
MEASURE_NAMES: tuple[str, ...] = (
    rf"针对.{{0,24}}{_SHORTCOMING}",
    r"针对.{0,12}(?:情况|现状)",
    rf"(?:解决|整改|改进|补齐|克服)(?:(?!措施|本年).){{0,8}}{_SHORTCOMING}",
    rf"{_SHORTCOMING}的?(?:整改|改进|解决)(?:情况|措施|工作)?",  # not "问题及改进": that names both
    r"改进措施|整改措施|改进情况|整改情况|改进方向|工作措施|具体措施|以下措施|如下措施",
    r"下一步|下步|下阶段|(?<!在)今后|新的一年|来年|明年",  # not "需要在今后工作中解决": that names problems
    r"(?:^|下一?步|下阶段|明年|来年|今后|20\d\d年度?)的?(?:主要)?工作(?:计划|打算|安排|思路|重点|设想)|努力方向",
    r"(?:以下|如下|几个方面|几方面).{0,8}(?<!需要)(?<!有待)(?<!亟待)(?:工作|措施|改进|着手|入手|推进|加强|抓好|做好)",
    r"(?:将|(?<![需主重只必概纪])要)(?:从|在|着力|着重|重点|切实|继续|进一步|持续|不断|全力|认真|大力|努力)",
    r"^针对",  # a clause that starts "针对…" answers something: 针对上述问题/针对…现状，…
    r"^(?:对此|为此)$|(?:我们|我局|我办|我委|我镇|我乡|我县|我区|我市|本机关)(?:将|要)$",  # "对此，我局将一是…"
    rf"{_SHORTCOMING}.{{0,8}}(?:已|已经)(?:全部|基本)?(?:完成)?(?:整改|解决|改进)|整改(?:已|已经)?(?:完成|到位|落实)",
    r"(?:已|已经)(?:全部|基本|逐项)?(?:完成|落实|进行了?)?整改|进行了整改|逐项(?:进行了?)?整改",
    r"采取.{0,10}措施",
    r"报告中?(?:所提|指出|提出|反映)的?.{0,30}问题",
    r"^(?:主要|具体|下一步)?措施$",  # a bare label: "措施：…"  # last year's problems, and what was done about them
)
PROBLEM_NAMES: tuple[str, ...] = (
    rf"存在.{{0,14}}{_SHORTCOMING}",
    rf"{_SHORTCOMING}(?:和不足|与不足)?(?:主要)?(?:有|是|为|在于|如下|表现(?:在|为))",
    r"主要表现(?:在|为)|具体表现(?:在|为)|表现在以下",
    r"(?:需要|有待|仍需|尚需)(?:进一步)?(?:加强|改进|完善|提高|提升)(?:和(?:改进|提高|完善))?的(?:地方|方面|环节)",
    rf"(?:还|仍|尚)(?:有|存在).{{0,10}}{_SHORTCOMING}",
    r"不足之处|薄弱之处|存在.{0,4}差距|仍有.{0,6}差距|还有.{0,6}差距",
    r"(?:需要|有待|亟待|亟需)(?:进一步)?(?:改进|加强|完善|提高|提升)$",  # "以下几方面需要改进："
    rf"^(?:主要|存在的?)?{_SHORTCOMING}(?:[和与及]{_SHORTCOMING})?$",
)
_MEASURE_NAME_RES = tuple(re.compile(p) for p in MEASURE_NAMES)
_PROBLEM_NAME_RES = tuple(re.compile(p) for p in PROBLEM_NAMES)
_CLAUSE_SPLIT_RE = re.compile(r"[，,。；;：:！!？?]")


# A clause that ends by announcing a list ("…存在的问题主要有", "…如下"): of two kinds it names, the one
# written last, nearest the list, governs it.
_ANNOUNCING_END_RE = re.compile(r"(?:主要|具体)?(?:有|是|为|如下|包括|表现在|表现为|以下)$")
# "存在的问题及改进措施如下": the two joined name both, whatever follows.
_BOTH_JOINED_RE = re.compile(
    rf"{_SHORTCOMING}[及和与、](?:改进|整改|具体)?(?:措施|情况|改进|整改)(?:主要)?(?:有|是|为|如下|包括|以下)?$"
)


# "现将问题及改进措施报告如下", "问题和整改情况": one phrase naming both kinds, wherever it stands.
_BOTH_NAMED_RE = re.compile(rf"{_SHORTCOMING}[及和与、](?:其|相应的?)?(?:改进|整改|解决)(?:措施|情况|办法|方向)?")


def _clause_kind(clause: str) -> Kind | Literal["both"] | None:
    both = [m.end() for m in _BOTH_NAMED_RE.finditer(clause)]
    if both:  # unless a kind named after it governs: "存在的问题和改进措施本年度存在的问题主要有"
        after = _clause_kind(clause[both[-1] :]) if clause[both[-1] :] else None
        return after if after in ("problem", "measure") else "both"
    measures = [m for p in _MEASURE_NAME_RES for m in p.finditer(clause)]
    # "存在问题的整改情况" is a measure; "存在的问题及改进措施" names both.
    problem_part = clause
    for p in _MEASURE_NAME_RES:
        problem_part = p.sub(lambda m: "\0" * len(m.group()), problem_part)
    problems = [m for p in _PROBLEM_NAME_RES for m in p.finditer(problem_part)]
    if measures and problems:
        if _ANNOUNCING_END_RE.search(clause) and not _BOTH_JOINED_RE.search(clause):
            last_measure, last_problem = max(m.end() for m in measures), max(m.end() for m in problems)
            return "measure" if last_measure > last_problem else "problem"
        return "both"
    return "measure" if measures else "problem" if problems else None


def named_kind(text: str | None) -> Kind | None:
    """The kind a heading or lead-in names, read from its last clause that names one: the clause
    nearest the list governs it ("针对存在问题，下一步，将切实抓好以下工作" → measure; "需要加强和
    改进的地方。主要表现在" → problem). None when it names none or both ("存在的主要问题及改进情况")."""
    if not text:
        return None
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(_plain(text)) if c]
    for clause in reversed(clauses):
        kind = _clause_kind(clause)
        if kind == "both":
            return None
        if kind is not None:
            return kind
    return None


# A plan: future or imperative voice at the start of a sentence (LABELS.md: 要…, 将…, 进一步…).
# "将" before a noun is the object marker (将政务公开工作纳入考核), so it counts only before an
# adverb or a verb of doing.
DOING = (
    r"(?:继续|进一步|持续|着力|着重|重点|切实|全力|不断|认真|大力|努力|积极|深入|严格|全面|更加|加快|"
    r"加强|强化|完善|健全|提升|提高|推进|推动|深化|加大|做好|抓好|规范|建立|优化|丰富|拓宽|扩大|落实|"
    r"增强|坚持|围绕|聚焦|紧扣|以|从|在|按照|结合|进行|开展|组织|对|把|推行|实行|实施|压缩|修订|开设|设立|"
    r"增设|整合|清理|督促|指导|探索|打造|构建|搭建|梳理|编制|制定|开通|建设)"
)
_PLAN_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十]是|\d+[.、]|[(（]\d+[)）])?"
    r"(?:(?:同时|此外|另外|另一方面|首先|其次|再次|最后|第[一二三四五六七八九十])[，,]?)?"
    r"(?:(?:下一步|下步|下阶段|今后|新的一年|来年|明年|20\d\d年)[，,]?)?"
    r"(?:我们|我局|我办|我委|我厅|我镇|我乡|我县|我区|我市|我街道|本机关|本单位|区政府|市政府|县政府|镇政府|乡政府)?"
    rf"(?:(?:将|要|会|须|必须)(?:会)?{DOING}|拟|计划|继续|持续|进一步(?!.{{0,10}}了))"
)
_PLAN_ANYWHERE_RE = re.compile(r"下一步|下步工作|下阶段|今后|新的一年|明年|来年")


def is_plan(text: str) -> bool:
    """A sentence or passage written as a plan: "下一步，我们将…", "要进一步…", "2025年将…"."""
    plain = _plain(text)
    return bool(_PLAN_START_RE.match(plain) or _PLAN_ANYWHERE_RE.search(plain[:20]))


# Verbs an item or paragraph of 五 starts with when it is a measure written as an instruction
# ("加强组织领导。", "一是进一步完善制度"): in 五 (and only there) such an opening is a measure.
_IMPERATIVE_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十]是|\d+[.、]|[(（]\d+[)）]|[(（][一二三四五六七八九十]+[)）])?"
    r"(?:20\d\d年[，,]?)?"
    r"(?:(?:我们|我局|我办|我委|我厅|我镇|我乡|我县|我区|我市|我街道|街道|本机关|本单位|乡政府|镇政府|区政府|县政府|市政府)已?)?"
    r"(?:对[^，,。；;]{2,20}(?=实行|实施|推行|开展|建立|进行))?"
    r"(?:进一步|继续|持续|不断|切实|全面|着力|大力|认真|积极|深入|严格|努力|注重|坚持)?"
    r"(?:加强|强化|完善|健全|提升|提高|推进|推动|深化|加大|做好|抓好|规范|建立|优化|丰富|拓宽|扩大|"
    r"落实|增强|创新|拓展|夯实|压实|细化|畅通|用好|抓实|狠抓|加快|统筹|改进|开展|组织|明确|统一|"
    r"保持|实行|实施|推行|制定|编制|修订|督促|会同|依托|结合.{1,16}[，,])"
)


def starts_as_instruction(text: str) -> bool:
    return bool(_IMPERATIVE_START_RE.match(_plain(text)))


# Words that state a shortcoming of the body's own work (LABELS.md problem cues).
_SHORTCOMING_RE = re.compile(
    rf"存在.{{0,14}}{_SHORTCOMING}|有待|亟待|亟需|仍需|还需|尚需|仍有|尚有|不够|不足|偏少|偏低|偏弱|"
    r"不及时|不到位|不规范|不完善|不全面|不充分|不平衡|不高|不强|不深|不多|不精准|不明显|不一|不熟悉|不便|不畅|"
    r"不统一|不明确|不健全|不细|不紧密|不直观|不顺畅|不灵活|参差不齐|难以|尚未|未能|较长|过长|较慢|偏慢|偏长|偏多|偏高|过多|过少|陈旧|"
    r"薄弱|欠缺|滞后|单一|较少|较弱|较低|缺乏|缺少|差距|短板|弱项|困难|问题"
)


# "经自查，未发现明显问题": a report saying it has none.
_DENIES_SHORTCOMINGS_RE = re.compile(
    rf"(?:未|没有)(?:发现|出现|存在)[^，,。；;]{{0,8}}{_SHORTCOMING}|不存在[^，,。；;]{{0,8}}{_SHORTCOMING}"
)


def denies_shortcomings(text: str) -> bool:
    return bool(_DENIES_SHORTCOMINGS_RE.search(_plain(text)))


def states_shortcoming(text: str) -> bool:
    """A sentence that names a shortcoming (有待/不够/不足/差距…), whatever else it says; not one
    that says there is none ("未发现明显问题")."""
    plain = _QUOTED_RE.sub("", _plain(text))  # "报告提出的“更新不够及时”问题": cited, not stated
    return bool(_SHORTCOMING_RE.search(_DENIES_SHORTCOMINGS_RE.sub("", plain)))


_QUOTED_RE = re.compile(r"“[^”]{4,40}”")


# A sub-heading that is nothing but a kind: the words left when the kind's own words, the year and
# the report's subject are taken out.
_HEADING_FILLER_RE = re.compile(
    r"20\d\d\s*年度?|本年度|上一?年度?|今年|工作中|报告中?(?:所列|指出|提出)?|政府信息公开|政务公开|信息公开|工作|的|主要|存在|"
    r"问题|不足|短板|差距|改进|整改|措施|情况|下一?步|计划|打算|思路|安排|方向|努力"
)


def heading_kind(heading: str | None) -> Kind | None:
    """The kind a sub-heading names when it is nothing but a kind ("存在的主要问题", "（二）改进措施",
    "2024 年工作中存在问题的改进情况"); not "解决群众关切问题", whose subject is something else."""
    kind = named_kind(heading)
    if kind is None or heading is None:
        return None
    rest = _HEADING_FILLER_RE.sub("", re.sub(r"[\s\d（）()、.．:：，,]", "", heading))
    return kind if len(rest) <= 2 else None


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))
