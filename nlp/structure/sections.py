"""Structure stage: the six sections, sub-headings and narrative paragraphs of a report.

Section titles are recognised by their number and their words (TEMPLATES.md §2, §8 V19–V21):
"一、总体情况", "1、 总体情况" (Word auto-numbering), "五、政府信息公开工作存在的主要问题及改进情况"…
A title whose number does not fit its position is accepted only when its words are the
template's own, so that sub-headings such as "1.主动公开" inside section 一 are not sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import NamedTuple

from nlp.models import Block, Paragraph, Section, SignOff, Subheading
from nlp.read.normalize import fold, reading_form
from nlp.tables import template as tpl

_CN_NUM = "一二三四五六七八九十"
_MARKDOWN_RE = re.compile(r"^[#>*\s]+|[*\s]+$")
_TITLE_RE = re.compile(
    rf"^(?:第(?P<part>[{_CN_NUM}])部分[、.．:：\s]*|(?P<cn>[{_CN_NUM}]{{1,2}})\s*[,，]?[、.．]\s*|"
    rf"(?P<ar>[1-9])\s*(?:[、．]|\.(?!\d))\s*)(?P<title>.+)$"
)
_SUBHEAD_RES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[（(]\s*[{_CN_NUM}]{{1,2}}\s*[)）]\s*")),
    (1, re.compile(rf"^[{_CN_NUM}]{{1,2}}[)）]\s*")),
    (2, re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))\s*")),
    (3, re.compile(r"^[（(]\s*\d{1,2}\s*[)）]\s*")),
    (3, re.compile(r"^[①-⑳]\s*")),
)
_HEADING_MAX = 26
_CLAUSE_BREAK_RE = re.compile(r"[；;：:]")  # a heading may pair two phrases with a comma, no more
# A figure stated with its unit: a line that has one is narrative, not a heading or a table label.
_STATED_COUNT_RE = re.compile(r"\d+\s*(?:件|条|个|项|次|人|份|篇|期|场|家|万元|元)")
_TITLE_MAX = 40
_REPORT_TITLE_RE = re.compile(r"(年度报告|工作报告|年报)\s*$")


@dataclass(frozen=True)
class TitleMatch:
    key: str
    score: float


def _clean_line(text: str) -> str:
    return _MARKDOWN_RE.sub("", text).strip()


def _ordinal(m: re.Match[str]) -> int | None:
    if m["ar"]:
        return int(m["ar"])
    word = m["cn"] or m["part"]
    if not word:
        return None
    if word == "十":
        return 10
    return _CN_NUM.index(word[-1]) + 1 + (10 if len(word) == 2 else 0)


def match_section_title(text: str) -> TitleMatch | None:
    """The section a line is the title of, with a score for choosing among candidates."""
    line = _clean_line(text)
    m = _TITLE_RE.match(line)
    title, ordinal, chinese = (m["title"].strip(), _ordinal(m), not m["ar"]) if m else (line, None, False)
    head, _, tail = title.partition("。")
    head = head.rstrip("：: ")
    if not head or len(head) > _TITLE_MAX:
        return None
    folded = fold(head)
    for spec in sorted(tpl.SECTIONS, key=lambda s: -s.ordinal):
        if not any(re.search(p, folded) for p in spec.patterns):
            continue
        canonical = fold(spec.canonical)
        exact = canonical in folded or SequenceMatcher(None, folded, canonical).ratio() >= 0.8
        if ordinal == spec.ordinal:
            return TitleMatch(spec.key, 3.0 + exact - bool(tail))
        # A number that does not fit: only a Chinese-numbered, title-only line in the
        # template's own words (outlines that restart numbering, e.g. 一、主动公开政府信息情况).
        if exact and chinese and not tail and ordinal is not None:
            return TitleMatch(spec.key, 1.0)
        if ordinal is None and folded == canonical:
            return TitleMatch(spec.key, 1.0)
        return None
    return None


def find_sections(blocks: list[Block]) -> list[Section]:
    """Sections in document order: the best-scoring chain of titles in template order."""
    candidates: list[tuple[int, int, str, float]] = []  # block, order, key, score
    for i, block in enumerate(blocks):
        if block.kind == "text":
            match = match_section_title(block.text)
            if match is not None:
                order = tpl.SECTION_BY_KEY[match.key].ordinal
                candidates.append((i, order, match.key, match.score))
    # Longest-path over candidates whose section order strictly increases.
    best: list[tuple[float, int]] = []  # (total score, previous candidate index)
    for n, (_, order, _, score) in enumerate(candidates):
        prev = max(
            ((best[m][0], m) for m in range(n) if candidates[m][1] < order),
            default=(0.0, -1),
        )
        best.append((prev[0] + score, prev[1]))
    chain: list[int] = []
    n = max(range(len(best)), key=lambda k: best[k][0], default=-1)
    while n >= 0:
        chain.append(n)
        n = best[n][1]
    chosen = [candidates[n] for n in reversed(chain)]
    sections: list[Section] = []
    for k, (i, order, key, _) in enumerate(chosen):
        end = chosen[k + 1][0] if k + 1 < len(chosen) else len(blocks)
        title = _clean_line(blocks[i].text)
        sections.append(Section(key=key, title=title, ordinal=order, block_start=i, block_end=end))
    return sections


_LEAD_IN_RE = re.compile(r"^([^，。：:；;、]{2,10})[：:]")


class _Subheading(NamedTuple):
    level: int
    head: str  # the heading words
    rest: str  # the line after the enumerator or lead-in
    lead_in: bool  # "存在问题：" rather than an enumerator such as "（一）"


def _subheading(text: str) -> _Subheading | None:
    """The sub-heading a line starts with: a heading enumerator or a short lead-in such as
    "改进情况：" or "存在问题：".
    """
    for level, pattern in _SUBHEAD_RES:
        m = pattern.match(text)
        if m:
            rest = text[m.end() :].strip()
            head = re.split(r"[。：:；;]", rest, maxsplit=1)[0].strip()
            return _Subheading(level, head, rest, lead_in=False)
    lead = _LEAD_IN_RE.match(text)
    if lead:
        return _Subheading(1, lead.group(1), text[lead.end() :].strip(), lead_in=True)
    return None


def with_untitled_sections(blocks: list[Block], sections: list[Section]) -> list[Section]:
    """The sections plus those whose title line the extraction lost but whose opening sub-heading
    is there ("（一）存在的主要问题" right after 表四): the template puts no narrative sub-heading in
    the table sections 二–四, so one that opens a later section starts it."""
    found = {s.key for s in sections}
    out = list(sections)
    for spec in tpl.SECTIONS:
        if spec.key in found or not spec.opening_subheadings:
            continue
        before = [s for s in out if s.ordinal < spec.ordinal]
        if not before or before[-1].key not in _TABLE_SECTIONS:
            continue
        host = before[-1]
        for i in range(host.block_start + 1, host.block_end):
            block = blocks[i]
            sub = _subheading(block.text.strip()) if block.kind == "text" else None
            if sub is None or sub.level != 1:
                continue
            head = fold(sub.head)
            if any(re.search(p, head) for p in spec.opening_subheadings):
                opened = Section(
                    key=spec.key,
                    title=spec.canonical,
                    ordinal=spec.ordinal,
                    block_start=i,
                    block_end=host.block_end,
                    untitled=True,
                )
                out[out.index(host)] = host.model_copy(update={"block_end": i})
                out.append(opened)
                break
    return sorted(out, key=lambda s: s.block_start)


def _table_start(block: Block, key: str) -> int | None:
    """The row of a block where the table of section `key` starts, if it starts there: a row
    or short line with the table's start mark, or 表四's one row of 15 values."""
    marks = tpl.TABLE_START_MARKS[key]
    rows = block.rows if block.kind == "table" else [[block.text]] if len(block.text) <= 20 else []
    for r, row in enumerate(rows):
        joined = fold("".join(row))
        if any(re.search(m, joined) for m in marks):
            return r
        values = [c for c in row if c.strip()]
        width = tpl.TABLE_VALUE_ROWS.get(key)
        if width and len(values) == width and all(re.fullmatch(r"\d+", fold(v)) for v in values):
            return r
    return None


def with_table_sections(blocks: list[Block], sections: list[Section]) -> list[Section]:
    """The sections plus those of 二–四 whose title line was lost but whose table is there
    (湖源乡: a page break took 四's title and 表四's header, its row of 15 values is left):
    the section starts at its table, `untitled`. A table that starts inside the block of the
    table before it (one grid for both) shares that block with the section before."""
    found = {s.key for s in sections}
    out = list(sections)
    for key in tpl.TABLE_START_MARKS:
        spec = tpl.SECTION_BY_KEY[key]
        before = [s for s in out if s.ordinal < spec.ordinal]
        if key in found or not before:
            continue
        host = before[-1]
        for i in range(host.block_start + 1, host.block_end):
            row = _table_start(blocks[i], key)
            if row is None:
                continue
            shared = blocks[i].kind == "table" and row > 0
            out[out.index(host)] = host.model_copy(update={"block_end": i + 1 if shared else i})
            out.append(
                Section(
                    key=key,
                    title=spec.canonical,
                    ordinal=spec.ordinal,
                    block_start=i,
                    block_end=host.block_end,
                    untitled=True,
                )
            )
            break
    return sorted(out, key=lambda s: (s.block_start, s.ordinal))


_LEGACY_SIGNALS_MIN = 2
_PREAMBLE_BLOCKS = 15


def legacy_format_signals(
    blocks: list[Block], year: int | None, sections: list[Section], title: str | None
) -> list[str]:
    """Why a document reads as a report of the format before 2019, or [] when it does not: its
    统计表 header (指标名称 | 计量单位), or two of: a title of the old outline (概述,
    依申请公开政府信息情况, 政府信息公开的收费及减免情况 …), a preamble listing the old parts,
    a report year before 2019 — with which a report title and one section found, or two
    sections, are enough too. A document that prints a label of the 2019 or 2021 tables is not
    of the old format."""
    text = fold("".join(b.text or "".join("".join(r) for r in b.rows) for b in blocks))
    if any(re.search(pattern, text) for pattern, _ in tpl.VERSION_SIGNALS):
        return []
    signals: list[str] = []
    for i, block in enumerate(blocks):
        if block.kind == "table":
            if any(all(h in {fold(c) for c in row} for h in tpl.LEGACY_TABLE_HEADER) for row in block.rows):
                return ["统计表：" + "|".join(tpl.LEGACY_TABLE_HEADER)]
            continue
        line = _clean_line(block.text)
        m = _TITLE_RE.match(line)
        if m is not None and (m["cn"] or m["part"]) and len(line) <= _TITLE_MAX:
            title = fold(m["title"]).rstrip("。.")
            if any(re.search(p, title) for p in tpl.LEGACY_SECTION_TITLES):
                signals.append(line)
        elif i < _PREAMBLE_BLOCKS:
            parts = [name for name, p in tpl.LEGACY_PARTS.items() if re.search(p, line)]
            if len(parts) >= _LEGACY_SIGNALS_MIN:
                signals.append("前言所列部分：" + "、".join(parts))
    reported = len(sections) >= _LEGACY_SIGNALS_MIN or (title is not None and len(sections) >= 1)
    if year is not None and year <= tpl.LAST_PRE2019_YEAR and (signals or reported):
        return [f"报告年度 {year}", *signals]
    # One old title may be a report's own wording (一、概述); two signs are the old outline.
    return signals if len(signals) >= _LEGACY_SIGNALS_MIN else []


def is_heading_only(text: str) -> bool:
    """A line that is just a sub-heading ("（一）主动公开", "存在问题：") with no sentence.

    A line that goes on after a semicolon or colon ("（一）受理申请的数量：目前未收到申请；",
    "地址：北京市西城区…") or that states a figure ("3.发布法治政府建设年度报告22份。")
    carries a sentence: it is a paragraph (LABELS.md). Punctuation is looked for in both
    widths, since NFKC turns "；" into ";".
    """
    sub = _subheading(text)
    body = sub.rest if sub else text
    core = body.rstrip("：:。 ")
    if _STATED_COUNT_RE.search(core):
        return False
    if sub is not None and sub.lead_in and core:
        return False  # "地址：…", "改进措施：一是…": a lead-in with its content after it
    if sub is None:
        return len(core) <= 12 and body.endswith(("：", ":")) and not re.search(r"[，,；;]", core)
    return len(core) <= _HEADING_MAX and not _CLAUSE_BREAK_RE.search(core) and "。" not in core


_TITLE_WORDS_RE = re.compile(r"信息公开|年度报告|年报")
_TITLE_PREFIX_RE = re.compile(r"^[-·•\s]*(?:标\s*题|题\s*目|名\s*称)\s*[:：|]?\s*")
_ORGAN_END_RE = re.compile(
    r"(?:政府|办公室|办公厅|局|委员会|委|厅|办|街道|办事处|乡|镇|县|区|市|省|管委会|中心)$"
)
_YEAR_START_RE = re.compile(r"^(?:19|20)\d{2}\s*年")
_PAGE_METADATA_RE = re.compile(r"^[-·•\[【\s]*[\u4e00-\u9fff]{2,6}\s*[:：|]")  # "发布机构：", "[ 字体："


def _report_title_end(blocks: list[Block], stop: int) -> tuple[str | None, int]:
    """The report title printed before the body and the block where the body starts.

    The title is the first short line naming 信息公开/年度报告, joined with the line that
    finishes it ("…政府信息公开" / "工作年度报告") or, when it starts with the year, with the
    organ printed on the line above ("淮安市人民政府" / "2024 年政府信息公开工作年度报告").
    Lines above the title (crawler metadata, "正文") are not part of the body.
    """
    lines: list[tuple[int, str]] = []
    for i, block in enumerate(blocks[: min(stop, 12)]):
        if block.kind != "text":
            continue
        if block.text.rstrip().endswith(("。", "；", ";")):
            continue  # a sentence is no title
        line = _TITLE_PREFIX_RE.sub("", _clean_line(block.text))
        if len(line) <= 60 and not (
            _PAGE_METADATA_RE.match(line) or _TITLE_RE.match(line) or _subheading(line)
        ):  # "地址：…信息公开大厅", "三、政府信息公开收费…", "（一）…" are not the report's title
            lines.append((i, line))
    # A line with a year that ends like a title beats the first line that merely mentions
    # 信息公开 (page metadata such as "组配分类: …年度报告汇总").
    ranked = sorted(
        range(len(lines)),
        key=lambda k: (
            not (re.search(r"(?:19|20)\d{2}", lines[k][1]) and _REPORT_TITLE_RE.search(lines[k][1])),
            k,
        ),
    )
    for k in ranked:
        i, text = lines[k]
        if not _TITLE_WORDS_RE.search(text):
            continue
        parts, end = [text], i + 1
        if (
            not _REPORT_TITLE_RE.search(text)
            and k + 1 < len(lines)
            and _REPORT_TITLE_RE.search(lines[k + 1][1])
        ):
            parts.append(lines[k + 1][1])
            end = lines[k + 1][0] + 1
        above = lines[k - 1][1] if k > 0 and lines[k - 1][0] == i - 1 else ""
        if _YEAR_START_RE.match(text) and len(above) <= 30 and _ORGAN_END_RE.search(above):
            parts.insert(0, lines[k - 1][1])
        return "".join(parts), end
    return None, 0


_RULE_LINE_RE = re.compile(r"^[=\-*_#~]{3,}")
_TABLE_SECTIONS = frozenset({"s2_proactive", "s3_requests", "s4_review_litigation"})
_TABLE_POINTER_RE = re.compile(r"^[（(]?(?:详见|具体见|见|如)(?:下表|附表|表格|表[一二三四1-4])")
# Sections that list problems and measures one short sentence a line ("1.村级信息公开不够规范。"):
# there a numbered sentence with its full stop is an item, not a sub-heading.
_LIST_SECTIONS = frozenset({"s5_problems", "s6_other"})
_SENTENCE_RE = re.compile(r"[。；;！!？?]")
# The preamble's contact lines look like page metadata ("地址：…") but are part of the report.
_CONTACT_RE = re.compile(
    r"^(?:通讯地址|地址|邮编|邮政编码|联系电话|咨询电话|电话|传真|电子邮箱|邮箱|联系人)\s*[:：]"
)
_CLAUSE_OR_END_RE = re.compile(r"[。，,；;！!？?]")
_LETTER_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# "一是强化组织领导。" — the point a 一是/二是 enumeration names, when it is short.
_ENUMERATED_POINT_RE = re.compile(
    r"(?:^|[。；])\s*[一二三四五六七八九十]+是([^。；，,：:]{2,20})[。；，,：:]"
)


def _is_part_title(text: str) -> bool:
    """A line numbered like one of the six parts ("一、…", "第二部分…"), short and without a
    sentence in it, that the template's titles did not claim (asked outside the sections only:
    inside one, "一、公开内容不够全面" may be an item of a list)."""
    line = _clean_line(text)
    m = _TITLE_RE.match(line)
    return (
        bool(m and (m["cn"] or m["part"])) and len(line) <= _TITLE_MAX and not _CLAUSE_OR_END_RE.search(line)
    )


def find_paragraphs(blocks: list[Block], sections: list[Section]) -> tuple[list[Paragraph], str | None]:
    """Narrative paragraphs with their section and nearest sub-heading; also the report title."""
    first = sections[0].block_start if sections else len(blocks)
    title, body_start = _report_title_end(blocks, first if sections else min(5, len(blocks)))
    section_at: dict[int, str] = {}
    for s in sections:
        for i in range(s.block_start, s.block_end):
            section_at[i] = s.key
    titles = {s.block_start for s in sections if not s.untitled}
    by_key = {s.key: s for s in sections}
    paragraphs: list[Paragraph] = []
    headings: dict[int, str] = {}
    current_section: str | None = None
    for i, block in enumerate(blocks):
        if block.kind != "text" or i < body_start:
            continue
        section = section_at.get(i)
        if section != current_section:
            headings.clear()
            current_section = section
        if i in titles:
            continue
        text = reading_form(block.text)
        if is_signoff_line(text) or _PAGE_CHROME_RE.match(text) or _PLACEHOLDER_RE.match(text):
            continue  # the 落款 (read by find_signoff), page chrome, "（文字描述）": not paragraphs
        if section is None and (
            (_PAGE_METADATA_RE.match(text) and "。" not in text and not _CONTACT_RE.match(text))
            or _RULE_LINE_RE.match(text)
        ):
            continue  # "发布机构: …", "==== 正文 ====": page metadata, not the report
        if not _LETTER_RE.search(text):
            continue  # "】", "2020-03-27 10:40", "0", "|": page chrome or table debris, no words
        if section in _TABLE_SECTIONS and (
            (not _SENTENCE_RE.search(text) and not _STATED_COUNT_RE.search(text))
            or _TABLE_POINTER_RE.match(text)
        ):
            continue  # a table label or number printed as a line, or "详见下表", not narrative
        if section is None and _is_part_title(text):
            headings.clear()
            continue  # "二、政府信息依申请公开情况" of an older template: a heading, not prose
        sub = _subheading(text)
        if sub is not None and section in by_key and len(sub.head) <= 20:
            by_key[section].subheadings.append(Subheading(level=sub.level, text=sub.head))
        for m in _ENUMERATED_POINT_RE.finditer(text):
            if section in by_key:
                by_key[section].subheadings.append(Subheading(level=4, text=m.group(1)))
        if sub is not None:
            level, head = sub.level, sub.head
            for deeper in [lv for lv in headings if lv >= level]:
                del headings[deeper]
            if len(head) <= 20:
                headings[level] = head
        if is_heading_only(text) and not (section in _LIST_SECTIONS and text.endswith("。")):
            if sub is None:
                headings[1] = text.rstrip("：: ")
            continue
        heading = headings[max(headings)] if headings else None
        outline = [headings[level] for level in sorted(headings)]
        paragraphs.append(Paragraph(text=text, section=section, heading=heading, headings=outline))
    return _without_repeated_points(paragraphs), title


# A paragraph that announces a list ("针对上述问题，我乡将采取以下措施：1.…") is not a point's explanation.
_ANNOUNCES_LIST_RE = re.compile(r"以下|如下|[：:]")
_POINT_START_RE = re.compile(
    rf"^\s*(?:[（(][{_CN_NUM}]{{1,2}}[)）]|[{_CN_NUM}]{{1,2}}是|\d{{1,2}}\s*[.、．](?!\d)|[（(]\d{{1,2}}[)）]|[①-⑳])\s*"
)


def _is_point(text: str) -> bool:
    """A numbered point standing alone: "一是加强队伍建设。", "（一）进一步加强组织体系建设。"."""
    m = _POINT_START_RE.match(text)
    body = text[m.end() :].rstrip("。.；; ") if m else ""
    return bool(body) and len(body) <= _HEADING_MAX and not re.search(r"[，,；;：:。]", body)


def _without_repeated_points(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Points printed on a line of their own with their explanation after them. A point repeated as
    the first sentence of its paragraph ("要进一步加强宣传培训。" / "要进一步加强宣传培训。要通过…") is that
    paragraph's sub-heading; in 五 and 六 a numbered point whose explanation follows unnumbered
    ("（一）进一步加强组织体系建设。" / "针对…现状，进一步明确…") is one paragraph with it, one item. A
    numbered point followed by the next numbered point is an item of its own."""
    out: list[Paragraph] = []
    for i, p in enumerate(paragraphs):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        point = p.text.rstrip("。.；; ")
        same_section = following is not None and following.section == p.section
        repeated = (
            same_section
            and len(point) <= _HEADING_MAX
            and len(following.text) > len(p.text)  # type: ignore[union-attr]
            and following.text.startswith(point)  # type: ignore[union-attr]
        )
        heads_explanation = (
            same_section
            and p.section in _LIST_SECTIONS
            and _is_point(p.text)
            and not _POINT_START_RE.match(following.text)  # type: ignore[union-attr]
            and not _ANNOUNCES_LIST_RE.search(following.text.split("。", 1)[0])  # type: ignore[union-attr]
        )
        if repeated:
            paragraphs[i + 1] = following.model_copy(  # type: ignore[union-attr]
                update={"heading": point, "headings": [*following.headings, point]}  # type: ignore[union-attr]
            )
            continue
        if heads_explanation:
            joined = p.text if p.text.endswith(("。", "；", ";")) else p.text + "。"
            paragraphs[i + 1] = following.model_copy(update={"text": joined + following.text})  # type: ignore[union-attr]
            continue
        out.append(p)
    return out


