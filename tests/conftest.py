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
