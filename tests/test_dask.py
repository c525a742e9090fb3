"""`--engine dask`: the same batch on a Dask distributed cluster (a LocalCluster here)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from typer.testing import CliRunner

from nlp.batch.store import DB_NAME
from nlp.cli import app

from .conftest import CORPUS

distributed = pytest.importorskip("distributed", reason="dask is an optional extra")
runner = CliRunner()


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_engine_gives_the_same_results_as_local_workers(scheduler, tmp_path):
    (tmp_path / "in").mkdir()
    for seed in CORPUS.glob("*.txt"):
        (tmp_path / "in" / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    on_dask_command = [
        "analyze",
        str(tmp_path / "in"),
        "-o",
        str(tmp_path / "dask"),
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
    ]
    on_dask = runner.invoke(app, on_dask_command)
    assert on_dask.exit_code == 0, on_dask.output
    local = runner.invoke(app, ["analyze", str(tmp_path / "in"), "-o", str(tmp_path / "local"), "-j", "1"])
    assert local.exit_code == 0, local.output

    def stored(folder: str) -> list[tuple]:
        with closing(sqlite3.connect(tmp_path / folder / DB_NAME)) as db:
            return db.execute(
                "SELECT r.sha256, c.key, c.value, c.status FROM cells c JOIN reports r ON r.id = c.report"
                " ORDER BY 1, 2"
            ).fetchall()

    assert len(stored("dask")) == 5 * 198
    assert stored("dask") == stored("local")
    summary = json.loads((tmp_path / "dask" / "summary.json").read_text(encoding="utf-8"))
    assert [(s["status"], s.get("stage")) for s in summary if s["source"].endswith("empty.txt")] == [
        ("failed", "read")
    ]
    doc = json.loads((tmp_path / "dask" / "shijiang-township_2020.json").read_text(encoding="utf-8"))
    assert doc["source"]["path"] == str(tmp_path / "in" / "shijiang-township_2020.txt")

    again = runner.invoke(app, on_dask_command)
    assert again.exit_code == 0 and "0 file(s) in" in again.output.replace("\n", " ")


def test_dask_engine_needs_a_scheduler(tmp_path):
    result = runner.invoke(app, ["analyze", str(CORPUS), "-o", str(tmp_path), "--engine", "dask"])
    assert result.exit_code == 1
    assert "--engine dask needs --scheduler ADDRESS" in result.output
