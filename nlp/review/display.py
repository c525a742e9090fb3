"""What people read: the Chinese names of what the data holds by key.

Keys stay in the JSON and the database; the terminal, the review pages, the spreadsheets and
Datasette show these: rules and statuses, cell statuses, levels, labels, item kinds, templates,
the title of every table cell, and the warnings of a report.
"""

from __future__ import annotations

import re

from nlp.audit.rulebook import RULE_TITLES, STATUS_NAMES
from nlp.classify.labels import LABEL_NAMES
from nlp.models import Level
from nlp.tables import template as tpl

CELL_STATUS_NAMES: dict[str, str] = {
    "explicit_number": "数字",
    "explicit_zero": "零",
    "blank": "空白",
    "dash_or_slash": "横线或斜线",
    "text_none": "写作“无”",
    "unparsable": "无法识别",
    "missing": "文档中没有这一行",
    "ambiguous": "数值个数与栏目不符，无法确定",
    "inferred": "由连写数字拆分推断",
}
LEVEL_NAMES: dict[Level, str] = {
    "township": "乡镇（街道）",
    "county": "县（区）",
    "city": "市",
    "province": "省级",
    "department": "部门",
    "unknown": "未识别",
}

ITEM_KIND_NAMES: dict[str, str] = {"problem": "存在问题", "measure": "改进措施"}
# Two characters each: the columns of a confusion matrix fit in 80 columns.
SHORT_LABEL_NAMES: dict[str, str] = {
    "preamble": "说明",
    "general": "概述",
    "proactive": "主动",
    "on_request": "申请",
    "management": "管理",
    "platform": "平台",
    "interpretation": "解读",
    "oversight": "监督",
    "problem": "问题",
    "measure": "措施",
    "other": "其他",
}
TEMPLATE_NAMES: dict[str, str] = {
    "v2019": "2019年格式（国办公开办函〔2019〕60号）",
    "v2021": "2021年格式（国办公开办函〔2021〕30号）",
    "mixed": "两种格式混用",
    "pre2019": "2019年以前的格式",
    "unknown": "未识别",
}
TEMPLATE_SHORT_NAMES: dict[str, str] = {
    "v2019": "2019版",
    "v2021": "2021版",
    "mixed": "混用",
    "pre2019": "2019年前",
    "unknown": "未识别",
}
_NUMERALS = "一二三四五六"
SECTION_NAMES: dict[str, str] = {
    spec.key: f"{_NUMERALS[spec.ordinal - 1]}、{spec.canonical}" for spec in tpl.SECTIONS
}
FILE_STATUS_NAMES: dict[str, str] = {"ok": "已分析", "not_a_report": "不是年报", "failed": "分析失败"}

# The database's columns as people read them (Datasette's headers). A name means one thing in
# every table except where _TABLE_COLUMN_TITLES says otherwise.
COLUMN_TITLES: dict[str, str] = {
    "id": "编号",
    "report": "报告编号",
    "sha256": "内容哈希",
    "path": "文件",
    "format": "文件格式",
    "pages": "页数",
    "encoding": "编码",
    "title": "标题",
    "organ": "机关",
    "level": "层级",
    "province": "省份",
    "places": "地区",
    "year": "年度",
    "template": "格式",
    "t2": "表二（JSON）",
    "t3": "表三（JSON）",
    "t4": "表四（JSON）",
    "sections_found": "找到章节数",
    "cells_found": "找到单元格数",
    "cells_total": "模板单元格数",
    "checks_failed": "未通过核对数",
    "warnings": "提示",
    "schema_version": "结果格式版本",
    "seconds": "用时（秒）",
    "analysed_at": "分析时间",
    "document": "完整结果（JSON）",
    "key": "键",
    "ordinal": "序号",
    "block_start": "起始块",
    "block_end": "结束块",
    "position": "序号",
    "section": "章节",
    "heading": "小标题",
    "label": "分类",
    "confidence": "置信度",
    "text": "文本",
    "kind": "类型",
    "paragraph": "段落序号",
    "value": "数值",
    "status": "状态",
    "raw": "原文",
    "unit": "单位",
    "rule": "规则",
    "lhs": "合计（表格）",
    "rhs": "分项（正文）",
    "cells": "涉及单元格",
    "message": "说明",
    "check_id": "核对编号",
    "stage": "环节",
    "recorded_at": "记录时间",
    "size": "字节数",
    "mtime_ns": "修改时间（纳秒）",
    "output": "结果文件",
    "checked_at": "检查时间",
}
_TABLE_COLUMN_TITLES: dict[tuple[str, str], str] = {
    ("cells", "key"): "单元格",
    ("sections", "key"): "章节",
    ("checks", "id"): "核对编号",
    ("checks", "status"): "结果",
    ("check_list", "status"): "结果",
    ("paragraphs", "position"): "段落序号",
    ("paragraph_list", "position"): "段落序号",
}


def column_title(table: str, column: str) -> str:
    """The Chinese header of a database column ("机关" for organ), the name when it has none."""
    return _TABLE_COLUMN_TITLES.get((table, column), COLUMN_TITLES.get(column, column))


_STATUS_NAMES_OF_TABLE = {
    "cells": CELL_STATUS_NAMES,
    "checks": STATUS_NAMES,
    "check_list": STATUS_NAMES,
    "files": FILE_STATUS_NAMES,
    "errors": FILE_STATUS_NAMES,
}
_VALUE_NAMES: dict[str, dict[str, str]] = {
    "level": dict(LEVEL_NAMES),
    "template": TEMPLATE_SHORT_NAMES,
    "kind": ITEM_KIND_NAMES,
    "label": LABEL_NAMES,
    "section": SECTION_NAMES,
}


