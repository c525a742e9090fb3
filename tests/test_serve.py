"""`xxgk serve`: the Datasette configuration, checked against Datasette itself."""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
from contextlib import closing

from typer.testing import CliRunner

from nlp.cli import app
from nlp.review.serve import DATABASE, TEMPLATES, datasette_metadata

runner = CliRunner()


def _fetch(results, path: str):
    from datasette.app import Datasette

    datasette = Datasette(
        [str(results / "xxgk.sqlite")], metadata=datasette_metadata(), template_dir=str(TEMPLATES)
    )

    async def fetch():
        response = await datasette.client.get(path)
        assert response.status_code == 200, response.text
        return response

    return asyncio.run(fetch())


def _get(results, path: str) -> dict:
    return _fetch(results, path).json()


def test_facets_on_the_views_with_organ_year_level_province(results):
    data = _get(results, f"/{DATABASE}/item_list.json?kind=problem")
    assert set(data["facet_results"]) >= {"organ", "year", "level", "province", "kind"}
    years = {f["value"]: f["count"] for f in data["facet_results"]["year"]["results"]}
    with closing(sqlite3.connect(results / "xxgk.sqlite")) as db:
        by_year = dict(
            db.execute(
                "SELECT r.year, COUNT(*) FROM items i JOIN reports r ON r.id = i.report"
                " WHERE i.kind = 'problem' GROUP BY r.year"
            ).fetchall()
        )
    assert years == by_year and by_year[2020] >= 10
    reports = _get(results, f"/{DATABASE}/reports.json")
    assert set(reports["facet_results"]) >= {"organ", "year", "level", "province", "template"}


def test_full_text_search_on_tables_and_in_chinese(results):
    spaced = _get(results, f"/{DATABASE}/paragraph_list.json?_search=政策解读&_shape=array")
    assert spaced and all("解读" in row["text"] for row in spaced)
    chinese = _get(results, f"/{DATABASE}/search_items.json?words=政策解读形式&_shape=array")
    assert chinese and all("政策解读" in row["文本"] and "形式" in row["文本"] for row in chinese)
    assert {row["机关"] for row in chinese} >= {"平潭综合实验区管理委员会"}


def test_tables_are_headed_and_coded_values_shown_in_chinese(results):
    from lxml import html

    page = html.fromstring(_fetch(results, f"/{DATABASE}/item_list?kind=problem").text)
    headers = [
        " ".join(th.text_content().split()) for th in page.xpath("//table[@class='rows-and-columns']//th")
    ]
    assert headers[:6] == ["编号", "报告编号", "机关", "年度", "层级", "省份"]
    assert "类型" in headers and "kind" not in headers
    shown = {td.text_content().strip() for td in page.xpath("//td[contains(@class, 'col-kind')]")}
    assert shown == {"存在问题"}
    levels = {td.text_content().strip() for td in page.xpath("//td[contains(@class, 'col-level')]")}
    assert levels and levels <= {"乡镇（街道）", "县（区）", "市", "省级", "部门", "未识别"}
    # the JSON keeps the keys: people read names, programs read codes
    rows = _get(results, f"/{DATABASE}/item_list.json?kind=problem&_shape=array")
    assert {row["kind"] for row in rows} == {"problem"}
    cells = html.fromstring(_fetch(results, f"/{DATABASE}/cells?key=t3.new_received.natural_person").text)
    [title] = {td.text_content().strip() for td in cells.xpath("//td[contains(@class, 'col-key')]")}
    assert title == "表三·一、本年新收政府信息公开申请数量·自然人"


def test_serve_without_datasette_says_how_to_install_it(results, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a)
    )
    result = runner.invoke(app, ["serve", "-o", str(results)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "xxgk: xxgk serve needs Datasette: pip install 'xxgk-nlp[serve]'"
    ]
