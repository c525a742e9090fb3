"""The commands as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from nlp.cli import app

from .conftest import CORPUS

runner = CliRunner()


def test_analyze_without_arguments_processes_the_bundled_corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").glob("*.json"))
    assert written == sorted([p.stem + ".json" for p in CORPUS.glob("*.txt")] + ["summary.json"])
    doc = json.loads((tmp_path / "out" / "shijiang-township_2020.json").read_text(encoding="utf-8"))
    assert set(doc) >= {
        "schema_version",
        "source",
        "meta",
        "sections",
        "paragraphs",
        "cells",
        "checks",
        "warnings",
    }
    assert doc["meta"]["organ"] == "石江乡人民政府"
    assert doc["cells"]["t3.new_received.natural_person"] == {
        "value": 1,
        "raw": "1",
        "status": "explicit_number",
        "unit": None,
        "confidence": None,
    }
    for header in ("organ", "year", "template", "sections", "cells", "checks failed"):
        assert header in result.output
    assert "石江乡人民政府" in result.output


def test_analyze_takes_files_and_folders_with_an_output_dir(tmp_path):
    out = tmp_path / "results"
    copy = tmp_path / "copy-of-changfu.txt"
    copy.write_bytes((CORPUS / "changfu-town_2020.txt").read_bytes())
    result = runner.invoke(
        app,
        ["analyze", str(CORPUS / "changfu-town_2020.txt"), str(CORPUS), str(copy), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    listed = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary = [s for s in listed if s["status"] != "skipped"]
    assert [Path(s["source"]).name for s in listed if s["status"] == "skipped"] == ["README.md"]  # labels/
    # A file named twice is one input; its copy is another input with the same content.
    assert [Path(s["source"]).name for s in summary] == [
        "changfu-town_2020.txt",
        "daoshi-town_2020.txt",
        "huyuan-township_2020.txt",
        "shijiang-township_2020.txt",
        "zaoling-township_2020.txt",
        "copy-of-changfu.txt",
    ]
    assert {s["status"] for s in summary} == {"ok"}
    assert summary[0]["sha256"] == summary[-1]["sha256"]
    copy_doc = json.loads((out / "copy-of-changfu.json").read_text(encoding="utf-8"))
    original = json.loads((out / "changfu-town_2020.json").read_text(encoding="utf-8"))
    assert copy_doc["source"]["path"] == str(copy)
    assert copy_doc["cells"] == original["cells"]
    with closing(sqlite3.connect(out / "xxgk.sqlite")) as db:
        assert db.execute("SELECT COUNT(*) FROM reports").fetchone() == (5,)  # stored once per content
        assert db.execute("SELECT COUNT(*) FROM files").fetchone() == (6,)


def test_parse_prints_the_json_document():
    result = runner.invoke(app, ["parse", str(CORPUS / "changfu-town_2020.txt")])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["meta"]["year"] == 2020
    assert any(c["id"] == "N2" and c["status"] == "fail" for c in doc["checks"])


def test_show_prints_sections_tables_and_failed_checks(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    result = runner.invoke(app, ["show", str(CORPUS / "shijiang-township_2020.txt")])
    assert result.exit_code == 0
    for text in ("一、总体情况", "表二", "表三", "表四", "R3.new_received", "N2", "未通过"):
        assert text in result.output
