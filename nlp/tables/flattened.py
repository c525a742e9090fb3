"""Flattened web text: table cells that a crawler ran together ("规范性文件898989").

The labels of the template cut the text into rows; each row's digit run is split into as many
cells as the template gives that row, keeping only the splits that every rule allows: numbers
without leading zeros, a space always ends a cell, the 勾稽 identities (R3 in each 表三 row,
R4 in each 表四 group, R1/R2 down the 表三 columns), the figures the report's own prose states,
and plausibility (a count newly published cannot exceed the total published). A cell that
every remaining split agrees on is `inferred` (with a confidence that says which rule decided
it); where splits disagree the cell is `ambiguous` — a guess is never presented as certain.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from nlp.models import Alternative, Cell
from nlp.read.normalize import nfkc, to_simplified
from nlp.tables import template as tpl

_MAX_CANDIDATES = 20000
_COUNT_RE = re.compile(r"0|[1-9]\d*")
_SIGNED_RE = re.compile(r"[+\-]?(?:0|[1-9]\d*)")
_DECIMAL_RE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
_ZEROS_RE = re.compile(r"[0\s]+")
_LEADING_RUN_RE = re.compile(r"^\s*(\d[\d\s.+\-]*)(万元|元)?")


def _label_regex(label: str) -> str:
    """A label as a regex tolerant of spaces between characters and bracket/quote forms."""
    chars = [c for c in nfkc(label) if not c.isspace()]
    out = []
    for ch in chars:
        if ch in '"“”':
            out.append('["“”]?')
        elif ch in "、.．":
            out.append(r"[、.．]")
        else:
            out.append(re.escape(ch))
    return r"\s*".join(out)


@dataclass
class _Span:
    start: int
    end: int
    kind: str  # row | caption | other
    keys: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    item: str | None = None


@dataclass
class FlatRow:
    """A template row found in flattened text with the digit run that follows its label."""

    keys: list[str]
    kinds: list[str]  # count | signed | decimal per cell
    run: str
    unit: str | None = None


def _row_specs(version: tpl.TemplateVersion) -> list[tuple[str, list[str], list[str], str | None]]:
    """(label regex, cell keys, cell kinds, block item) for every data row of the version."""
    specs = []
    for block in tpl.T2_BLOCKS[version]:
        for row in block.rows:
            keys = [f"t2.{block.key}.{row.key}.{c.key}" for c in block.columns]
            kinds = [c.kind for c in block.columns]
            for label in (row.label, *row.aliases):
                specs.append((_label_regex(label), keys, kinds, block.item))
    rows = list(tpl.T3_ROWS[version])
    if version == "v2021":
        rows.append(tpl.T3_OTHER_SINGLE)
    for row in rows:
        keys = [f"t3.{row.key}.{c.key}" for c in tpl.T3_COLUMNS]
        for label in (row.label, *row.aliases):
            specs.append((_label_regex(label), keys, ["count"] * 7, None))
    return specs


def _other_labels() -> list[str]:
    words = ["信息内容", *tpl.T3_GROUP_LABELS, "申请人情况", "自然人", "法人或其他组织", "总计"]
    words += [c.label for c in tpl.T3_COLUMNS] + [c.label for c in tpl.T4_COLUMNS]
    words += [g for _, g in tpl.T4_GROUPS] + ["行政诉讼"]
    for version in tpl.VERSIONS:
        for block in tpl.T2_BLOCKS[version]:
            words += [c.label for c in block.columns]
    return sorted({_label_regex(w) for w in words}, key=len, reverse=True)


def find_rows(text: str, version: tpl.TemplateVersion) -> tuple[list[FlatRow], str | None]:
    """Rows of 表二/表三 with their runs, and the 表四 run (after its header), from flat text."""
    text = to_simplified(nfkc(text))
    spans: list[_Span] = []
    for regex, keys, kinds, item in _row_specs(version):
        for m in re.finditer(regex, text):
            spans.append(_Span(m.start(), m.end(), "row", keys, kinds, item))
    for m in re.finditer(r"第\s*二十\s*条\s*第?\s*[(（]\s*([一二三四五六七八九十]+)\s*[)）]\s*项", text):
        spans.append(_Span(m.start(), m.end(), "caption", item=m.group(1)))
    for regex in _other_labels():
        for m in re.finditer(regex, text):
            spans.append(_Span(m.start(), m.end(), "other"))
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[_Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            continue  # inside a longer label already found
        kept.append(span)
    rows: list[FlatRow] = []
    t4_run: str | None = None
    for n, span in enumerate(kept):
        nxt = kept[n + 1].start if n + 1 < len(kept) else len(text)
        lead = _LEADING_RUN_RE.match(text[span.end : nxt])
        gap = lead.group(1).strip() if lead else ""
        unit = lead.group(2) if lead else None
        if span.kind == "row" and gap:
            rows.append(FlatRow(span.keys, span.kinds, gap, unit))
        elif span.kind == "row" and n + 1 < len(kept) and not text[span.end : nxt].strip():
            rows.append(FlatRow(span.keys, span.kinds, ""))  # the label, then the next label: no values
        elif span.kind == "other" and n + 1 == len(kept) and gap:
            t4_match = re.match(r"^[\d\s]+", gap)
            if t4_match:
                t4_run = t4_match.group(0).strip()
    return rows, t4_run


def _valid(part: str, kind: str) -> bool:
    pattern = {"count": _COUNT_RE, "signed": _SIGNED_RE, "decimal": _DECIMAL_RE}[kind]
    return pattern.fullmatch(part) is not None


def splits(run: str, kinds: list[str]) -> Iterator[tuple[tuple[str, ...], tuple[bool, ...]]]:
    """Every way to cut a run into len(kinds) valid numbers; spaces always separate cells.
    Yields (parts, split_flags) where a flag says the part was cut out of a longer chunk."""
    chunks = re.sub(r"(?<=\d)(?=[+\-])", " ", run).split()  # a sign starts a new cell

    def cut(ci: int, pos: int, k: int) -> Iterator[list[tuple[str, bool]]]:
        if ci == len(chunks):
            if k == len(kinds):
                yield []
            return
        chunk = chunks[ci]
        if k == len(kinds):
            return
        whole = pos == 0
        for end in range(pos + 1, len(chunk) + 1):
            part = chunk[pos:end]
            if not _valid(part, kinds[k]):
                continue
            was_cut = not (whole and end == len(chunk))
            if end == len(chunk):
                for rest in cut(ci + 1, 0, k + 1):
                    yield [(part, was_cut), *rest]
            else:
                for rest in cut(ci, end, k + 1):
                    yield [(part, True), *rest]

    for n, parts in enumerate(cut(0, 0, 0)):
        if n >= _MAX_CANDIDATES:
            return
        yield tuple(p for p, _ in parts), tuple(c for _, c in parts)


def _num(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


@dataclass
class _Candidates:
    row: FlatRow
    options: list[tuple[tuple[str, ...], tuple[bool, ...]]]
    decided_by: str = "digits"


def _sum_rule(parts: tuple[str, ...], size: int = 7) -> bool:
    values = [_num(p) for p in parts]
    return sum(values[: size - 1]) == values[size - 1]


def solve(
    rows: list[FlatRow], t4_run: str | None, stated: dict[str, int]
) -> tuple[dict[str, Cell], list[Alternative], list[str]]:
    """Cells for the rows of flattened text, with the rules applied in order of strength, and
    the splits left open for rows that stay ambiguous."""
    cells: dict[str, Cell] = {}
    warnings: list[str] = []
    candidates: list[_Candidates] = []
    for row in _without_shadowed_blanks(rows):
        if not row.run:
            for key in row.keys:
                cells[key] = Cell(value=None, raw="", status="blank")
            continue
        options = list(splits(row.run, row.kinds))
        if not options and _ZEROS_RE.fullmatch(row.run) and len(row.run.replace(" ", "")) < len(row.keys):
            _emit_zeros(row.keys, row.run, cells, warnings)
            continue
        cand = _Candidates(row, options)
        if row.keys[0].startswith("t3.") and len(options) > 1:
            kept = [o for o in options if _sum_rule(o[0])]
            if kept:
                cand.options, cand.decided_by = kept, "R3"
        candidates.append(cand)
    _apply_columns(candidates, cells)
    _apply_stated(candidates, stated)
    _apply_plausibility(candidates)
    for cand in candidates:
        _emit(cand, cells, warnings)
    if t4_run:
        candidates.append(_emit_t4(t4_run, cells, warnings))
    alternatives = [
        Alternative(keys=c.row.keys, options=[[_num(p) for p in o[0]] for o in c.options])
        for c in candidates
        if len(c.options) > 1
    ]
    return cells, alternatives, warnings


def _without_shadowed_blanks(rows: list[FlatRow]) -> list[FlatRow]:
    """Rows without values are blank, unless the same row is printed with values elsewhere, or
    the label is v2021's group label （六）其他处理 over its three sub-rows."""
    with_values = {row.keys[0] for row in rows if row.run}
    split_other = any(row.keys[0].startswith(("t3.other_no_correction.", "t3.other_misc.")) for row in rows)
    return [
        row
        for row in rows
        if row.run
        or not (row.keys[0] in with_values or (split_other and row.keys[0].startswith("t3.other.")))
    ]


