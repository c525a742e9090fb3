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


def test_report_page_renders_the_form_tables_with_highlighted_cells(chromium, results, tmp_path):
    page = next(
        p
        for p in (results / "review" / "reports").glob("r*.html")
        if "石江乡人民政府" in p.read_text(encoding="utf-8")
    )
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