_ORGAN_SUFFIX = (
    r"(?:人民政府|政府|办公室|办公厅|局|委员会|委|厅|办|街道办事处|办事处|街道|管理委员会|管委会|中心|"
    r"管理处|管理所|站|院|所|队|乡|镇)"
)
_NUMERAL = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = rf"(?:(?:19|20)\d{{2}}|[〇○零一二三四五六七八九]{{4}})\s*年\s*{_NUMERAL}\s*月(?:\s*{_NUMERAL}\s*日)?"
_SIGNOFF_RE = re.compile(
    rf"^(?P<organ>[\u4e00-\u9fff（）()]{{2,30}}?{_ORGAN_SUFFIX})?\s*"
    rf"(?:[（(]?\s*(?P<date>{_DATE})\s*[)）]?)?\s*$"
)
# Page chrome a web page leaves around or inside the report.
_PAGE_CHROME_RE = re.compile(
    r"^[【\[（(]?\s*(?:附件下载|打印本页|打印|关闭窗口|关闭|返回顶部|分享到|字号|扫一扫|用微信扫描二维码|"
    r"更多精彩内容|相关链接|上一篇|下一篇|上一条|下一条|网站地图|联系我们|"
    r"(?:主办|承办|协办|技术支持|版权所有|网站标识码|发布时间|来源|浏览次数|信息来源)(?:单位)?\s*[：:])"
    r"|^.{0,40}(?:ICP|公网安)[备证]"  # the site's registration line in the footer
)
# A bracketed placeholder or caption standing alone: the blank form's "（文字描述）", "（2023年度）".
_PLACEHOLDER_RE = re.compile(r"^[（(][^（）()。，,]{1,12}[)）]$")
# A sign-off run into the last sentence of a flattened page: "…无。  某某县人民政府  2024年1月20日".
_TRAILING_SIGNOFF_RE = re.compile(
    rf"(?<=[。！？；;])\s*(?P<organ>[\u4e00-\u9fff（）()]{{2,30}}?{_ORGAN_SUFFIX})\s*[（(]?\s*(?P<date>{_DATE})\s*[)）]?\s*$"
)


