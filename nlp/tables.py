"""Tables stage: rule-based extraction of 表二, 表三 and 表四 into the stable cell keys.

Rows are matched by their label (after `fold`) against the template of TEMPLATES.md; values
are taken in the order written and assigned to the template's columns only when their number
fits. A row with too few or too many values is `ambiguous`; a row that is not in the document
is `missing` — nothing is invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from nlp import template as tpl
from nlp.cells import is_numeric, is_value_like, parse_cell
from nlp.models import Block, Cell, TableStatus
from nlp.normalize import fold

_CAPTION_RE = re.compile(r"第二十.{0,2}条第?[(（]?([一二三四五六七八九十]+)[)）]?项")
_ENUM_RE = re.compile(r"^(?:[(（]?([一二三四五六七八九十]+|\d+)[)）.、]|([一二三四五六七八九十]+)、)")
_ROW_MATCH_MIN = 0.7
_HEADER_MATCH_MIN = 0.7


@dataclass
class ExtractedTables:
    """Cells found for each key plus what the extractor noticed on the way."""

    version: tpl.TemplateVersion | None
    signals: dict[str, list[str]]
    cells: dict[str, Cell]
    tables: dict[str, TableStatus]
    warnings: list[str] = field(default_factory=list)


def _core(label: str) -> tuple[str | None, str]:
    """Split a folded label into its enumerator and its text ('1.属于国家秘密' → ('1', '属于国家秘密'))."""
    m = _ENUM_RE.match(label)
    if not m:
        return None, label
    return (m.group(1) or m.group(2)), label[m.end() :]


_CN_DIGITS = {ch: i for i, ch in enumerate("一二三四五六七八九十", start=1)}


def _enum_value(enum: str | None) -> int | None:
    if enum is None:
        return None
    if enum.isdigit():
        return int(enum)
    return _CN_DIGITS.get(enum) if len(enum) == 1 else None


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a and b and (a.startswith(b) or b.startswith(a)) and min(len(a), len(b)) >= 4:
        return 0.95
    return SequenceMatcher(None, a, b).ratio()


@lru_cache(maxsize=1 << 16)
def _label_score(cell: str, row_label: str) -> float:
    """How well a printed label matches a template label; cached, as a batch sees the same labels again."""
    c_enum, c_core = _core(fold(cell))
    r_enum, r_core = _core(fold(row_label))
    if not c_core:
        return 0.0
    if len(r_core) <= 4 and _enum_value(c_enum) != _enum_value(r_enum):
        return 0.0  # short labels such as 3.其他 need their number
    score = _similarity(c_core, r_core)
    if c_enum is not None and r_enum is not None and _enum_value(c_enum) != _enum_value(r_enum):
        score -= 0.15
    return score


def detect_version(table_text: str) -> tuple[tpl.TemplateVersion | None, dict[str, list[str]]]:
    """Template version from table labels only (TEMPLATES.md §1); None when no signal."""
    folded = fold(table_text)
    signals: dict[str, list[str]] = {"v2019": [], "v2021": []}
    for pattern, version in tpl.VERSION_SIGNALS:
        if re.search(pattern, folded):
            signals[version].append(pattern)
    if signals["v2021"] and signals["v2019"]:
        return None, signals
    if signals["v2021"]:
        return "v2021", signals
    if signals["v2019"]:
        return "v2019", signals
    return None, signals


def _fit_values(values: list[str], n: int) -> list[str] | None:
    """The row's value cells trimmed to n columns, or None when they cannot be aligned."""
    vals = list(values)
    while len(vals) > n and not vals[-1].strip():
        vals.pop()
    while len(vals) > n and not vals[0].strip():
        vals.pop(0)
    return vals if len(vals) == n else None


def _assign_row(
    keys: list[str], values: list[str], cells: dict[str, Cell], warnings: list[str], label: str
) -> None:
    """Put a row's values under its column keys, or mark the row ambiguous (never shift)."""
    if not any(v.strip() for v in values) and len(values) < len(keys):
        for key in keys:
            cells[key] = Cell(value=None, raw=values[0] if values else "", status="blank")
        return
    fitted = _fit_values(values, len(keys))
    if fitted is not None:
        for key, raw in zip(keys, fitted, strict=True):
            cells[key] = parse_cell(raw)
        return
    parsed = [parse_cell(v) for v in values]
    all_zero = all(c.status in ("blank", "explicit_zero") for c in parsed)
    for key in keys:
        cells[key] = Cell(value=0 if all_zero else None, raw=None, status="ambiguous")
    shown = " | ".join(v.strip() for v in values)
    warnings.append(
        f"ambiguous_row: '{label.strip()}' has {len(values)} value cells for {len(keys)} columns [{shown}]"
    )


