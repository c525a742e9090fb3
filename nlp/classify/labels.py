"""The paragraph labels of LABELS.md as data: their keys, their Chinese names, and the sub-heading
words that name one (the weak labels of training and the heading-rules baseline)."""

from __future__ import annotations

import re

from nlp.read.normalize import fold

LABELS = (
    "preamble",
    "general",
    "proactive",
    "on_request",
    "management",
    "platform",
    "interpretation",
    "oversight",
    "problem",
    "measure",
    "other",
)
# The labels' Chinese names (LABELS.md), for readers of the review pages.
LABEL_NAMES: dict[str, str] = {
    "preamble": "编制说明",
    "general": "总体概述",
    "proactive": "主动公开",
    "on_request": "依申请公开",
    "management": "政府信息管理",
    "platform": "平台建设",
    "interpretation": "政策解读与回应关切",
    "oversight": "监督保障",
    "problem": "存在问题",
    "measure": "改进措施",
    "other": "其他事项",
}

# Sub-heading words → label. The first pattern found in the heading wins; the order puts the
# specific before the general (存在问题及改进措施 is about problems first, LABELS.md).
HEADING_LABELS: tuple[tuple[str, str], ...] = (
    (r"存在.{0,4}问题|主要问题|问题及|不足", "problem"),
    (r"改进|整改|措施|下一步|工作(?:计划|打算|安排)|努力方向", "measure"),
    (r"解读|回应|关切|舆情", "interpretation"),
    (r"依申请|申请公开|收到和处理|复议|诉讼", "on_request"),
    (r"平台|网站|新媒体|公开栏|查阅", "platform"),
    (r"监督|保障|组织|领导|培训|考核|制度|机制|责任", "oversight"),
    (r"信息管理|目录|指南|保密|审查|规范性文件", "management"),
    (r"主动公开|重点领域|公开内容|公开情况", "proactive"),
    (r"收费|建议提案|人大|政协|其他(?:需要)?报告", "other"),
    (r"总体|概述|基本情况", "general"),
)
_HEADING_LABEL_RES = tuple((re.compile(p), label) for p, label in HEADING_LABELS)


def heading_label(heading: str | None) -> str | None:
    """The label a sub-heading names, or None when its words name none."""
    if not heading:
        return None
    folded = fold(heading)
    return next((label for pattern, label in _HEADING_LABEL_RES if pattern.search(folded)), None)
