"""notebooks/corpus_analysis.ipynb runs from top to bottom on real results (so it never rots)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from .conftest import ROOT


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_corpus_analysis_notebook_runs_and_shows_the_analyses(results, monkeypatch):
    monkeypatch.setenv("XXGK_OUT", str(results))
    notebook = nbformat.read(ROOT / "notebooks" / "corpus_analysis.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    ).execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert "17 reports in" in _text(code[0])
    images = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert images == 4
    output = "\n".join(_text(c) for c in code)
    assert "R3.new_received" in output  # failed checks
    assert "政策解读" in output  # a theme's terms
    assert "扎实推进依申请公开工作" in output  # the statement Hongze reused
    assert "2023→2024" in output and "淮安市洪泽区人民政府" in output
