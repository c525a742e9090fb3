"""Corpus analytics over stored results: problem themes, reused (boilerplate) statements, the share
of section 五 copied from the previous year, and each organ's year-over-year comparison.

Evaluators criticise reports that repeat last year's problems and measures word for word; these
functions find that across a corpus. Every function takes the reports of `nlp.review.results` and
returns typed records, so the review pages and the notebook (via pandas) show the same numbers.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.checks.compare import Comparison, compare_reports, same_organ
from nlp.classify.chinese import SENTENCE_END, words
from nlp.review.results import StoredReport

# Near-duplicate: cosine of character 2–3-gram TF-IDF vectors. 0.8 keeps texts that differ by a
# place name, a year or a few words; a reappearing problem may be reworded more (0.5).
DUPLICATE_SIMILARITY = 0.8
RECURRING_SIMILARITY = 0.5
_SIMILARITY_BLOCK = 2_000_000  # similarity entries computed at once (16 MB)
# Words every problem statement uses; they say nothing about its theme.
_GENERIC_WORDS = frozenset(
    [
        "存在",
        "问题",
        "有待",
        "进一步",
        "不够",
        "不足",
        "不强",
        "不高",
        "仍",
        "仍需",
        "需",
        "需要",
        "还",
        "还需",
        "尚",
        "尚需",
        "较",
        "较为",
        "比较",
        "一些",
        "部分",
        "个别",
        "少数",
        "方面",
        "工作",
        "情况",
        "加强",
        "提升",
        "提高",
        "完善",
        "政府信息公开",
        "信息公开",
        "政务公开",
        "公开",
        "政府信息",
        "信息",
        "政府",
        "我乡",
        "我镇",
        "我县",
        "我区",
        "我市",
        "本年度",
        "年度",
        "今年",
        "主要",
        "主要是",
        "一定",
        "等",
        "的",
        "了",
        "和",
        "与",
        "及",
        "在",
        "对",
        "是",
        "有",
        "中",
        "上",
        "不",
        "未",
        "没有",
        "能够",
        "能",
        "做",
        "做到",
        "水平",
        "程度",
        "力度",
        "工作人员",
        "人员",
        "单位",
        "部门",
        "继续",
        "持续",
        "切实",
    ]
)
_SENTENCE_SPLIT_RE = re.compile("(?<=[" + "".join(SENTENCE_END) + "])")
_MIN_SENTENCE_CHARS = 8


@dataclass(frozen=True)
class Statement:
    """One problem or measure item with the report it comes from."""

    report: int
    organ: str | None
    year: int | None
    level: str
    province: str | None
    kind: str
    position: int
    text: str


def statements(reports: Iterable[StoredReport], kind: str | None = None) -> list[Statement]:
    """The problem and measure items of the reports (only `kind` when given), in report order."""
    found = []
    for stored in reports:
        meta = stored.report.meta
        for position, item in enumerate(stored.report.items):
            if kind is None or item.kind == kind:
                found.append(
                    Statement(
                        stored.id,
                        meta.organ,
                        meta.year,
                        meta.level,
                        meta.region.province,
                        item.kind,
                        position,
                        item.text,
                    )
                )
    return found


# ---------------------------------------------------------------- similarity


def _char_vectors(texts: Sequence[str]):  # -> scipy sparse matrix, rows L2-normalised
    return TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(texts)


def similar_pairs(
    first: Sequence[str], second: Sequence[str] | None = None, threshold: float = DUPLICATE_SIMILARITY
) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine) for texts at least `threshold` alike: within `first` (i < j) or first × second.

    Pairs are produced as the similarity matrix is computed, a block of rows at a time (at most
    `_SIMILARITY_BLOCK` entries), so neither the matrix nor the list of pairs — which grows with
    the square of a statement's copies — is ever held whole.
    """
    texts = [*first, *(second or [])]
    if len(texts) < 2:
        return
    vectors = _char_vectors(texts)
    rows, columns = vectors[: len(first)], vectors[len(first) :] if second is not None else vectors
    step = max(1, _SIMILARITY_BLOCK // max(1, columns.shape[0]))
    for start in range(0, rows.shape[0], step):
        block = (rows[start : start + step] @ columns.T).toarray()
        for i, j in zip(*np.nonzero(block >= threshold), strict=True):
            row = start + int(i)
            if second is not None or row < int(j):
                yield row, int(j), float(block[i, j])


# ---------------------------------------------------------------- problem themes


@dataclass(frozen=True)
class Theme:
    """A cluster of problem statements, named by its top terms."""

    number: int
    terms: list[str]
    size: int
    by_year: dict[int | None, int]
    examples: list[str]

    @property
    def name(self) -> str:
        return "·".join(self.terms[:3])


@dataclass(frozen=True)
class ThemeModel:
    themes: list[Theme]
    problems: list[Statement]
    assignment: list[int]  # theme number of each problem statement; -1 when it has no theme word

    def theme_of(self, statement: Statement) -> Theme | None:
        number = self.assignment[self.problems.index(statement)]
        return self.themes[number] if number >= 0 else None


def _theme_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1 and w not in _GENERIC_WORDS and not w.isdigit()]


