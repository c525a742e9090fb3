"""The two official report templates as data: sections, table rows and columns, cell keys.

Everything the parser knows about 国办公开办函〔2019〕60号 and 〔2021〕30号 lives here, so that the
stages that read, extract and check stay free of literal labels (TEMPLATES.md §2–§6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TemplateVersion = Literal["v2019", "v2021"]
VERSIONS: tuple[TemplateVersion, ...] = ("v2019", "v2021")


@dataclass(frozen=True)
class SectionSpec:
    """One of the six report sections: its key, ordinal and the title words that identify it."""

    key: str
    ordinal: int
    canonical: str
    patterns: tuple[str, ...]  # regexes searched in the title text after its number
    variants: tuple[str, ...] = ()  # other full titles seen in real reports
    # Sub-headings that open the section in the template ("（一）存在的主要问题"): when a text
    # extraction lost the section's title line, its first such sub-heading marks where it starts.
    opening_subheadings: tuple[str, ...] = ()


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "s1_overview",
        1,
        "总体情况",
        # 总体情况, 工作总体推进情况, 本年度政府信息公开工作的基本情况, 信息公开工作概述
        (r"总体.{0,4}情况", r"工作的?基本情况", r"总体概述", r"工作概述", r"总结概述", r"^概述"),
        ("工作基本情况", "总体概述"),
    ),
    SectionSpec("s2_proactive", 2, "主动公开政府信息情况", (r"主动公开",), ("主动公开政府政府情况",)),
    SectionSpec(
        "s3_requests",
        3,
        "收到和处理政府信息公开申请情况",
        (r"收到和处理", r"依申请公开政府信息", r"处理政府信息公开申请"),
    ),
    SectionSpec(
        "s4_review_litigation",
        4,
        "政府信息公开行政复议、行政诉讼情况",
        (r"行政法?复议", r"行政诉讼"),  # typo seen: 行政法复议
        (
            "政府信息公开行政法复议、行政诉讼情况",
            "政府信息公开行政复议和行政诉讼情况",
            "政府信息公开行政复议与行政诉讼情况",
            "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            "因政府信息公开工作被申请行政复议和提起行政诉讼情况",
        ),
    ),
    SectionSpec(
        "s5_problems",
        5,
        "存在的主要问题及改进情况",
        (r"存在.{0,4}问题", r"问题及改进", r"问题和改进"),
        ("政府信息公开工作存在的主要问题及改进情况", "存在问题及改进情况"),
        (r"存在.{0,8}问题", r"^主要问题", r"^问题及改进", r"改进情况$", r"^改进措施$"),
    ),
    SectionSpec(
        "s6_other",
        6,
        "其他需要报告的事项",
        (r"其[他它]需要报告", r"其[他它]报告事项", r"其[他它]需报告"),
        ("其它需要报告的事项", "其他需要报告事项"),
    ),
)
# The sub-headings of 一 in the 2021 template (and their common wordings), as words.
OVERVIEW_SUBHEADINGS: tuple[str, ...] = (
    "主动公开政府信息",
    "主动公开",
    "依申请公开政府信息",
    "依申请公开",
    "政府信息管理",
    "政府信息公开平台建设",
    "政务公开平台建设",
    "公开平台建设",
    "平台建设",
    "监督保障",
)
# The statistical table each of sections 二–四 holds.
SECTION_TABLES: dict[str, str] = {"s2_proactive": "t2", "s3_requests": "t3", "s4_review_litigation": "t4"}
# Where the table of sections 二–四 starts (regexes on a folded table row or short line): a
# section whose title line was lost is found at its table. 表四 is also known by its one row of
# 15 values when a page break took its header (TABLE_VALUE_ROWS).
TABLE_START_MARKS: dict[str, tuple[str, ...]] = {
    "s2_proactive": (r"^第二十条第\(?一\)?项",),
    "s3_requests": (r"勾稽关系", r"^申请人情况"),
    "s4_review_litigation": (r"^行政复议.*行政诉讼", r"^行政复议$"),
}
TABLE_VALUE_ROWS: dict[str, int] = {"s4_review_litigation": 15}

# The format before 国办公开办函〔2019〕60号 (reports for 2008–2018): a 统计表 whose header reads
# 指标名称 | 计量单位 (| 数量), and section titles the later templates do not have.
LEGACY_TABLE_HEADER: tuple[str, ...] = ("指标名称", "计量单位")
# The old parts as a preamble lists them ("全文包括概述、主动公开政府信息情况、依申请公开政府信息
# 情况、政府信息公开的收费及减免情况…"): two of them in one sentence name the old outline.
LEGACY_PARTS: dict[str, str] = {
    "概述": r"概述",
    "依申请公开政府信息情况": r"依申请公开(?:政府信息)?(?:和|及)?不予公开|依申请公开政府信息的?情况|政府信息依申请公开情况",
    "收费及减免情况": r"收费[及和与]减免|相关收费情况",
    "举报情况": r"举报(?:投诉)?[和及、]行政复议|行政复议.{0,8}举报",
}
# The last report year before 国办公开办函〔2019〕60号: a report on 2008–2018 is of the old format.
LAST_PRE2019_YEAR = 2018
LEGACY_SECTION_TITLES: tuple[str, ...] = (
    r"^概述$",
    r"收费[及和与]减免",
    r"^(?:政府信息)?依申请公开(?:政府信息)?的?(?:办理)?情况$",
    r"^政府信息依申请公开",
    r"举报.{0,4}行政复议",
    r"^工作人员",
)
SECTION_BY_KEY: dict[str, SectionSpec] = {s.key: s for s in SECTIONS}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    kind: Literal["count", "signed", "decimal"] = "count"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """A 表二 block: caption 第二十条第（X）项, a header row, data rows."""

    key: str
    item: str  # the Chinese numeral inside 第二十条第（X）项
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]


# ---------------------------------------------------------------- 表二 (t2)

T2_CONTENT_LABEL = "信息内容"  # the header of 表二's first column

_V2019_COUNTS3 = (
    Column("prev_year_items", "上一年项目数量"),
    Column("yoy_change", "本年增/减", ("本年增减", "本年增加/减少"), kind="signed"),
    Column("decisions", "处理决定数量"),
)
_V2021_DECISIONS = (Column("decisions", "本年处理决定数量", ("处理决定数量",)),)

T2_BLOCKS: dict[TemplateVersion, tuple[Block, ...]] = {
    "v2019": (
        Block(
            "art20_1",
            "一",
            (Row("regulations", "规章"), Row("normative_docs", "规范性文件", ("行政规范性文件",))),
            (
                Column("new_made", "本年新制作数量"),
                Column("new_published", "本年新公开数量"),
                Column("total_published", "对外公开总数量"),
            ),
        ),
        Block(
            "art20_5",
            "五",
            (Row("admin_license", "行政许可"), Row("other_mgmt_services", "其他对外管理服务事项")),
            _V2019_COUNTS3,
        ),
        Block(
            "art20_6",
            "六",
            (Row("admin_penalty", "行政处罚"), Row("admin_coercion", "行政强制")),
            _V2019_COUNTS3,
        ),
        Block("art20_8", "八", (Row("admin_fees", "行政事业性收费"),), _V2019_COUNTS3[:2]),
        Block(
            "art20_9",
            "九",
            (Row("central_procurement", "政府集中采购"),),
            (
                Column("procurement_items", "采购项目数量"),
                Column("procurement_amount", "采购总金额", kind="decimal"),
            ),
        ),
    ),
    "v2021": (
        Block(
            "art20_1",
            "一",
            (Row("regulations", "规章"), Row("normative_docs", "行政规范性文件", ("规范性文件",))),
            (
                Column("issued", "本年制发件数"),
                Column("repealed", "本年废止件数"),
                Column("in_force", "现行有效件数"),
            ),
        ),
        Block("art20_5", "五", (Row("admin_license", "行政许可"),), _V2021_DECISIONS),
        Block(
            "art20_6",
            "六",
            (Row("admin_penalty", "行政处罚"), Row("admin_coercion", "行政强制")),
            _V2021_DECISIONS,
        ),
        Block(
            "art20_8",
            "八",
            (Row("admin_fees", "行政事业性收费"),),
            (
                Column(
                    "fee_amount_wan",
                    "本年收费金额（单位：万元）",
                    ("本年收费金额",),
                    kind="decimal",
                ),
            ),
        ),
    ),
}

# ---------------------------------------------------------------- 表三 (t3)

T3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("org_commercial", "商业企业"),
    Column("org_research", "科研机构"),
    Column("org_public_interest", "社会公益组织"),
    Column("org_legal_service", "法律服务机构"),
    Column("org_other", "其他"),
    Column("total", "总计"),
)
T3_APPLICANT_COLUMNS: tuple[str, ...] = tuple(c.key for c in T3_COLUMNS[:-1])

_T3_HEAD = (
    Row("new_received", "一、本年新收政府信息公开申请数量"),
    Row("carried_over", "二、上年结转政府信息公开申请数量", ("二、上年转结政府信息公开申请数量",)),
    Row("granted", "（一）予以公开"),
    Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("（二）部分公开",)),
    Row("withheld_state_secret", "1.属于国家秘密"),
    Row("withheld_law_forbidden", "2.其他法律行政法规禁止公开"),
    Row("withheld_security_stability", "3.危及“三安全一稳定”"),
    Row("withheld_third_party", "4.保护第三方合法权益"),
    Row("withheld_internal_affairs", "5.属于三类内部事务信息"),
    Row("withheld_process_info", "6.属于四类过程性信息"),
    Row("withheld_enforcement_file", "7.属于行政执法案卷"),
    Row("withheld_admin_query", "8.属于行政查询事项"),
    Row("unable_not_held", "1.本机关不掌握相关政府信息"),
    Row("unable_needs_creation", "2.没有现成信息需要另行制作"),
    Row("unable_still_unclear", "3.补正后申请内容仍不明确"),
    Row("notproc_petition", "1.信访举报投诉类申请"),
    Row("notproc_repeat", "2.重复申请"),
    Row("notproc_publication", "3.要求提供公开出版物"),
    Row("notproc_mass_repeat", "4.无正当理由大量反复申请"),
    Row("notproc_confirm_reissue", "5.要求行政机关确认或重新出具已获取信息"),
)
_T3_TAIL = (
    Row("result_total", "（七）总计"),
    Row("carried_forward", "四、结转下年度继续办理"),
)
T3_OTHER_SINGLE = Row("other", "（六）其他处理")
T3_OTHER_SPLIT = (
    Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    Row(
        "other_fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    Row("other_misc", "3.其他"),
)
T3_ROWS: dict[TemplateVersion, tuple[Row, ...]] = {
    "v2019": (*_T3_HEAD, T3_OTHER_SINGLE, *_T3_TAIL),
    "v2021": (*_T3_HEAD, *T3_OTHER_SPLIT, *_T3_TAIL),
}
# Group labels of 表三 that are not data rows (the template prints no subtotal for them).
T3_GROUP_LABELS: tuple[str, ...] = (
    "三、本年度办理结果",
    "（三）不予公开",
    "（四）无法提供",
    "（五）不予处理",
    "（六）其他处理",
)
# Outcome rows common to both versions; （六）其他处理 adds `other` (v2019) or three sub-rows.
T3_OUTCOME_COMMON: tuple[str, ...] = tuple(r.key for r in _T3_HEAD[2:])
T3_INTAKE_ROWS: tuple[str, ...] = tuple(r.key for r in _T3_HEAD[:2])
T3_CLOSING_ROWS: tuple[str, ...] = tuple(r.key for r in _T3_TAIL)
T3_ANCHORS: tuple[str, ...] = ("勾稽关系", "申请人情况")
# The printed form's layout (for showing a table as the form prints it): the outcome rows sit
# under 三、本年度办理结果; （三）–（六） group their numbered sub-rows; the five organisation
# columns sit under 法人或其他组织.
T3_OUTCOME_HEADING = T3_GROUP_LABELS[0]
T3_ROW_GROUPS: dict[str, tuple[str, ...]] = dict(
    zip(
        T3_GROUP_LABELS[1:],
        (
            tuple(r.key for r in _T3_HEAD[4:12]),
            tuple(r.key for r in _T3_HEAD[12:15]),
            tuple(r.key for r in _T3_HEAD[15:20]),
            tuple(r.key for r in T3_OTHER_SPLIT),
        ),
        strict=True,
    )
)
T3_APPLICANTS_LABEL = T3_ANCHORS[1]
T3_ORGANISATIONS_LABEL = "法人或其他组织"
T3_ORGANISATION_COLUMNS: tuple[str, ...] = T3_APPLICANT_COLUMNS[1:]

# ---------------------------------------------------------------- 表四 (t4)

T4_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)
T4_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
T4_ANCHORS: tuple[str, ...] = ("行政复议", "行政诉讼")
# The printed form's header: 行政复议 over its five columns, 行政诉讼 over the two suit groups.
T4_HEADER: tuple[tuple[str, tuple[str, ...]], ...] = (
    (T4_ANCHORS[0], (T4_GROUPS[0][0],)),
    (T4_ANCHORS[1], (T4_GROUPS[1][0], T4_GROUPS[2][0])),
)

# ---------------------------------------------------------------- table titles

TABLE_TITLES: dict[str, str] = {
    "t2": "表二 主动公开政府信息情况",
    "t3": "表三 收到和处理政府信息公开申请情况",
    "t4": "表四 政府信息公开行政复议、行政诉讼情况",
}

# ---------------------------------------------------------------- version signals

# (regex on whitespace-free, normalised table text, version it signals), strongest first.
VERSION_SIGNALS: tuple[tuple[str, TemplateVersion], ...] = (
    (r"本年制发件数", "v2021"),
    (r"现行有效件数", "v2021"),
    (r"本年收费金额", "v2021"),
    (r"逾期不补正", "v2021"),
    (r"逾期未按收费通知", "v2021"),
    (r"本年新制作数量", "v2019"),
    (r"对外公开总数量", "v2019"),
    (r"第二十条第[（(]九[)）]项", "v2019"),
    (r"其他对外管理服务事项", "v2019"),
    (r"采购项目数量", "v2019"),
)


@dataclass(frozen=True)
class CellSpec:
    """One numeric cell of the template: its stable key and the labels a reader sees."""

    key: str
    table: Literal["t2", "t3", "t4"]
    row_label: str
    column_label: str
    kind: Literal["count", "signed", "decimal"] = "count"
    group: str = field(default="")


def cell_specs(version: TemplateVersion) -> list[CellSpec]:
    """All cells of a template version, in display order (TEMPLATES.md §3–§5)."""
    specs: list[CellSpec] = []
    for block in T2_BLOCKS[version]:
        for row in block.rows:
            for col in block.columns:
                specs.append(
                    CellSpec(
                        f"t2.{block.key}.{row.key}.{col.key}",
                        "t2",
                        row.label,
                        col.label,
                        col.kind,
                        f"第二十条第（{block.item}）项",
                    )
                )
    for row in T3_ROWS[version]:
        for col in T3_COLUMNS:
            specs.append(CellSpec(f"t3.{row.key}.{col.key}", "t3", row.label, col.label))
    for group, glabel in T4_GROUPS:
        for col in T4_COLUMNS:
            specs.append(CellSpec(f"t4.{group}.{col.key}", "t4", glabel, col.label, group=glabel))
    return specs


def cell_spec_map(version: TemplateVersion) -> dict[str, CellSpec]:
    return {s.key: s for s in cell_specs(version)}


EXTRA_ROW_SPECS: dict[str, CellSpec] = {
    f"t3.other.{col.key}": CellSpec(f"t3.other.{col.key}", "t3", T3_OTHER_SINGLE.label, col.label)
    for col in T3_COLUMNS
}


def specs_for(template: str) -> dict[str, CellSpec]:
    """Every cell key a report of this template may hold, with its labels: the template's own
    cells first, then the other version's and v2019's single （六）其他处理 row (a report can mix)."""
    version: TemplateVersion = "v2019" if template == "v2019" else "v2021"
    specs = dict(EXTRA_ROW_SPECS)
    for other in VERSIONS:
        specs.update({k: s for k, s in cell_spec_map(other).items() if k not in specs})
    specs.update(cell_spec_map(version))
    return specs
