from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
GOLD = Path(__file__).resolve().parent / "gold"


def load_gold(kind: str) -> list[dict]:
    golds = []
    for path in sorted((GOLD / kind).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        gold["_name"] = path.stem
        golds.append(gold)
    return golds


def gold_source(gold: dict) -> Path:
    file = gold["file"]
    return ROOT / file if file.startswith("corpus/") else SHARED / file


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared is required beside the repository (looked in {SHARED})")
    return SHARED


@pytest.fixture(scope="session")
def results(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`xxgk analyze` of the bundled corpus and the real documents, as a user runs it (this also
    writes the review pages); the output folder."""
    from typer.testing import CliRunner

    from nlp.cli import app

    out = tmp_path_factory.mktemp("results")
    result = CliRunner().invoke(app, ["analyze", str(CORPUS), str(shared / "realdocs"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def realdocs_results(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`xxgk analyze ../shared/realdocs`, the reviewers' starting point: the output folder. Tests
    that decide or correct work on a copy (`tests.review_inputs.copy_results`)."""
    from typer.testing import CliRunner

    from nlp.cli import app

    out = tmp_path_factory.mktemp("realdocs-results")
    result = CliRunner().invoke(app, ["analyze", str(shared / "realdocs"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out