def _emit_zeros(keys: list[str], run: str, cells: dict[str, Cell], warnings: list[str]) -> None:
    """A run of zeros shorter than its cells ("0 00000" for seven): whichever cell lost its
    digit, every reading gives zeros."""
    for key in keys:
        cells[key] = Cell(value=0, raw=run, status="inferred", confidence=_CONFIDENCE["zeros"])
    warnings.append(
        f"flattened_zero_row: '{run}' has fewer zeros than the {len(keys)} cells of {keys[0]}; read as 0"
    )


def _apply_columns(candidates: list[_Candidates], fixed: dict[str, Cell]) -> None:
    """R1 and R2 down the 表三 columns over the combinations of undecided rows; rows already
    read without a split (`fixed`: blank or zero rows) take part with their values."""
    t3 = {c.row.keys[0].split(".")[1]: c for c in candidates if c.row.keys[0].startswith("t3.")}
    if any(not c.options for c in t3.values()):
        return  # a run no split fits: the columns cannot be summed
    fixed_rows = {k.split(".")[1] for k in fixed if k.startswith("t3.")} - set(t3)
    open_rows = [c for c in t3.values() if len(c.options) > 1]
    closing = ("new_received", "carried_over", "result_total", "carried_forward")
    if not open_rows or any(r not in t3 and r not in fixed_rows for r in closing):
        return
    combos = 1
    for c in open_rows:
        combos *= len(c.options)
    if combos > 200000:
        return
    outcomes = [r for r in (*t3, *sorted(fixed_rows)) if r not in closing]
    columns = [c.key for c in tpl.T3_COLUMNS]

    def holds(choice: dict[str, tuple[str, ...]], with_r2: bool) -> bool:
        def col(row: str, i: int) -> int | float:
            if row in choice:
                return _num(choice[row][i])
            if row in t3:
                return _num(t3[row].options[0][0][i])
            return fixed[f"t3.{row}.{columns[i]}"].value or 0

        for i in range(7):
            if col("new_received", i) + col("carried_over", i) != col("result_total", i) + col(
                "carried_forward", i
            ):
                return False
            if with_r2 and sum(col(r, i) for r in outcomes) != col("result_total", i):
                return False
        return True

    for with_r2, rule in ((True, "R1/R2"), (False, "R1")):
        surviving: dict[int, set[int]] = {id(c): set() for c in open_rows}
        for combo in itertools.product(*(range(len(c.options)) for c in open_rows)):
            choice = {
                c.row.keys[0].split(".")[1]: c.options[k][0] for c, k in zip(open_rows, combo, strict=True)
            }
            if holds(choice, with_r2):
                for c, k in zip(open_rows, combo, strict=True):
                    surviving[id(c)].add(k)
        if all(surviving.values()):
            for c in open_rows:
                keep = sorted(surviving[id(c)])
                if len(keep) < len(c.options):
                    c.options = [c.options[k] for k in keep]
                    c.decided_by = rule
            return


