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

from nlp.models import Alternative, Block, Cell, Section, TableStatus
from nlp.read.normalize import fold
from nlp.tables import template as tpl
from nlp.tables.cells import OcrText, is_numeric, is_value_like, parse_cell
from nlp.tables.flattened import find_rows, solve

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
    alternatives: list[Alternative] = field(default_factory=list)


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


# Row texts that are also column labels (其他, 总计) identify a row only with their number.
_COLUMN_WORDS = frozenset(fold(c.label) for c in (*tpl.T3_COLUMNS, *tpl.T4_COLUMNS))


@lru_cache(maxsize=1 << 16)
def _label_score(cell: str, row_label: str) -> float:
    """How well a printed label matches a template label; cached, as a batch sees the same labels again."""
    c_enum, c_core = _core(fold(cell))
    r_enum, r_core = _core(fold(row_label))
    if not c_core:
        return 0.0
    if (r_core in _COLUMN_WORDS or len(r_core) <= 2) and _enum_value(c_enum) != _enum_value(r_enum):
        return 0.0  # 3.其他 and （七）总计 need their number
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


class TextLine(list):
    """A text line taken as a table row (one-cell-per-line text, shredded extractions)."""


@dataclass
class _Pending:
    """A row label whose values are expected on the rows that follow it."""

    keys: list[str]
    label: str
    values: list[str]
    from_text: bool


_T4_HEADER_WORDS = frozenset(
    fold(w) for w in (*(c.label for c in tpl.T4_COLUMNS), *(g for _, g in tpl.T4_GROUPS), "行政诉讼")
)


