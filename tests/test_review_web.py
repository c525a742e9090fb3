"""The reviewers' web pages, used as a reviewer uses them: `xxgk review` serves them, headless
Chromium (Debian's, driven by Playwright; no browser is downloaded) clicks through the findings of
`xxgk analyze ../shared/realdocs`, dismisses one, corrects a cell, confirms, sees both decisions
after `xxgk analyze --force`, downloads the letter and the workbook and checks a list of expected
units. CI (CI set) fails here without Chromium or Playwright; a developer machine skips."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from nlp.audit.findings import Filters, listed
from nlp.audit.reviewdb import connect
from tests.review_inputs import copy_results

_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed (.ci/run installs chromium; the test extra, playwright)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _missing("chromium")
    return found


@pytest.fixture(scope="module")
def web_out(realdocs_results, tmp_path_factory) -> Path:
    return copy_results(realdocs_results, tmp_path_factory.mktemp("web") / "out")


@pytest.fixture
def out(realdocs_results, tmp_path) -> Path:
    return copy_results(realdocs_results, tmp_path / "out")


@pytest.fixture(scope="module")
def server(web_out) -> Iterator[str]:
    """`xxgk review -o OUT --port 0` as a reviewer starts it; its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nlp", "review", "-o", str(web_out), "--port", "0", "--who", "审核员甲"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, line + (process.stdout.read() if process.poll() is not None and process.stdout else "")
        yield found.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright")
    profile = tmp_path_factory.mktemp("profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=_FLAGS,
            accept_downloads=True,
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(30_000)
        yield context
        context.close()


def _choose(page, name: str, value: str) -> None:
    """Pick a filter as a person does: the list reloads with it."""
    with page.expect_navigation():
        page.select_option(f"#filters select[name={name}]", value)


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_reviewer_goes_through_the_findings_dismisses_one_corrects_a_cell_and_sends_the_letter(
    server, browser, web_out, shared, tmp_path
):
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server)
    rows = page.locator("#finding-list tbody tr")
    assert rows.count() == 21
    assert page.inner_text("#counts").startswith("共 21 条核对发现：待审核 21 条")

    # the prose says 17 requests, the table 95: a reviewer reads the sentence and dismisses it
    _choose(page, "rule", "N1")
    assert rows.count() == 1
    _click(page, "#finding-list tbody tr a")
    assert "原文：「2024年,区政府办代表区政府受理政府信息公开申请17件" in page.inner_text("#evidence")
    assert page.get_attribute("td.finding", "data-key") == "t3.new_received.total"
    page.fill("#decide input[name=note]", "所述为区政府办受理的件数，不是全区")
    _click(page, "#dismiss")
    assert page.inner_text("#decision") == "已排除"
    assert page.inner_text("#note") == "所述为区政府办受理的件数，不是全区"

    # 表四's 行政复议 total is 0 while its parts add up to 11: correct the cell, then confirm
    _click(page, "#back")
    _choose(page, "rule", "R4")
    assert rows.count() == 2
    _click(page, "#finding-list tbody tr:first-child a")
    assert page.inner_text("#problem").startswith("表四「行政复议」行")
    marked = page.locator("#table-t4 td.finding")
    assert sorted(marked.evaluate_all("cells => cells.map(c => c.dataset.key)")) == [
        f"t4.review.{c}" for c in ("corrected", "other", "pending", "total", "upheld")
    ]
    page.click("#table-t4 td[data-key='t4.review.total']")  # picks the cell in the form
    assert page.input_value("#cell") == "t4.review.total"
    page.fill("#value", "11")
    page.fill("#correct input[name=note]", "按分项合计")
    _click(page, "#save-correction")
    assert page.inner_text("#message") == "已更正"
    corrected = page.locator("#table-t4 td[data-key='t4.review.total']")
    assert "corrected" in corrected.get_attribute("class") and corrected.inner_text() == "0 → 11"
    both = page.locator("#checks-both tr[data-check='R4.review']")
    assert (
        "未通过" in both.locator("td").nth(1).inner_text() and "0 ≠" in both.locator("td").nth(1).inner_text()
    )
    assert "通过 总计 11 = " in both.locator("td").nth(2).inner_text()
    _click(page, "#confirm")
    assert page.inner_text("#decision") == "已确认"
    page.screenshot(path=str(tmp_path / "finding.png"), full_page=True)

    # the next one is confirmed by mistake and taken back
    _click(page, "#next")
    assert "复议后起诉" in page.inner_text("#problem")
    _click(page, "#confirm")
    _click(page, "#undo")
    assert page.inner_text("#decision") == "待审核"

    # a new analysis of the same documents keeps both decisions and the correction
    analysed = subprocess.run(
        [sys.executable, "-m", "nlp", "analyze", str(shared / "realdocs"), "-o", str(web_out), "--force"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert analysed.returncode == 0, analysed.stdout + analysed.stderr
    assert "12 analysed now" in analysed.stdout.replace("\n", " ")
    page.goto(server)
    assert page.inner_text("#counts").startswith("共 21 条核对发现：待审核 19 条，已确认 1 条，已排除 1 条")
    _choose(page, "status", "dismissed")
    assert [r.get_attribute("data-rule") for r in rows.all()] == ["N1"]
    _choose(page, "status", "confirmed")
    assert [r.get_attribute("data-rule") for r in rows.all()] == ["R4"]
    _click(page, "#finding-list tbody tr a")
    assert page.inner_text("#decision") == "已确认"
    assert page.locator("#table-t4 td[data-key='t4.review.total']").inner_text() == "0 → 11"
    assert "按分项合计" in page.inner_text("#corrections")

    # the letter to 洪泽区 for 2023 and the workbook of all units
    page.goto(server)
    with page.expect_download() as download:
        page.click("#letters a[data-unit='洪泽区人民政府'][data-year='2023']")
    assert download.value.suggested_filename == "审核意见_洪泽区人民政府_2023.docx"
    letter = tmp_path / "letter.docx"
    download.value.save_as(letter)
    text = "\n".join(p.text for p in Document(str(letter)).paragraphs)
    assert "存在以下 1 个问题" in text and "核对：总计 0 ≠ 结果维持 10 + 结果纠正 1" in text
    assert "审核更正：表四「行政复议」行「总计」列：报告为 0，审核认定为 11" in text
    assert "复议后起诉" not in text and "17件" not in text
    with page.expect_download() as download:
        page.click("#workbook")
    book = tmp_path / "book.xlsx"
    download.value.save_as(book)
    sheets = load_workbook(book)
    assert [row[1].value for row in sheets["审核意见"].iter_rows(min_row=2)] == ["洪泽区人民政府"]
    assert [c.value for c in list(sheets["汇总"].iter_rows())[-1]][-1] == 1

    # who has not published for 2024, from the office's list of units
    expected = tmp_path / "单位名单.csv"
    expected.write_text(
        "名称,层级,地区\n洪泽区人民政府,县级,洪泽区\n淮安市人民政府办公室,市级,淮安市\n淮安市淮阴区人民政府,县级,淮阴区\n",
        encoding="utf-8",
    )
    page.click("nav >> text=报送情况")
    page.set_input_files("#expected", str(expected))
    page.fill("#year", "2024")
    _click(page, "#check")
    statuses = page.locator("#coverage tr[data-status]").evaluate_all(
        "rows => rows.map(r => r.dataset.status)"
    )
    assert statuses == ["published", "published", "missing"]
    assert "未发布 1 家" in page.inner_text("#coverage-counts")

    # the indicators, with their formulas
    page.click("nav >> text=指标")
    assert "公开率 = 表三（一）予以公开 ÷ 表三办结数（（七）总计）" in page.inner_text("#definitions")
    huaian = page.locator(
        "#report-indicators tr[data-unit='淮安市人民政府'] td[data-indicator='disclosure_rate']"
    )
    assert huaian.inner_text() == "44.7%" and huaian.get_attribute("title") == "1362 ÷ 3050"

    # the audit trail: every click above, with who
    page.click("nav >> text=审核记录")
    log = page.inner_text("#log")
    assert log.count("审核员甲") >= 5 and "撤销" in log
    page.close()
    assert requested and all(url.startswith(server) for url in requested)  # nothing from the network


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_the_pages_refuse_other_sites_and_other_host_names(out):
    from starlette.testclient import TestClient

    from nlp.audit.webapp import create_app

    client = TestClient(create_app(out, "审核员乙"), base_url="http://127.0.0.1:8002")
    assert client.get("/").status_code == 200
    assert client.get("/pages/index.html").status_code == 200  # today's review pages, served beside
    finding = re.search(r'href="/finding/([0-9a-f]{12})', client.get("/").text).group(1)
    forged = client.post(
        f"/finding/{finding}/decide", data={"action": "confirmed"}, headers={"Origin": "http://evil.example"}
    )
    assert forged.status_code == 403
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding
    same = client.post(
        f"/finding/{finding}/decide",
        data={"action": "confirmed", "who": "审核员乙"},
        headers={"Origin": "http://127.0.0.1:8002"},
        follow_redirects=False,
    )
    assert same.status_code == 303 and same.headers["location"].startswith(f"/finding/{finding}?")
    assert client.get("/decisions.json").json()["format"] == "xxgk-review"


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_decisions_are_exported_and_imported_from_the_page(out, realdocs_results, tmp_path):
    from starlette.testclient import TestClient

    from nlp.audit.webapp import create_app

    other = copy_results(realdocs_results, tmp_path / "other")
    theirs = TestClient(create_app(other, "审核员丙"), base_url="http://127.0.0.1")
    finding = re.search(r'href="/finding/([0-9a-f]{12})', theirs.get("/?rule=R2").text).group(1)
    theirs.post(f"/finding/{finding}/decide", data={"action": "dismissed", "note": "拆分有歧义"})
    exported = theirs.get("/decisions.json")
    assert "attachment" in exported.headers["content-disposition"]
    mine = TestClient(create_app(out, "审核员甲"), base_url="http://127.0.0.1")
    merged = mine.post(
        "/decisions/import", files={"decisions": ("丙.json", exported.content, "application/json")}
    )
    assert "已导入：采用 1 条" in merged.text
    assert "拆分有歧义" in mine.get(f"/finding/{finding}").text
    refused = mine.post("/decisions/import", files={"decisions": ("x.json", b"[]", "application/json")})
    assert "未导入：x.json: not an xxgk decisions file" in refused.text


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_every_kind_of_finding_has_its_page_cross_year_ones_with_both_years_tables(tmp_path):
    from starlette.testclient import TestClient
    from typer.testing import CliRunner

    from nlp.audit.webapp import create_app
    from nlp.cli import app
    from tests.review_inputs import (
        SEED,
        next_year_report,
        report_with_blank_tables,
        report_without_section_four,
    )

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    next_year_report(folder)
    report_without_section_four(folder)
    report_with_blank_tables(folder)
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["analyze", str(folder), "-o", str(out)]).exit_code == 0
    client = TestClient(create_app(out, "审核员甲"), base_url="http://127.0.0.1")
    listing = client.get("/").text
    ids = re.findall(r'href="/finding/([0-9a-f]{12})', listing)
    kinds = set(re.findall(r'<td class="nowrap">([^<]+)</td>\s*<td class="nowrap" title=', listing))
    assert kinds == {
        "勾稽关系不成立",
        "与上年度数据不衔接",
        "正文与统计表不一致",
        "章节或统计表缺失",
        "统计表未填写",
        "沿用上年表述",
    }
    pages = {i: client.get(f"/finding/{i}") for i in ids}
    assert all(p.status_code == 200 for p in pages.values())
    with closing(connect(out)) as db:
        carry = next(f.id for f, _ in listed(db, Filters(rule="X1")) if f.check_id == "X1.total")
    text = pages[carry].text
    assert "本年报告（2021）· 表三" in text and "上年报告（2020）· 表三" in text
    assert 'data-key="prev.t3.carried_forward.total"' in text
    # last year's cell, corrected from this year's finding: the carry-over then holds
    client.post(f"/finding/{carry}/correct", data={"cell": "prev.t3.carried_forward.total", "value": "1"})
    again = client.get(f"/finding/{carry}").text
    row = re.search(r'<tr data-check="X1.total".*?</tr>', again, re.S).group(0)
    printed, corrected = row.split('class="corrected-check"')
    assert "未通过" in printed and "通过" in corrected and "未通过" not in corrected
    reused = next(
        p.text for p in pages.values() if "第五部分「存在的主要问题及改进情况」有 100% 的文字" in p.text
    )
    assert "本年「" in reused and "与上年「" in reused
    missing = next(p.text for p in pages.values() if "报告缺少表四" in p.text)
    assert 'id="correct"' not in missing  # nothing to correct: no table holds it