def value_name(table: str, column: str, value: object) -> str | None:
    """The Chinese name of a coded value ("乡镇（街道）" for level township, "存在问题" for kind
    problem, a cell key's title, a rule with its title); None when the value is not a code."""
    if not isinstance(value, str):
        return None
    if column == "status" and table in _STATUS_NAMES_OF_TABLE:
        return _STATUS_NAMES_OF_TABLE[table].get(value)
    if column == "key" and table == "cells":
        return title if (title := cell_title(value)) != value else None
    if column == "key" and table == "sections":
        return SECTION_NAMES.get(value)
    if column == "rule" and value in RULE_TITLES:
        return f"{value} {RULE_TITLES[value]}"
    return _VALUE_NAMES.get(column, {}).get(value)


__all__ = [
    "CELL_STATUS_NAMES",
    "COLUMN_TITLES",
    "FILE_STATUS_NAMES",
    "ITEM_KIND_NAMES",
    "LABEL_NAMES",
    "LEVEL_NAMES",
    "RULE_TITLES",
    "SECTION_NAMES",
    "SHORT_LABEL_NAMES",
    "STATUS_NAMES",
    "TEMPLATE_NAMES",
    "TEMPLATE_SHORT_NAMES",
    "cell_title",
    "cell_titles",
    "column_title",
    "value_name",
    "warning_text",
]

_TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}


def cell_titles() -> dict[str, str]:
    """Chinese column titles of every cell key of both templates, in template order."""
    titles: dict[str, str] = {}
    specs = [*tpl.cell_specs("v2021"), *tpl.cell_specs("v2019"), *tpl.EXTRA_ROW_SPECS.values()]
    for spec in specs:
        parts = [_TABLE_NAMES[spec.table], spec.group, spec.row_label, spec.column_label]
        titles.setdefault(spec.key, "·".join(p for p in parts if p))
    return titles


_CELL_TITLES: dict[str, str] = {}


def cell_title(key: str) -> str:
    """The Chinese title of a cell key ("表三·一、本年新收政府信息公开申请数量·自然人"), the key
    itself when the templates do not know it."""
    if not _CELL_TITLES:
        _CELL_TITLES.update(cell_titles())
    return _CELL_TITLES.get(key, key)


# What each warning of a report means, in Chinese; the English detail follows in brackets.
WARNING_NAMES: dict[str, str] = {
    "ambiguous_row": "表格行的数值个数与栏目不符，无法确定",
    "classifier_not_trained": "段落分类模型尚未训练",
    "duplicate_t3_row": "表三有重复的行",
    "flattened_ambiguous": "连写数字有多种拆分，无法确定",
    "flattened_t4_inconsistent": "表四连写数字的任何拆分都不满足勾稽关系",
    "flattened_tables": "表格被网页抓取成连写数字，按模板拆分",
    "flattened_unsplittable": "连写数字无法按模板拆分",
    "flattened_zero_row": "零值行的数字少于栏目数，按全零读取",
    "html_cut_off": "网页嵌套过深，解析被截断",
    "pre2019_format": "2019年以前的年报格式：统计表未读取",
    "section_titles_not_found": "部分章节标题缺失，按其第一个小标题确定",
    "sections_not_found": "未找到的章节",
    "t3_row_by_position": "表三的行按位置识别",
    "t4_header_lost": "表四表头缺失，按位置读取",
    "table_not_filled": "表格未填写",
    "traditional_chinese": "繁体字文本，已转为简体后识别",
    "unknown_t2_block": "表二有无法识别的栏目",
    "values_not_found": "表格标签后未找到数值",
}
_WARNING_RE = re.compile(r"^(?P<code>[a-z0-9_]+):\s*(?P<detail>.*)$", re.S)
_KEY_RE = re.compile(r"\bt[234]\.[a-z0-9_.]+")
_AMBIGUOUS_RE = re.compile(r"'(?P<run>[^']+)' splits (?P<n>\d+) ways \((?P<shown>.*)\) for (?P<key>\S+)")


def warning_text(warning: str) -> str:
    """A report's warning for a reader: "表二·第二十条第（一）项·行政规范性文件·本年制发件数：连写数字
    「7777166」有 4 种拆分（…），无法确定" rather than the code and the key."""
    m = _WARNING_RE.match(warning)
    if m is None or m["code"] not in WARNING_NAMES:
        return warning
    code, detail = m["code"], m["detail"]
    if code == "flattened_ambiguous" and (a := _AMBIGUOUS_RE.search(detail)):
        return f"{cell_title(a['key'])}：连写数字「{a['run']}」有 {a['n']} 种拆分（{a['shown']}），无法确定"
    if code == "sections_not_found":
        names = [SECTION_NAMES.get(k.strip(), k.strip()) for k in detail.split(",")]
        return f"{WARNING_NAMES[code]}：{'；'.join(names)}"
    if code == "table_not_filled":
        return f"{WARNING_NAMES[code]}：{_TABLE_NAMES.get(detail.strip(), detail)}"
    detail = _KEY_RE.sub(lambda k: cell_title(k.group()), detail)
    return f"{WARNING_NAMES[code]}（{detail}）" if detail else WARNING_NAMES[code]