def _split_row(row: list[str]) -> tuple[list[str], list[str]]:
    """(text cells before the first value, value cells from there on) of one table row."""
    texts: list[str] = []
    for i, cell in enumerate(row):
        if not cell.strip():
            continue
        if is_numeric(cell) or (texts and is_value_like(cell)):
            return texts, _values_after(row, i, texts)
        texts.append(cell)
    return texts, _values_after(row, len(row), texts)


def _values_after(row: list[str], start: int, texts: list[str]) -> list[str]:
    if not texts:
        return row[start:]
    last_label = max(i for i, c in enumerate(row[:start]) if c.strip())
    return row[last_label + 1 :]


class _Extractor:
    def __init__(self, version: tpl.TemplateVersion) -> None:
        self.version = version
        self.cells: dict[str, Cell] = {}
        self.warnings: list[str] = []
        self.found: set[str] = set()  # t2, t3, t4 anchors seen
        self.t2_rows: dict[str, list[tuple[tpl.Row, tpl.Block]]] = {}
        for v in tpl.VERSIONS:
            for b in tpl.T2_BLOCKS[v]:
                self.t2_rows.setdefault(b.item, []).extend((r, b) for r in b.rows)
        self.t3_rows = list({r.key: r for v in tpl.VERSIONS for r in tpl.T3_ROWS[v]}.values())
        self.t3_matched: set[str] = set()
        self.t4_done = False
        self.unclaimed_15: list[list[str]] = []

    # -- 表二 --------------------------------------------------------------------------

    def _block_spec(self, item: str) -> tpl.Block | None:
        for block in tpl.T2_BLOCKS[self.version]:
            if block.item == item:
                return block
        for version in tpl.VERSIONS:
            for block in tpl.T2_BLOCKS[version]:
                if block.item == item:
                    return block
        return None

    def _header_columns(self, block: tpl.Block, header: list[str]) -> list[tpl.Column]:
        """Columns named by a block's header row, falling back to the template's own order."""
        candidates = {
            c.key: c
            for v in tpl.VERSIONS
            for b in tpl.T2_BLOCKS[v]
            if b.item == block.item
            for c in b.columns
        }
        labels = [h for h in header[1:] if h.strip()]
        deduped = [h for i, h in enumerate(labels) if i == 0 or fold(h) != fold(labels[i - 1])]
        mapped: list[tpl.Column] = []
        for label in deduped:
            best, score = None, 0.0
            for col in candidates.values():
                for name in (col.label, *col.aliases):
                    s = _similarity(fold(label), fold(name))
                    if s > score:
                        best, score = col, s
            if best is None or score < _HEADER_MATCH_MIN or best in mapped:
                mapped = []
                break
            mapped.append(best)
        if mapped:
            return mapped
        return list(block.columns)

    def t2_block(self, rows: list[list[str]], start: int, item: str) -> int:
        """Read one 第二十条 block beginning at rows[start]; returns the next row index."""
        block = self._block_spec(item)
        if block is None:
            self.warnings.append(f"unknown_t2_block: 第二十条第（{item}）项")
            return start + 1
        self.found.add("t2")
        columns = list(block.columns)
        i = start + 1
        while i < len(rows):
            row = rows[i]
            texts, values = _split_row(row)
            joined = fold("".join(texts))
            if _CAPTION_RE.search(joined) or self._is_anchor_row(row):
                break
            if joined.startswith("信息内容"):
                columns = self._header_columns(block, [c for c in row if c.strip()] or row)
                i += 1
                continue
            match = self._match_t2_row(item, texts)
            if match is not None:
                row_spec, owner = match
                keys = [f"t2.{owner.key}.{row_spec.key}.{c.key}" for c in columns]
                _assign_row(keys, values, self.cells, self.warnings, texts[-1])
            i += 1
        return i

    def _match_t2_row(self, item: str, texts: list[str]) -> tuple[tpl.Row, tpl.Block] | None:
        if not texts:
            return None
        best, score = None, 0.0
        for row_spec, owner in self.t2_rows.get(item, []):
            for name in (row_spec.label, *row_spec.aliases):
                s = _label_score(texts[-1], name)
                if s > score:
                    best, score = (row_spec, owner), s
        return best if score >= 0.8 else None

    # -- 表三 --------------------------------------------------------------------------

    @staticmethod
    def _is_anchor_row(row: list[str]) -> bool:
        joined = fold("".join(row))
        return any(anchor in joined for anchor in (*tpl.T3_ANCHORS, *tpl.T4_ANCHORS))

    def _is_t3_start(self, row: list[str]) -> bool:
        joined = fold("".join(row))
        if any(anchor in joined for anchor in tpl.T3_ANCHORS):
            return True
        texts, values = _split_row(row)
        return any(is_numeric(v) for v in values) and self._match_t3_row(texts) is not None

    def _match_t3_row(self, texts: list[str]) -> tpl.Row | None:
        for text in reversed(texts):
            best, score = None, 0.0
            for row_spec in self.t3_rows:
                for name in (row_spec.label, *row_spec.aliases):
                    s = _label_score(text, name)
                    if s > score:
                        best, score = row_spec, s
            if best is not None and score >= _ROW_MATCH_MIN:
                return best
        return None

    def t3_row(self, row: list[str]) -> bool:
        """Read a 表三 row if it is one; returns False for rows that are not 表三 data."""
        if any(anchor in fold("".join(row)) for anchor in tpl.T3_ANCHORS):
            return True  # the header row with the 勾稽 note
        texts, values = _split_row(row)
        spec = self._match_t3_row(texts)
        if spec is None:
            return False
        if spec.key == "other" and not any(v.strip() for v in values):
            return True  # v2021 group label （六）其他处理 without values
        if spec.key in self.t3_matched:
            self.warnings.append(f"duplicate_t3_row: '{texts[-1].strip()}' appears twice; first kept")
            return True
        self.t3_matched.add(spec.key)
        keys = [f"t3.{spec.key}.{c.key}" for c in tpl.T3_COLUMNS]
        _assign_row(keys, values, self.cells, self.warnings, texts[-1])
        return True

    # -- 表四 --------------------------------------------------------------------------

    def t4_from(self, rows: list[list[str]], start: int) -> int:
        """Read 表四's single row of 15 values following its header rows."""
        self.found.add("t4")
        values: list[str] = []
        i = start
        while i < len(rows):
            row = rows[i]
            if any(c.strip() and not is_value_like(c) for c in row):
                if values:
                    break
                i += 1
                continue
            values.extend(row)
            i += 1
        keys = [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
        _assign_row(keys, values, self.cells, self.warnings, "表四")
        self.t4_done = True
        return i

    # -- driver ------------------------------------------------------------------------

    def run(self, tables: list[Block]) -> None:
        in_t3 = False
        for table in tables:
            rows = table.rows
            i = 0
            while i < len(rows):
                row = rows[i]
                joined = fold("".join(row))
                caption = _CAPTION_RE.search(joined)
                if caption and not in_t3:
                    i = self.t2_block(rows, i, caption.group(1))
                    continue
                if all(a in joined for a in tpl.T4_ANCHORS) or (
                    "行政复议" in joined and not self._match_t3_row([c for c in row if c.strip()])
                ):
                    in_t3 = False
                    i = self.t4_from(rows, i)
                    continue
                if self._is_t3_start(row):
                    in_t3 = True
                    self.found.add("t3")
                if in_t3 and not self.t3_row(row):
                    numbers = [c for c in row if c.strip()]
                    if len(numbers) == 15 and all(is_numeric(c) for c in numbers):
                        self.unclaimed_15.append(numbers)
                i += 1
        if not self.t4_done and self.unclaimed_15:
            # 表四's header lost at a page break: its 15-value row still identifies it.
            self.found.add("t4")
            keys = [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
            _assign_row(keys, self.unclaimed_15[-1], self.cells, self.warnings, "表四")
            self.warnings.append("t4_header_lost: 表四 read from a row of 15 values without its header")


def extract_tables(blocks: list[Block]) -> ExtractedTables:
    """Extract every template cell from the document's tables."""
    tables = [b for b in blocks if b.kind == "table"]
    table_text = "\n".join("".join(row) for t in tables for row in t.rows)
    version, signals = detect_version(table_text)
    working = version or "v2021"
    ex = _Extractor(working)
    ex.run(tables)
    cells: dict[str, Cell] = {}
    expected = [s.key for s in tpl.cell_specs(working)]
    for key in expected:
        cells[key] = ex.cells.get(key, Cell(value=None, raw=None, status="missing"))
    for key, cell in ex.cells.items():
        if key not in cells:
            cells[key] = cell  # rows of the other version that the report printed
    statuses: dict[str, TableStatus] = {}
    for name in ("t2", "t3", "t4"):
        own = [c for k, c in cells.items() if k.startswith(name + ".")]
        if name not in ex.found:
            statuses[name] = "absent"
        elif any(c.raw is not None and re.search(r"\d", c.raw) for c in own) or any(
            c.status == "ambiguous" for c in own
        ):
            statuses[name] = "filled"
        else:
            statuses[name] = "not_filled"
    return ExtractedTables(version, signals, cells, statuses, ex.warnings)
