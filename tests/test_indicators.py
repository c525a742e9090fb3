"""Indicators: defined once with their formulas, per report and per district, in the database, the
export and the pages; checked against figures read off the documents by hand (tests/gold)."""

from __future__ import annotations

import json
from contextlib import closing

import pandas as pd
import pytest

from nlp.audit.indicators import (
    INDICATOR_BY_KEY,
    INDICATORS,
    IndicatorValue,
    district_values,
    shown,
    stored_districts,
    stored_values,
)
from nlp.audit.reviewdb import connect
from nlp.batch.store import DB_NAME
from nlp.review.export import ExportFormat, export_tables
from tests.conftest import GOLD


def _gold(name: str) -> dict[str, int]:
    cells = json.loads((GOLD / "realdocs" / f"{name}.json").read_text(encoding="utf-8"))["cells"]
    return {key: value for key, (value, _status) in cells.items()}


@pytest.fixture(scope="module")
def values(realdocs_results) -> dict[tuple[str, int, str], IndicatorValue]:
    with closing(connect(realdocs_results)) as db:
        return {(v.unit, v.year, v.indicator): v for v in stored_values(db)}


def test_each_indicator_has_one_definition_with_its_formula():
    assert [i.name for i in INDICATORS] == [
        "公开率",
        "复议纠错率",
        "诉讼纠错率",
        "申请量同比变化",
        "第五部分沿用率",
    ]
    assert (
        INDICATOR_BY_KEY["disclosure_rate"].formula
        == "公开率 = 表三（一）予以公开 ÷ 表三办结数（（七）总计）"
    )
    assert INDICATOR_BY_KEY["requests_yoy"].formula.endswith("）− 1")
    assert shown(INDICATOR_BY_KEY["disclosure_rate"], 0.4466) == "44.7%"
    assert shown(INDICATOR_BY_KEY["requests_yoy"], 3.5238) == "+352.4%"
    assert shown(INDICATOR_BY_KEY["review_correction_rate"], None) == "—"


def test_rates_of_a_report_are_its_cells_as_printed(values):
    huaian = _gold("huaian_gov_2024")
    rate = values[("淮安市人民政府", 2024, "disclosure_rate")]
    assert (rate.numerator, rate.denominator) == (huaian["t3.granted.total"], huaian["t3.result_total.total"])
    assert rate.value == pytest.approx(1362 / 3050)
    review = values[("淮安市人民政府", 2024, "review_correction_rate")]
    decided = sum(huaian[f"t4.review.{c}"] for c in ("upheld", "corrected", "other"))
    assert (review.numerator, review.denominator) == (64, decided) == (64, 314)
    suits = values[("淮安市人民政府", 2024, "suit_correction_rate")]
    assert (suits.numerator, suits.denominator) == (5, 39)  # 4 + 1 corrected of 13+4+8 and 12+1+1 decided


def test_year_over_year_and_reuse_of_five_compare_with_the_organs_report_of_the_year_before(values):
    before, now = _gold("hongze_gov_2023"), _gold("hongze_gov_2024")
    change = values[("淮安市洪泽区人民政府", 2024, "requests_yoy")]
    assert (change.numerator, change.denominator) == (
        now["t3.new_received.total"],
        before["t3.new_received.total"],
    )
    assert change.value == pytest.approx(95 / 21 - 1)
    reuse = values[("淮安市洪泽区人民政府", 2024, "section5_reuse")]
    assert 0 < reuse.value < 1 and reuse.value == pytest.approx(reuse.numerator / reuse.denominator)
    # the first report of an organ has nothing to compare with
    assert values[("洪泽区人民政府", 2023, "requests_yoy")].value is None
    # 淮安市 has no report of 2023 here
    assert values[("淮安市人民政府", 2024, "requests_yoy")].value is None


def test_a_district_is_the_sum_of_its_numerators_over_the_sum_of_its_denominators():
    def value(unit: str, numerator: float, denominator: float) -> IndicatorValue:
        rate = numerator / denominator
        return IndicatorValue(
            "x", unit, unit, 2024, "township", "沙县", "disclosure_rate", numerator, denominator, rate
        )

    (district,) = district_values([value("湖源乡", 1, 2), value("夏茂镇", 9, 10)])
    assert (district.reports, district.numerator, district.denominator) == (2, 10, 12)
    assert district.value == pytest.approx(10 / 12)  # not the mean of 0.5 and 0.9


def test_indicators_are_in_the_database_and_the_export(realdocs_results, tmp_path):
    with closing(connect(realdocs_results)) as db:
        districts = {(d.district, d.year, d.indicator): d for d in stored_districts(db)}
        definitions = db.execute(
            "SELECT indicator, name, formula FROM indicator_definitions ORDER BY position"
        )
        assert [name for _, name, _ in definitions] == [i.name for i in INDICATORS]
    hongze = districts[("洪泽区", 2024, "disclosure_rate")]
    assert (hongze.numerator, hongze.denominator) == (50, 95)
    written = dict(export_tables(realdocs_results / DB_NAME, tmp_path, ExportFormat.csv))
    assert {"indicators.csv", "district_indicators.csv", "indicator_definitions.csv", "findings.csv"} <= {
        p.name for p in written
    }
    exported = pd.read_csv(tmp_path / "indicators.csv")
    row = exported[
        (exported["unit"] == "淮安市人民政府") & (exported["indicator"] == "disclosure_rate")
    ].iloc[0]
    assert row["name"] == "公开率" and row["value"] == pytest.approx(1362 / 3050)
    formulas = pd.read_csv(tmp_path / "indicator_definitions.csv")
    assert (
        formulas.set_index("indicator").loc["review_correction_rate", "formula"].startswith("复议纠错率 = ")
    )