def _apply_stated(candidates: list[_Candidates], stated: dict[str, int]) -> None:
    """Figures the prose states for a cell keep only the splits that agree with them."""
    for cand in candidates:
        for i, key in enumerate(cand.row.keys):
            if key in stated and len(cand.options) > 1:
                kept = [o for o in cand.options if _num(o[0][i]) == stated[key]]
                if kept:
                    cand.options, cand.decided_by = kept, "narrative"


def _apply_plausibility(candidates: list[_Candidates]) -> None:
    """Within a 表二 row: nothing made or newly published beyond the total published; no
    document in force beyond… (v2021 现行有效件数 ≥ 本年制发件数)."""
    for cand in candidates:
        if len(cand.options) <= 1:
            continue
        cols = [k.rsplit(".", 1)[1] for k in cand.row.keys]

        def plausible(parts: tuple[str, ...], cols: list[str] = cols) -> bool:
            v = dict(zip(cols, (_num(p) for p in parts), strict=True))
            if "total_published" in v:
                return v["new_published"] <= v["total_published"] and v["new_made"] <= v["total_published"]
            if "in_force" in v:
                return v["issued"] <= v["in_force"] + v["repealed"]
            return True

        kept = [o for o in cand.options if plausible(o[0])]
        if kept and len(kept) < len(cand.options):
            cand.options, cand.decided_by = kept, "plausibility"