def _distinct_terms(ranked: list[str], count: int) -> list[str]:
    """The first `count` terms, skipping one inside or around a term already taken (政策 after 政策解读)."""
    chosen: list[str] = []
    for term in ranked:
        if not any(term in c or c in term for c in chosen):
            chosen.append(term)
        if len(chosen) == count:
            break
    return chosen


def default_theme_count(statements_found: int) -> int:
    """About one theme for every six statements, between 2 and 8."""
    return max(2, min(8, statements_found // 6))


def problem_themes(
    reports: Iterable[StoredReport], n_themes: int | None = None, top_terms: int = 4, examples: int = 3
) -> ThemeModel:
    """Cluster the problem statements of a corpus: TF-IDF over jieba words (generic words of
    problem statements removed), factorised by NMF; each statement joins its strongest theme."""
    problems = statements(reports, "problem")
    if len(problems) < 2:
        return ThemeModel([], problems, [-1] * len(problems))
    vectorizer = TfidfVectorizer(analyzer=_theme_words, sublinear_tf=True)
    matrix = vectorizer.fit_transform([p.text for p in problems])
    terms = vectorizer.get_feature_names_out()
    count = min(n_themes or default_theme_count(len(problems)), matrix.shape[1], len(problems))
    nmf = NMF(n_components=count, init="nndsvd", random_state=0, max_iter=1000)
    weights = nmf.fit_transform(matrix)
    assignment = [int(np.argmax(row)) if row.max() > 0 else -1 for row in weights]
    themes = []
    for number, component in enumerate(nmf.components_):
        members = [i for i, a in enumerate(assignment) if a == number]
        ranked = sorted(members, key=lambda i: -weights[i, number])
        by_year = Counter(problems[i].year for i in members)
        themes.append(
            Theme(
                number,
                _distinct_terms([str(terms[t]) for t in np.argsort(component)[::-1]], top_terms),
                len(members),
                dict(sorted(by_year.items(), key=lambda kv: kv[0] or 0)),
                [problems[i].text for i in ranked[:examples]],
            )
        )
    # Number themes by size, largest first, so "主题 1" is the commonest.
    order = sorted(range(len(themes)), key=lambda n: -themes[n].size)
    renumber = {old: new for new, old in enumerate(order)}
    themes = [
        Theme(renumber[t.number], t.terms, t.size, t.by_year, t.examples)
        for t in (themes[old] for old in order)
    ]
    return ThemeModel(themes, problems, [renumber[a] if a >= 0 else -1 for a in assignment])


# ---------------------------------------------------------------- boilerplate


@dataclass(frozen=True)
class Reuse:
    """Two near-identical statements of different reports."""

    earlier: Statement
    later: Statement
    similarity: float
    same_organ: bool


def reused_statements(
    reports: Iterable[StoredReport], threshold: float = DUPLICATE_SIMILARITY
) -> list[Reuse]:
    """Problem and measure statements repeated, nearly word for word, in another report — by the
    same organ in another year (boilerplate) or by another organ (copied text).

    Each statement is listed once, with the earlier statement it most likely reuses (the same
    organ's first, then the most alike): a text copied into a thousand reports makes a thousand
    rows, not half a million pairs."""
    found = statements(reports)
    best: dict[tuple[int, int], Reuse] = {}
    for i, j, similarity in similar_pairs([s.text for s in found], threshold=threshold):
        a, b = found[i], found[j]
        if a.report == b.report:
            continue
        earlier, later = (a, b) if (a.year or 0, a.report) <= (b.year or 0, b.report) else (b, a)
        reuse = Reuse(earlier, later, similarity, same_organ(a.organ, b.organ))
        key = (later.report, later.position)
        if key not in best or (reuse.same_organ, reuse.similarity) > (
            best[key].same_organ,
            best[key].similarity,
        ):
            best[key] = reuse
    return sorted(
        best.values(), key=lambda r: (not r.same_organ, -r.similarity, r.later.report, r.later.position)
    )


def organ_groups(reports: Iterable[StoredReport]) -> dict[str, list[StoredReport]]:
    """Reports by organ, by year within an organ; names that `same_organ` equates share a group
    under the longest of them (洪泽区人民政府 and 淮安市洪泽区人民政府)."""
    groups: dict[str, list[StoredReport]] = defaultdict(list)
    for stored in sorted(reports, key=lambda s: -len(s.organ or "")):
        if not stored.organ:
            continue
        name = next((n for n in groups if same_organ(n, stored.organ)), stored.organ)
        groups[name].append(stored)
    return {n: sorted(g, key=lambda s: (s.year or 0, s.id)) for n, g in sorted(groups.items())}


def previous_reports(reports: Iterable[StoredReport]) -> dict[int, StoredReport]:
    """For each report, the same organ's report of the nearest earlier year, by report id."""
    previous = {}
    for group in organ_groups(reports).values():
        for earlier, later in itertools.pairwise(group):
            if earlier.year is not None and later.year is not None and earlier.year < later.year:
                previous[later.id] = earlier
    return previous


def _sentences(stored: StoredReport, section: str) -> list[str]:
    found = []
    for paragraph in stored.report.paragraphs:
        if paragraph.section == section:
            found += [s.strip() for s in _SENTENCE_SPLIT_RE.split(paragraph.text)]
    return [s for s in found if len(s) >= _MIN_SENTENCE_CHARS]


@dataclass(frozen=True)
class SectionReuse:
    """How much of a report's section (五 by default) repeats the previous report of its organ."""

    report: int
    previous: int
    share: float  # reused characters / all characters of the section's sentences
    sentences: int
    reused: list[tuple[str, str, float]]  # (sentence, the previous year's sentence, similarity)
    characters: int = 0  # all characters of the section's sentences


def section_reuse(
    stored: StoredReport,
    previous: StoredReport,
    section: str = "s5_problems",
    threshold: float = DUPLICATE_SIMILARITY,
) -> SectionReuse | None:
    """The share of the section's text that repeats a sentence of the previous report's section;
    None when either report has no sentence in it."""
    now, before = _sentences(stored, section), _sentences(previous, section)
    if not now or not before:
        return None
    best: dict[int, tuple[int, float]] = {}
    for i, j, similarity in similar_pairs(now, before, threshold):
        if similarity > best.get(i, (0, 0.0))[1]:
            best[i] = (j, similarity)
    reused = [(now[i], before[j], s) for i, (j, s) in sorted(best.items())]
    characters = sum(len(s) for s in now)
    share = sum(len(now[i]) for i in best) / characters
    return SectionReuse(stored.id, previous.id, share, len(now), reused, characters)


# ---------------------------------------------------------------- year over year


@dataclass(frozen=True)
class YearOverYear:
    """One organ's report against its previous report: cross-year checks (X1–X3), changed cells,
    last year's problems that reappear, and the share of section 五 reused."""

    earlier: StoredReport
    later: StoredReport
    comparison: Comparison
    recurring: list[tuple[Statement, Statement, float]] = field(default_factory=list)
    section5: SectionReuse | None = None

    @property
    def failed_checks(self) -> int:
        return sum(1 for c in self.comparison.checks if c.status == "fail")


def year_over_year(earlier: StoredReport, later: StoredReport) -> YearOverYear:
    before, now = statements([earlier], "problem"), statements([later], "problem")
    recurring = [
        (before[j], now[i], s)
        for i, j, s in similar_pairs([p.text for p in now], [p.text for p in before], RECURRING_SIMILARITY)
    ]
    return YearOverYear(
        earlier,
        later,
        compare_reports(earlier.report, later.report),
        sorted(recurring, key=lambda r: -r[2]),
        section_reuse(later, earlier),
    )


def organ_histories(reports: Sequence[StoredReport]) -> list[YearOverYear]:
    """Every report that has an earlier report of its organ, compared with that report."""
    by_id = {s.id: s for s in reports}
    return [year_over_year(earlier, by_id[later]) for later, earlier in previous_reports(reports).items()]
