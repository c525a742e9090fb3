"""Corpus analytics on the bundled corpus and the real documents (17 reports)."""

from __future__ import annotations

import pytest

from nlp.review import analytics
from nlp.review.results import ResultsError, load_results


@pytest.fixture(scope="module")
def reports(results):
    return load_results(results)


def _by(reports, organ_part: str, year: int):
    return next(s for s in reports if organ_part in (s.organ or "") and s.year == year)


def test_load_results_reads_every_stored_report(reports, tmp_path):
    assert len(reports) == 17
    assert len({s.id for s in reports}) == 17
    shijiang = _by(reports, "石江乡", 2020)
    assert shijiang.json_name == "shijiang-township_2020.json"
    assert {c.id for c in shijiang.report.failed_checks()} == {
        "R3.new_received",
        "R3.granted",
        "R3.result_total",
        "N2",
    }
    with pytest.raises(ResultsError, match="no results database"):
        load_results(tmp_path)


def test_similar_pairs_finds_near_duplicates_only():
    texts = [
        "政策解读形式不够丰富，图表图解较少",
        "政策解读形式不够丰富，图表图解偏少",
        "政务新媒体更新不及时",
    ]
    pairs = list(analytics.similar_pairs(texts, threshold=0.6))
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert list(analytics.similar_pairs(texts[2:], texts[:2], threshold=0.6)) == []


def test_problem_themes_cluster_every_problem_and_name_themes_by_content_words(reports):
    model = analytics.problem_themes(reports)
    problems = analytics.statements(reports, "problem")
    found = sum(1 for r in reports for item in r.report.items if item.kind == "problem")
    assert len(model.problems) == len(problems) == found >= 30
    assert len(model.themes) == analytics.default_theme_count(found) >= 5
    assert sum(t.size for t in model.themes) == found
    assert [t.size for t in model.themes] == sorted((t.size for t in model.themes), reverse=True)
    for theme in model.themes:
        assert sum(theme.by_year.values()) == theme.size
        assert not set(theme.terms) & analytics._GENERIC_WORDS
        assert 1 <= len(theme.examples) <= 3
    interpretation = next(p for p in problems if p.text.startswith("政策解读方式不够多元"))
    theme = model.theme_of(interpretation)
    assert theme is not None and any("解读" in term for term in theme.terms)
    # The theme's examples are its own members.
    members = {p.text for p, n in zip(model.problems, model.assignment, strict=True) if n == theme.number}
    assert set(theme.examples) <= members


def test_reused_statements_find_the_text_hongze_copied_from_2023_into_2024(reports):
    reuses = analytics.reused_statements(reports)
    assert len(reuses) == 2
    for reuse in reuses:
        assert reuse.same_organ
        assert (reuse.earlier.organ, reuse.earlier.year) == ("洪泽区人民政府", 2023)
        assert (reuse.later.organ, reuse.later.year) == ("淮安市洪泽区人民政府", 2024)
        assert reuse.similarity >= analytics.DUPLICATE_SIMILARITY
    assert reuses[0].later.text.startswith("扎实推进依申请公开工作")
    assert reuses[1].later.text.startswith("继续加强业务指导培训")


def test_organ_groups_join_names_of_the_same_body(reports):
    groups = analytics.organ_groups(reports)
    assert [s.year for s in groups["淮安市洪泽区人民政府"]] == [2023, 2024]
    assert [s.year for s in groups["平潭综合实验区管理委员会"]] == [2019, 2020, 2021, 2024]
    assert len(groups) == 11


def test_year_over_year_pairs_each_report_with_its_organs_previous_report(reports):
    histories = {(h.later.organ, h.earlier.year, h.later.year): h for h in analytics.organ_histories(reports)}
    assert set(histories) == {
        ("平潭综合实验区管理委员会", 2019, 2020),
        ("平潭综合实验区管理委员会", 2020, 2021),
        ("平潭综合实验区管理委员会", 2021, 2024),
        ("淮安市洪泽区人民政府", 2023, 2024),
        ("上海市人民政府办公厅", 2019, 2025),
    }
    hongze = histories[("淮安市洪泽区人民政府", 2023, 2024)]
    assert hongze.comparison.consecutive and hongze.comparison.same_organ
    x1 = {c.id: c.status for c in hongze.comparison.checks if c.rule == "X1"}
    assert x1["X1.total"] == "pass"
    # 洪泽 repeats two of its 2023 measures word for word in 2024 (section5 below), but none of its
    # problems: 2023 named 依申请规范性/公开深度/队伍建设, 2024 研判能力/答复文书/协调机制/解读形式/新媒体.
    assert hongze.recurring == []
    assert hongze.section5 is not None
    assert len(hongze.section5.reused) == 2 and hongze.section5.sentences == 5
    assert 0.3 < hongze.section5.share < 0.6
    assert not histories[("平潭综合实验区管理委员会", 2021, 2024)].comparison.consecutive