def is_signoff_line(text: str) -> bool:
    """A line that is only an organ's name, only a date, or both: the 落款 or a byline, never prose."""
    line = text.strip()
    m = _SIGNOFF_RE.match(line)
    return bool(m and (m["organ"] or m["date"]) and not _TITLE_RE.match(line) and _subheading(line) is None)


def find_signoff(blocks: list[Block], paragraphs: list[Paragraph]) -> tuple[SignOff | None, list[Paragraph]]:
    """The 落款 at the end of the report — the sign-off lines after its last paragraph, or an organ
    and date run into the end of the last paragraph — and the paragraphs without it."""
    lines: list[str] = []
    for block in reversed(blocks):
        if block.kind != "text":
            break
        text = reading_form(block.text)
        if not text or _PAGE_CHROME_RE.match(text) or not _LETTER_RE.search(text):
            continue  # "附件下载", "— 7 —" after the sign-off
        if not is_signoff_line(text):
            break
        lines.insert(0, text)
    if lines:
        joined = " ".join(lines)
        organ = next((m["organ"] for line in lines if (m := _SIGNOFF_RE.match(line)) and m["organ"]), None)
        date = next((m["date"] for line in lines if (m := _SIGNOFF_RE.match(line)) and m["date"]), None)
        return SignOff(organ=organ, date=date, text=joined), paragraphs
    if paragraphs:
        m = _TRAILING_SIGNOFF_RE.search(paragraphs[-1].text)
        if m:
            last = paragraphs[-1].model_copy(update={"text": paragraphs[-1].text[: m.start()].rstrip()})
            return SignOff(organ=m["organ"], date=m["date"], text=m.group().strip()), [*paragraphs[:-1], last]
    return None, paragraphs


def neighbour_texts(paragraphs: Sequence[Paragraph]) -> list[tuple[str, str]]:
    """For each paragraph of one report in reading order, the texts of the paragraphs just before
    and just after it in the same section ("" at a section's edge): the context a reader has."""
    out: list[tuple[str, str]] = []
    for i, p in enumerate(paragraphs):
        before = paragraphs[i - 1] if i > 0 else None
        after = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        out.append(
            (
                before.text if before is not None and before.section == p.section else "",
                after.text if after is not None and after.section == p.section else "",
            )
        )
    return out


class Structure(NamedTuple):
    sections: list[Section]
    paragraphs: list[Paragraph]
    title: str | None
    signoff: SignOff | None


def read_structure(blocks: list[Block]) -> Structure:
    """Sections, narrative paragraphs, report title and sign-off of a document's blocks."""
    sections = with_untitled_sections(blocks, with_table_sections(blocks, find_sections(blocks)))
    paragraphs, title = find_paragraphs(blocks, sections)
    signoff, paragraphs = find_signoff(blocks, paragraphs)
    return Structure(sections, paragraphs, title, signoff)
