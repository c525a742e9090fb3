"""Batches as users run them: parallel, resumable, incremental, robust to bad files and to being killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from nlp.batch.runner import Failed, LocalEngine, Task, analyze_task, collect_inputs, run_batch
from nlp.batch.store import DB_NAME

from .conftest import CORPUS, ROOT

SEEDS = sorted(CORPUS.glob("*.txt"))
SHIJIANG = CORPUS / "shijiang-township_2020.txt"


def make_corpus(folder: Path, copies: int) -> list[Path]:
    """`copies` distinct files (each seed with i trailing newlines), in nested folders."""
    paths = []
    for i in range(copies):
        seed = SEEDS[i % len(SEEDS)]
        path = folder / f"county-{i % 3}" / f"{seed.stem}-{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(seed.read_bytes() + b"\n" * (i + 1))
        paths.append(path)
    return paths


def db_rows(out: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        return db.execute(sql).fetchall()


def run(inputs: list[Path], out: Path, **options) -> object:
    files, _ = collect_inputs(inputs)
    return run_batch(files, out, LocalEngine(jobs=2, timeout=60), **options)


def test_mixed_folder_is_read_recursively_with_bad_files_and_non_reports(tmp_path):
    corpus = tmp_path / "in"
    make_corpus(corpus, 4)
    (corpus / "deep" / "er").mkdir(parents=True)
    (corpus / "deep" / "er" / "minutes.md").write_text(
        "会议纪要：讨论了办公用品采购事宜。\n", encoding="utf-8"
    )
    (corpus / "deep" / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (corpus / "notes.csv").write_text("a,b\n")  # not a supported type: not an input at all
    out = tmp_path / "out"
    result = run([corpus], out)
    status = {Path(f.source).name: f.status for f in result.files}
    assert status == {
        "changfu-town_2020-0000.txt": "ok",
        "daoshi-town_2020-0001.txt": "ok",
        "huyuan-township_2020-0002.txt": "ok",
        "shijiang-township_2020-0003.txt": "ok",
        "minutes.md": "not_a_report",
        "binary.txt": "failed",
    }
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(4,)]
    errors = db_rows(out, "SELECT path, status, stage, message FROM errors ORDER BY path")
    assert [(Path(p).name, s, st) for p, s, st, _ in errors] == [
        ("binary.txt", "failed", "read"),
        ("minutes.md", "not_a_report", "structure"),
    ]
    assert "binary file" in errors[0][3]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in summary] == [f.status for f in result.files]


def test_rerun_skips_finished_files_force_redoes_them_and_a_changed_file_is_redone(tmp_path):
    corpus = tmp_path / "in"
    paths = make_corpus(corpus, 6)
    out = tmp_path / "out"
    first = run([corpus], out)
    assert first.analysed == 6
    ids = db_rows(out, "SELECT sha256, id FROM reports ORDER BY id")

    again = run([corpus], out)
    assert again.analysed == 0
    assert all(f.resumed and f.status == "ok" for f in again.files)
    assert db_rows(out, "SELECT sha256, id FROM reports ORDER BY id") == ids

    changed = paths[0]
    changed.write_bytes(changed.read_bytes().replace("2020年".encode(), "2021年".encode()))
    third = run([corpus], out)
    assert third.analysed == 1
    redone = next(f for f in third.files if f.source == str(changed))
    assert not redone.resumed and redone.report.year == 2021
    doc = json.loads((out / redone.output).read_text(encoding="utf-8"))
    assert doc["meta"]["year"] == 2021 and doc["source"]["sha256"] == redone.sha256
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(6,)]  # its old content is gone with it

    forced = run([corpus], out, force=True)
    assert forced.analysed == 6
    assert not any(f.resumed for f in forced.files)
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(6,)]
    assert db_rows(out, "SELECT COUNT(*) FROM cells") == [(6 * 198,)]


def test_resumed_run_rewrites_a_missing_json_from_the_database(tmp_path):
    out = tmp_path / "out"
    run([SHIJIANG], out)
    written = (out / "shijiang-township_2020.json").read_text(encoding="utf-8")
    (out / "shijiang-township_2020.json").unlink()
    (out / ".xxgk-tmp-0123456789ab-x1y2").write_text("half")  # left by a killed run
    (out / ".shijiang-township_2020.json.x1y2").write_text("half")  # by a killed run of an earlier version
    result = run([SHIJIANG], out)
    assert result.analysed == 0 and result.files[0].resumed
    assert (out / "shijiang-township_2020.json").read_text(encoding="utf-8") == written
    assert [p.name for p in out.glob(".*")] == [".xxgk.lock"]


def test_same_stem_in_two_folders_gets_two_json_files(tmp_path):
    for county in ("a", "b"):
        (tmp_path / county).mkdir()
    (tmp_path / "a" / "report.txt").write_bytes(SEEDS[0].read_bytes())
    (tmp_path / "b" / "report.txt").write_bytes(SEEDS[1].read_bytes())
    out = tmp_path / "out"
    result = run([tmp_path / "a", tmp_path / "b"], out)
    names = [f.output for f in result.files]
    assert names[0] == "report.json" and names[1].startswith("report.") and names[1] != names[0]
    organs = [json.loads((out / n).read_text(encoding="utf-8"))["meta"]["organ"] for n in names]
    assert organs == ["昌傅镇人民政府", "岛石镇人民政府"]
    assert [f.output for f in run([tmp_path / "a", tmp_path / "b"], out).files] == names  # stable


def crash_on_shijiang(task: Task):
    """A worker function that dies like a crashing reader library on one file."""
    if "shijiang" in task.source:
        os._exit(3)
    return analyze_task(task)


def hang_on_shijiang(task: Task):
    if "shijiang" in task.source:
        time.sleep(60)
    return analyze_task(task)


def test_a_crashing_or_hanging_worker_fails_its_file_only(tmp_path):
    tasks = [Task(str(p), str(p), f"sha-{i}") for i, p in enumerate(SEEDS)]
    crashed = dict(LocalEngine(jobs=2, timeout=60, work=crash_on_shijiang).results(tasks))
    assert crashed[tasks[3]] == Failed("failed", "worker", "worker process died (exit code 3)")
    assert all(crashed[t].report.meta.organ for t in tasks if t is not tasks[3])

    started = time.monotonic()
    # 6 s: a worker's first report (imports it could not share) takes over 1.5 s on a busy machine
    hung = dict(LocalEngine(jobs=2, timeout=6, work=hang_on_shijiang).results(tasks))
    assert hung[tasks[3]] == Failed("failed", "timeout", "stopped after 6 s")
    assert sum(1 for o in hung.values() if not isinstance(o, Failed)) == 4
    assert time.monotonic() - started < 40


def _analyze_process(corpus: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nlp", "analyze", str(corpus), "-o", str(out), "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_reports(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if (out / DB_NAME).exists():
            try:
                if db_rows(out, "SELECT COUNT(*) FROM reports")[0][0] >= count:
                    return
            except sqlite3.OperationalError:
                pass  # the schema is being created
        time.sleep(0.01)
    raise AssertionError("the batch did not get going")


def _assert_whole_records(out: Path) -> int:
    assert db_rows(out, "PRAGMA integrity_check") == [("ok",)]
    per_report = db_rows(
        out,
        "SELECT r.cells_total, (SELECT COUNT(*) FROM cells c WHERE c.report = r.id),"
        " (SELECT COUNT(*) FROM checks k WHERE k.report = r.id),"
        " (SELECT COUNT(*) FROM files f WHERE f.sha256 = r.sha256 AND f.status = 'ok') FROM reports r",
    )
    assert all(total == cells and checks > 0 and files == 1 for total, cells, checks, files in per_report)
    assert db_rows(out, "SELECT COUNT(*) FROM files WHERE status = 'ok'") == [(len(per_report),)]
    return len(per_report)


def test_kill_9_loses_nothing_finished_and_the_next_run_continues(tmp_path):
    corpus = tmp_path / "in"
    make_corpus(corpus, 60)
    out = tmp_path / "out"
    process = _analyze_process(corpus, out)
    _wait_for_reports(out, 5, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    finished = _assert_whole_records(out)
    assert 5 <= finished < 60
    before = set(db_rows(out, "SELECT sha256, id FROM reports"))

    rerun = _analyze_process(corpus, out)
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert _assert_whole_records(out) == 60
    assert before <= set(db_rows(out, "SELECT sha256, id FROM reports"))  # kept, not redone
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(s["resumed"] for s in summary) == finished
    assert len(list(out.glob("*.json"))) == 61
    assert f"{60 - finished} file(s) in" in stdout.replace("\n", " ")


def test_ctrl_c_stops_cleanly_and_lists_what_is_left(tmp_path):
    corpus = tmp_path / "in"
    make_corpus(corpus, 60)
    out = tmp_path / "out"
    process = _analyze_process(corpus, out)
    _wait_for_reports(out, 5, process)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stdout + stderr
    assert "interrupted: run again to continue" in stdout
    finished = _assert_whole_records(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(s["status"] == "ok" for s in summary) == finished
    assert sum(s["status"] == "pending" for s in summary) == 60 - finished


def test_analyze_ends_the_forkserver_once_the_batch_is_done(tmp_path: Path) -> None:
    """It holds the whole pipeline; the review pages written after the batch do not need it."""
    from multiprocessing import forkserver

    from typer.testing import CliRunner

    from nlp.cli import app

    result = CliRunner().invoke(app, ["analyze", str(SHIJIANG), "-o", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "review" / "index.html").is_file()
    assert forkserver._forkserver._forkserver_pid is None  # the standard library's own record of it


def test_a_worker_hands_freed_heap_back_to_the_system():
    # glibc keeps freed small blocks for reuse: after a large report a worker would hold that
    # memory for good. release_freed_memory (run after every report) returns it.
    import pytest

    from nlp.batch.runner import _malloc_trim, release_freed_memory

    if _malloc_trim() is None:
        pytest.skip("no malloc_trim in this C library")

    def resident_mb() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20

    blocks = [bytes(4000) for _ in range(30_000)]  # ~120 MB in heap-sized blocks
    kept = blocks[::50]  # a few survivors keep the heap from shrinking by itself
    del blocks
    before = resident_mb()
    release_freed_memory()
    assert resident_mb() < before - 50
    assert len(kept) == 600
