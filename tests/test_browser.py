"""The review pages as a reviewer sees them: rendered by headless Chromium (scripts run), with
screenshots. CI (CI set) installs chromium in .ci/run and fails here without it; a developer
machine without chromium skips."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from lxml import html

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed")
    return found


def _run(chromium: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def rendered(chromium: str, profile: Path, page: Path, fragment: str = ""):
    """The DOM after the page's scripts ran."""
    result = _run(chromium, profile, "--dump-dom", page.as_uri() + fragment)
    return html.fromstring(result.stdout)


def screenshot(chromium: str, profile: Path, page: Path, png: Path, height: int) -> bytes:
    _run(chromium, profile, f"--screenshot={png}", f"--window-size=1280,{height}", page.as_uri())
    return png.read_bytes()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_overview_renders_its_charts_and_report_list(chromium, results, tmp_path):
    page = results / "review" / "index.html"
    dom = rendered(chromium, tmp_path / "profile", page)
    charts = dom.cssselect("svg.chart")
    assert len(charts) == 5
    assert all(chart.cssselect("rect.bar") for chart in charts)
    assert len(dom.cssselect("#report-list tbody tr")) == 17
    png = screenshot(chromium, tmp_path / "profile", page, tmp_path / "overview.png", 2400)
    assert _png_size(png) == (1280, 2400)
    assert len(png) > 50_000  # a page with charts and text, not a blank


def test_the_overview_counts_what_each_report_page_shows(chromium, results, tmp_path):
    """Sections and cells in the overview's list are those of the report pages it links to."""
    dom = rendered(chromium, tmp_path / "profile", results / "review" / "index.html")
    rows = dom.cssselect("#report-list tbody tr")
    assert len(rows) == 17
    for row in rows:
        link = row.cssselect("a")[0].get("href")
        assert not link.startswith("reports/r") or link[9:10].isalpha()  # named by report, not r1…r17
        page = rendered(chromium, tmp_path / "profile", results / "review" / link)
        sections = page.cssselect(".meta-grid .sections")[0].text_content().removeprefix("章节")
        cells = page.cssselect(".meta-grid .cells")[0].text_content().removeprefix("单元格")
        assert row.cssselect("td.sections")[0].text_content() == sections, link
        assert row.cssselect("td.cells")[0].text_content() == cells, link
        keys = page.cssselect("table.form td[data-key]")
        found = [td for td in keys if "missing" not in (td.get("class") or "").split()]
        if keys:  # the form tables lay out every cell of the template
            assert cells == f"{len(found)}/{len(keys)}", link
    shijiang = next(r for r in rows if "石江乡" in r.text_content())
    assert shijiang.cssselect("td.sections")[0].text_content() == "6/6"
    assert shijiang.cssselect("td.cells")[0].text_content() == "198/198"


def test_report_page_renders_the_form_tables_with_highlighted_cells(chromium, results, tmp_path):
    page = results / "review" / "reports" / "shijiang-township_2020.html"  # named as the source file
    dom = rendered(chromium, tmp_path / "profile", page)
    assert [t.get("id") for t in dom.cssselect("table.form")] == ["table-t2", "table-t3", "table-t4"]
    failed = dom.cssselect("#table-t3 td.fail")
    assert {td.get("data-key").split(".")[1] for td in failed} == {"new_received", "granted", "result_total"}
    assert all("≠" in td.get("title") for td in failed)
    assert len(dom.cssselect("#equations-t3 li.fail")) == 3
    assert len(dom.cssselect("p.para[data-label]")) >= 10
    assert dom.cssselect("#narrative tr.has-fail")
    png = screenshot(chromium, tmp_path / "profile", page, tmp_path / "report.png", 2400)
    assert _png_size(png) == (1280, 2400)
    assert len(png) > 50_000


def test_problem_list_filters_in_the_browser(chromium, results, tmp_path):
    page = results / "review" / "problems.html"
    everything = rendered(chromium, tmp_path / "profile", page)
    rows = everything.cssselect("#problem-list tbody tr")
    with closing(sqlite3.connect(results / "xxgk.sqlite")) as db:
        (problems,) = db.execute("SELECT COUNT(*) FROM items WHERE kind = 'problem'").fetchone()
    assert everything.cssselect("#shown")[0].text == str(len(rows)) == str(problems)
    filtered = rendered(chromium, tmp_path / "profile", page, "#year=2020")
    visible = [
        r for r in filtered.cssselect("#problem-list tbody tr") if "none" not in (r.get("style") or "")
    ]
    assert visible and all(r.get("data-year") == "2020" for r in visible)
    assert len(visible) == sum(1 for r in rows if r.get("data-year") == "2020")
    assert filtered.cssselect("#shown")[0].text == str(len(visible))
