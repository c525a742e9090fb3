"""What a reviewer reads about each kind of finding, as data in one place: the rule titles shown
on the review pages, the kinds findings are counted by, the problem as a letter to the unit
states it, and the suggested fix.

Fix texts take the finding's own figures: {place} (表三「（一）予以公开」行 …), {lhs}, {rhs},
{section}, {table} and {share}; `nlp.audit.findings` fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["identity", "cross_year", "narrative", "plausibility", "missing", "blank", "boilerplate"]

# In the order a letter lists them.
KIND_NAMES: dict[Kind, str] = {
    "identity": "勾稽关系不成立",
    "cross_year": "与上年度数据不衔接",
    "narrative": "正文与统计表不一致",
    "plausibility": "数据合理性存疑",
    "missing": "章节或统计表缺失",
    "blank": "统计表未填写",
    "boilerplate": "沿用上年表述",
}


@dataclass(frozen=True)
class Rule:
    code: str
    kind: Kind
    title: str  # the rule as the review pages name it
    problem: str  # what is wrong, as a letter says it
    fix: str  # the suggested fix, with the finding's figures


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "R1",
            "identity",
            "表三列平衡（新收+上年结转=办结+结转下年度）",
            "{place}：本年新收与上年结转之和，不等于办理结果总计与结转下年度继续办理之和",
            "请核对{place}：本年新收 + 上年结转 应等于 （七）总计 + 结转下年度继续办理，更正有误的数字。",
        ),
        Rule(
            "R2",
            "identity",
            "表三办理结果之和等于（七）总计",
            "{place}：各项办理结果之和不等于（七）总计",
            "请核对{place}的各项办理结果，使其之和等于（七）总计。",
        ),
        Rule(
            "R3",
            "identity",
            "表三各类申请人之和等于总计",
            "{place}：总计不等于自然人与法人或其他组织各栏之和",
            "请核对{place}：总计应等于自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他各栏之和。",
        ),
        Rule(
            "R4",
            "identity",
            "表四各项结果之和等于总计",
            "{place}：总计不等于结果维持、结果纠正、其他结果、尚未审结之和",
            "请核对{place}：总计应等于结果维持、结果纠正、其他结果、尚未审结之和。",
        ),
        Rule(
            "R5",
            "identity",
            "数值取值（非负整数）",
            "{place}的统计数不是非负整数",
            "请将{place}更正为非负整数（金额可保留小数）。",
        ),
        Rule(
            "N1",
            "narrative",
            "正文所述收到申请数与表三一致",
            "正文所述收到的政府信息公开申请数与表三不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N2",
            "narrative",
            "正文称未收到申请，表三却有申请",
            "正文称未收到政府信息公开申请，表三却记有申请",
            "请核对正文与{place}：确未收到申请的，表三应全部为 0；收到的，正文应写明件数（表格 {lhs}）。",
        ),
        Rule(
            "N3",
            "narrative",
            "正文所述行政复议数与表四一致",
            "正文所述行政复议案件数与表四不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N4",
            "narrative",
            "正文所述行政诉讼数与表四一致",
            "正文所述行政诉讼案件数与表四不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N5",
            "narrative",
            "正文称未发生复议诉讼，表四却有案件",
            "正文称未发生行政复议、行政诉讼，表四却记有案件",
            "请核对正文与{place}：确未发生的，表四应为 0；发生的，正文应如实说明（表格 {lhs}）。",
        ),
        Rule(
            "N6",
            "narrative",
            "正文所述办结数与表三一致",
            "正文所述办结数与表三不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N7",
            "narrative",
            "正文所述现行有效件数与表二一致",
            "正文所述现行有效件数与表二不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N8",
            "narrative",
            "正文所述本年制发件数与表二一致",
            "正文所述本年制发件数与表二不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N9",
            "narrative",
            "正文所述本年废止件数与表二一致",
            "正文所述本年废止件数与表二不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N10",
            "narrative",
            "正文所述上年结转数与表三一致",
            "正文所述上年结转数与表三不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N11",
            "narrative",
            "正文所述结转下年度数与表三一致",
            "正文所述结转下年度数与表三不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "N12",
            "narrative",
            "正文所述复议与诉讼合计数与表四一致",
            "正文所述行政复议、行政诉讼合计数与表四不一致",
            "请核对正文与{place}，统一为正确的数字（正文 {rhs}，表格 {lhs}）。",
        ),
        Rule(
            "P1",
            "plausibility",
            "乡镇、县级机关填报了规章",
            "乡镇、县级人民政府填报了规章",
            "乡镇、县级人民政府没有规章制定权，{place}应为 0；请核对是否误将规范性文件填入规章栏。",
        ),
        Rule(
            "P2",
            "plausibility",
            "收费金额疑似以元填为万元",
            "行政事业性收费金额疑似按元填写",
            "{place}的单位为万元（表中为 {lhs}），请核对是否误按元填写。",
        ),
        Rule(
            "P3",
            "plausibility",
            "有未缴费终止的申请，第六部分未说明信息处理费",
            "有因逾期未缴费不再处理的申请，第六部分未说明信息处理费收取情况",
            "请在第六部分「其他需要报告的事项」中说明信息处理费的收取情况（{place}为 {lhs}）。",
        ),
        Rule(
            "P4",
            "plausibility",
            "表格全为零，正文却有申请或案件",
            "表三、表四全部为 0，正文却称有申请或案件",
            "请核对表三、表四是否漏填（正文所述 {rhs}）。",
        ),
        Rule(
            "X1",
            "cross_year",
            "上年结转与上年度结转下年度衔接",
            "本年「上年结转」与上一年度报告的「结转下年度继续办理」不一致",
            "请核对{place}：本年上年结转 {lhs}，上年结转下年度 {rhs}；不一致的请更正，或在报告中说明原因。",
        ),
        Rule(
            "X2",
            "cross_year",
            "上一年项目数量与上年度衔接",
            "本年「上一年项目数量」与上一年度报告不衔接",
            "请核对{place}：本年上一年项目数量 {lhs}，上年的上一年项目数量加本年增/减为 {rhs}；不一致的请更正或说明。",
        ),
        Rule(
            "X3",
            "cross_year",
            "现行有效件数与上年度衔接",
            "现行有效件数与上一年度报告不衔接",
            "请核对{place}：现行有效加本年废止为 {lhs}，上年现行有效加本年制发为 {rhs}；不一致的请更正或说明。",
        ),
        Rule(
            "M1",
            "missing",
            "报告缺少规定的章节",
            "报告缺少规定的章节「{section}」",
            "请按国办公开办函规定的格式补充「{section}」部分。",
        ),
        Rule(
            "M2",
            "missing",
            "报告缺少统计表",
            "报告缺少{table}",
            "请补充{table}。",
        ),
        Rule(
            "M3",
            "blank",
            "统计表未填写",
            "{table}未填写数字",
            "请填写{table}（未发生的事项填 0，不要留空）。",
        ),
        Rule(
            "B1",
            "boilerplate",
            "第五部分大量沿用上年表述",
            "第五部分「存在的主要问题及改进情况」有 {share} 的文字与上一年度报告相同",
            "请结合本年度工作实际，重新写明存在的主要问题和改进情况。",
        ),
    )
}
RULE_TITLES: dict[str, str] = {code: rule.title for code, rule in RULES.items()}
# A check's result, as the pages name it.
STATUS_NAMES: dict[str, str] = {
    "pass": "通过",
    "fail": "未通过",
    "missing_total": "总计栏空白",
    "not_assessable": "无法核对",
}

# An identity whose total was left blank (status missing_total) says so instead.
MISSING_TOTAL_PROBLEM = "{place}的总计栏空白（分项之和为 {rhs}）"
MISSING_TOTAL_FIX = "请填写{place}的总计栏（分项之和为 {rhs}）。"

# Section 五 is flagged as reused when at least this share of its text repeats last year's report.
BOILERPLATE_SHARE = 0.5

# A reviewer's decision on a finding, as the pages and letters name it.
DECISION_NAMES: dict[str, str] = {"open": "待审核", "confirmed": "已确认", "dismissed": "已排除"}