_CONFIDENCE = {
    "digits": 1.0,
    "R3": 0.95,
    "R1/R2": 0.95,
    "R1": 0.9,
    "R4": 0.95,
    "narrative": 0.9,
    "plausibility": 0.7,
    "zeros": 0.9,
}


def _emit(cand: _Candidates, cells: dict[str, Cell], warnings: list[str]) -> None:
    row = cand.row
    if not cand.options:
        for key in row.keys:
            cells[key] = Cell(value=None, raw=row.run, status="unparsable")
        warnings.append(
            f"flattened_unsplittable: '{row.run}' fits none of {len(row.keys)} cells for {row.keys[0]}"
        )
        return
    for i, key in enumerate(row.keys):
        values = {o[0][i] for o in cand.options}
        if len(values) == 1:
            part = values.pop()
            was_cut = any(o[1][i] for o in cand.options)
            value = _num(part)
            if not was_cut:
                status = "explicit_zero" if value == 0 else "explicit_number"
                cells[key] = Cell(
                    value=value, raw=part, status=status, unit=row.unit if i == len(row.keys) - 1 else None
                )
            else:
                cells[key] = Cell(
                    value=value,
                    raw=part,
                    status="inferred",
                    unit=row.unit if i == len(row.keys) - 1 else None,
                    confidence=_CONFIDENCE[cand.decided_by] if len(cand.options) == 1 else 0.95,
                )
        else:
            unit = row.unit if i == len(row.keys) - 1 else None
            cells[key] = Cell(value=None, raw=row.run, status="ambiguous", unit=unit)
    if len(cand.options) > 1:
        shown = " / ".join("|".join(o[0]) for o in cand.options[:4])
        warnings.append(
            f"flattened_ambiguous: '{row.run}' splits {len(cand.options)} ways ({shown}) for {row.keys[0]}"
        )


def _emit_t4(run: str, cells: dict[str, Cell], warnings: list[str]) -> _Candidates:
    """表四's run of 15 cells, split group by group under R4 (total = the other four)."""
    keys = [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
    every = list(splits(run, ["count"] * 15))
    options = [o for o in every if all(_sum_rule(o[0][g * 5 : g * 5 + 5], 5) for g in range(3))]
    cand = _Candidates(FlatRow(keys, ["count"] * 15, run), options, "R4")
    if not every and _ZEROS_RE.fullmatch(run) and len(run.replace(" ", "")) < len(keys):
        _emit_zeros(keys, run, cells, warnings)
        return cand
    if not options and every:
        # No split satisfies R4: the source's own totals do not add up. The splits the digits
        # allow are read as they are (one split: every cell), and R4 reports the error.
        cand.options, cand.decided_by = every, "digits"
        warnings.append(f"flattened_t4_inconsistent: no split of '{run}' satisfies R4")
    _emit(cand, cells, warnings)
    return cand