def _t4_group(texts: list[str]) -> str | None:
    """The 表四 group a heading names on its own ("行政诉讼（复议后起诉）"), else None."""
    joined = fold("".join(texts))
    direct, after = "未经复议" in joined, "复议后" in joined
    if direct and not after:
        return "suit_direct"
    if after and not direct:
        return "suit_after_review"
    if joined.startswith("行政复议") and "诉讼" not in joined and len(texts) == 1:
        return "review"  # alone: a header row "行政复议 | 行政诉讼" names both (诉讼 may be misread)
    return None


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
        # A label whose values follow on rows of their own (one cell per line, shredded
        # extractions): its keys, label text and the values gathered so far.
        self.pending: _Pending | None = None
        self.row_is_text = False
        self.t2_item: str | None = None
        self.t2_columns: list[tpl.Column] = []
        self.empty_rows: set[str] = set()  # 表三 rows read from a label without values
        # 表三 value rows whose label was lost, with the template position of the last row
        # read before them; placed by position once all labelled rows are known.
        self.t3_order = [r.key for r in tpl.T3_ROWS[version]]
        self.last_t3: int = -1
        self.orphans: list[tuple[int, list[str]]] = []

    def _open_row(self, keys: list[str], label: str, values: list[str]) -> None:
        """Assign a labelled row now, or wait for its values on the following rows."""
        self.flush()
        if any(v.strip() for v in values) or len(values) >= len(keys):
            _assign_row(keys, values, self.cells, self.warnings, label)
        else:
            self.pending = _Pending(keys, label, list(values), self.row_is_text)

    def _feed_values(self, row: list[str]) -> bool:
        """Give a row of values only to the label waiting for them."""
        if self.pending is None or not row or not all(is_value_like(c) for c in row):
            return False
        if self.pending.from_text != self.row_is_text:
            return False  # a label printed as text does not take values from a table, nor back
        self.pending.values.extend(c for c in row if c.strip() or len(row) > 1)
        if sum(1 for v in self.pending.values if v.strip()) >= len(self.pending.keys):
            self.flush()
        return True

    def flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None or (not pending.values and pending.keys[0].startswith("t3.other.")):
            return
        if not pending.values and pending.from_text:
            # A label printed as text whose values never followed: not found, not blank.
            for key in pending.keys:
                self.cells[key] = Cell(value=None, raw=None, status="missing")
            self.warnings.append(f"values_not_found: '{pending.label.strip()}'")
            return
        _assign_row(pending.keys, pending.values, self.cells, self.warnings, pending.label)

    # -- 表二 --------------------------------------------------------------------------
    # Blocks are found by their caption 第二十条第（X）项, by a header naming columns that only
    # one block has, or by a row label (each 表二 row label belongs to one block only), so a
    # block whose caption and rows were torn apart by the extraction is still read whole.

    def _block_spec(self, item: str) -> tpl.Block | None:
        for version in (self.version, *tpl.VERSIONS):
            for block in tpl.T2_BLOCKS[version]:
                if block.item == item:
                    return block
        return None

    def _header_columns(self, header: list[str]) -> tuple[str | None, list[tpl.Column]]:
        """The block a header row belongs to (None if any block could own it) and its columns."""
        labels = [h for h in header[1:] if h.strip()]
        deduped = [h for i, h in enumerate(labels) if i == 0 or fold(h) != fold(labels[i - 1])]
        owners: set[str] | None = None
        mapped: list[tpl.Column] = []
        for label in deduped:
            best, score, items = None, 0.0, set()
            for version in tpl.VERSIONS:
                for block in tpl.T2_BLOCKS[version]:
                    for col in block.columns:
                        for name in (col.label, *col.aliases):
                            sim = _similarity(fold(label), fold(name))
                            if sim > score:
                                best, score, items = col, sim, {block.item}
                            elif sim == score and best is not None and col.key == best.key:
                                items.add(block.item)
            if best is None or score < _HEADER_MATCH_MIN or best in mapped:
                return None, []
            mapped.append(best)
            owners = items if owners is None else owners & items
        owner = next(iter(owners)) if owners and len(owners) == 1 else None
        return owner, mapped

    def t2_caption(self, item: str) -> None:
        self.flush()
        block = self._block_spec(item)
        if block is None:
            self.warnings.append(f"unknown_t2_block: 第二十条第（{item}）项")
            return
        self.found.add("t2")
        self.t2_item, self.t2_columns = item, list(block.columns)

    def t2_header(self, row: list[str]) -> None:
        self.flush()
        owner, columns = self._header_columns([c for c in row if c.strip()])
        if owner is not None and owner != self.t2_item:
            self.t2_item = owner
        if columns and self.t2_item is not None:
            self.t2_columns = columns

    def t2_row(self, texts: list[str], values: list[str]) -> bool:
        if not texts:
            return False
        best, score = None, 0.0
        for version in tpl.VERSIONS:
            for block in tpl.T2_BLOCKS[version]:
                for row_spec in block.rows:
                    for name in (row_spec.label, *row_spec.aliases):
                        sim = _label_score(texts[-1], name)
                        if sim > score:
                            best, score = (row_spec, block), sim
        if best is None or score < 0.8:
            return False
        row_spec, block = best
        self.found.add("t2")
        if block.item != self.t2_item:
            own = self._block_spec(block.item)
            self.t2_item, self.t2_columns = block.item, list(own.columns if own else block.columns)
        keys = [f"t2.{block.key}.{row_spec.key}.{c.key}" for c in self.t2_columns]
        self._open_row(keys, texts[-1], values)
        return True

    # -- 表三 --------------------------------------------------------------------------

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
        if not texts:
            if self._feed_values(row):
                return True
            numbers = [c for c in row if c.strip()]
            if any(is_numeric(c) for c in row) and len(numbers) <= len(tpl.T3_COLUMNS):
                self.orphans.append((self.last_t3, [c for c in row if c.strip()]))
                return True
            return False
        spec = self._match_t3_row(texts)
        if spec is None:
            # A row of values under a label too broken to read: placed by position later.
            fitted = _fit_values(values, len(tpl.T3_COLUMNS))
            if fitted is not None and all(is_numeric(v) for v in fitted):
                self.orphans.append((self.last_t3, fitted))
                return True
            return False
        if spec.key == "other" and not values:
            # （六）其他处理 without values: the v2021 group label, or a v2019 row whose values
            # follow on rows of their own.
            self.flush()
            self.pending = _Pending(
                [f"t3.other.{c.key}" for c in tpl.T3_COLUMNS], texts[-1], [], self.row_is_text
            )
            return True
        has_values = any(v.strip() for v in values)
        if spec.key in self.t3_matched and not (spec.key in self.empty_rows and has_values):
            self.warnings.append(f"duplicate_t3_row: '{texts[-1].strip()}' appears twice; first kept")
            return True
        self.t3_matched.add(spec.key)
        if spec.key in self.t3_order and has_values:
            self.last_t3 = self.t3_order.index(spec.key)
        if has_values:
            self.empty_rows.discard(spec.key)
        else:
            self.empty_rows.add(spec.key)
        keys = [f"t3.{spec.key}.{c.key}" for c in tpl.T3_COLUMNS]
        self._open_row(keys, texts[-1], values)
        return True

    def _place_orphans(self) -> None:
        """Give value rows whose labels were lost to the missing rows between the labelled
        rows around them, when their number matches exactly (rows follow template order)."""
        read = sorted(self.t3_order.index(k) for k in self.t3_matched - self.empty_rows if k in self.t3_order)
        for anchor in sorted({a for a, _ in self.orphans}):
            group = [values for a, values in self.orphans if a == anchor]
            upper = next((r for r in read if r > anchor), len(self.t3_order))
            gap = [
                k
                for k in self.t3_order[anchor + 1 : upper]
                if k not in self.t3_matched or k in self.empty_rows
            ]
            if len(gap) != len(group) or any(len(v) != len(tpl.T3_COLUMNS) for v in group):
                continue
            for key, values in zip(gap, group, strict=True):
                keys = [f"t3.{key}.{c.key}" for c in tpl.T3_COLUMNS]
                _assign_row(keys, values, self.cells, self.warnings, key)
                self.t3_matched.add(key)
                self.empty_rows.discard(key)
                self.warnings.append(f"t3_row_by_position: values without a label read as '{key}'")

    # -- 表四 --------------------------------------------------------------------------

    def t4_from(self, rows: list[list[str]], start: int) -> int:
        """Read 表四: one row of 15 values under the header, or — in exploded extractions —
        a mini-table of 5 values under each group's own heading (行政复议 / 未经复议直接起诉 /
        复议后起诉)."""
        self.flush()
        self.found.add("t4")
        segments: list[tuple[str | None, list[str]]] = [(None, [])]
        i = start
        while i < len(rows):
            row = rows[i]
            texts = [c for c in row if c.strip() and not is_value_like(c)]
            if not texts:
                segments[-1][1].extend(row)
                i += 1
                continue
            # A group's own heading stands alone; a header row names all groups (its OCR may
            # have garbled one of them).
            group = _t4_group(texts) if len(texts) <= 2 else None
            if group is not None:
                segments.append((group, []))
            elif not all(fold(t) in _T4_HEADER_WORDS for t in texts) and any(v for _, v in segments):
                break
            i += 1
        filled = [(g, v) for g, v in segments if v]
        if filled and all(g is not None for g, _ in filled):
            for group, values in filled:
                keys = [f"t4.{group}.{c.key}" for c in tpl.T4_COLUMNS]
                _assign_row(keys, values, self.cells, self.warnings, f"表四 {group}")
        else:
            keys = [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
            _assign_row(keys, [v for _, vs in segments for v in vs], self.cells, self.warnings, "表四")
        self.t4_done = True
        return i

    # -- driver ------------------------------------------------------------------------

    def run(self, rows: list[list[str]]) -> None:
        """Walk all table rows of the document in reading order (tables split by page
        breaks read as one stream)."""
        in_t3 = False
        i = 0
        while i < len(rows):
            row = rows[i]
            self.row_is_text = isinstance(row, TextLine)
            joined = fold("".join(row))
            texts, values = _split_row(row)
            caption = _CAPTION_RE.search(joined)
            if all(a in joined for a in tpl.T4_ANCHORS) or (
                "行政复议" in joined and not self._match_t3_row([c for c in row if c.strip()])
            ):
                in_t3 = False
                i = self.t4_from(rows, i)
                continue
            if self._is_t3_start(row):
                in_t3 = True
                self.found.add("t3")
            if in_t3:
                if not self.t3_row(row):
                    numbers = [c for c in row if c.strip()]
                    if len(numbers) == 15 and all(is_numeric(c) for c in numbers):
                        self.unclaimed_15.append(numbers)
            elif caption:
                self.t2_caption(caption.group(1))
            elif texts and fold(texts[0]).startswith("信息内容"):
                self.t2_header(row)
            elif not self.t2_row(texts, values) and not texts:
                self._feed_values(row)
            i += 1
        self.flush()
        self._place_orphans()
        if not self.t4_done and self.unclaimed_15:
            # 表四's header lost at a page break: its 15-value row still identifies it.
            self.found.add("t4")
            keys = [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
            _assign_row(keys, self.unclaimed_15[-1], self.cells, self.warnings, "表四")
            self.warnings.append("t4_header_lost: 表四 read from a row of 15 values without its header")


_SHORT_LINE = 60


def table_rows(blocks: list[Block], sections: list[Section]) -> list[list[str]]:
    """All table rows in reading order, plus the short text lines between 二 and 五 as rows of
    one cell: in one-cell-per-line text and shredded extractions, labels and values are lines."""
    titles = {s.block_start for s in sections if not s.untitled}
    by_key = {s.key: s for s in sections}
    table_at = [i for i, b in enumerate(blocks) if b.kind == "table"]
    start = (
        by_key["s2_proactive"].block_start if "s2_proactive" in by_key else (table_at[0] if table_at else 0)
    )
    end_section = by_key.get("s5_problems") or by_key.get("s6_other")
    end = end_section.block_start if end_section else (table_at[-1] + 1 if table_at else 0)
    rows: list[list[str]] = []
    for i, block in enumerate(blocks):
        if block.kind == "table" and block.ocr is not None:
            rows.extend(
                [OcrText(c, r) if r is not None else c for c, r in zip(row, readings, strict=True)]
                for row, readings in zip(block.rows, block.ocr, strict=True)
            )
        elif block.kind == "table":
            rows.extend(block.rows)
        elif start <= i < end and i not in titles and len(block.text) <= _SHORT_LINE:
            rows.append(TextLine(_line_cells(block.text)))
    return rows


_TRAILING_NUMBERS_RE = re.compile(r"^(.*?[^\d\s.,+\-])\s+((?:[+\-]?\d[\d,]*(?:\.\d+)?\s*)+)$")


def _line_cells(text: str) -> list[str]:
    """A text line as table cells: 'label 1 0 3' → ['label', '1', '0', '3']; a bare line as one cell."""
    m = _TRAILING_NUMBERS_RE.match(text.strip())
    if m is None:
        return [text]
    return [m.group(1), *m.group(2).split()]


def _region_text(blocks: list[Block], sections: list[Section]) -> str:
    """The text from section 二 to section 五, where a flattened page keeps its tables."""
    by_key = {s.key: s for s in sections}
    if "s2_proactive" not in by_key:
        return ""
    start = by_key["s2_proactive"].block_start
    end_section = by_key.get("s5_problems") or by_key.get("s6_other")
    end = end_section.block_start if end_section else len(blocks)
    titles = {s.block_start for s in sections if not s.untitled}
    return "".join(
        b.text for i, b in enumerate(blocks[start:end], start) if b.kind == "text" and i not in titles
    )


def extract_tables(
    blocks: list[Block], sections: list[Section], stated: dict[str, int] | None = None
) -> ExtractedTables:
    """Extract every template cell from the document's tables; `stated` are figures the prose
    gives for cells, used only to split flattened digit runs."""
    rows = table_rows(blocks, sections)
    table_text = "\n".join("".join(row) for row in rows)
    version, signals = detect_version(table_text)
    working = version or "v2021"
    ex = _Extractor(working)
    ex.run(rows)
    alternatives: list[Alternative] = []
    if not any(c.value is not None for c in ex.cells.values()):
        region = _region_text(blocks, sections)
        flat_version, flat_signals = detect_version(region)
        flat_rows, t4_run = find_rows(region, flat_version or working)
        if flat_rows or t4_run:
            version, signals, working = flat_version, flat_signals, flat_version or working
            ex = _Extractor(working)
            ex.cells, alternatives, flat_warnings = solve(flat_rows, t4_run, stated or {})
            ex.warnings.extend(["flattened_tables: cells split from digit runs", *flat_warnings])
            ex.found = {k.split(".")[0] for k in ex.cells}
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
    return ExtractedTables(version, signals, cells, statuses, ex.warnings, alternatives)
