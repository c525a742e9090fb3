"""Batches on folders as people download them, used as a careless or hostile user would: nothing
run from the working folder, one file never stops or poisons a batch, nothing read twice or kept
stale, and every problem one line, not a traceback. Inputs are made here, small, in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp.batch.runner import LocalEngine, collect_inputs, run_batch
from nlp.batch.store import DB_NAME
from nlp.cli import app
from nlp.read.document import read_document

from .conftest import CORPUS, ROOT

SEEDS = sorted(CORPUS.glob("*.txt"))
SHIJIANG = CORPUS / "shijiang-township_2020.txt"
DAOSHI = CORPUS / "daoshi-town_2020.txt"
runner = CliRunner()


def run(inputs: list[Path], out: Path, **options):
    files, skipped = collect_inputs(inputs, out)
    return run_batch(files, out, LocalEngine(jobs=2, timeout=60), skipped=skipped, **options)


def xxgk(*args: str, cwd: Path = ROOT, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    """`python -m nlp ARGS` as a user runs it, in a folder of their choosing."""
    return subprocess.run(
        [sys.executable, "-m", "nlp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        **popen,
    )


def db_rows(out: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        return db.execute(sql).fetchall()


def summary(out: Path) -> list[dict]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def one_line(result) -> str:
    """The single line of an error, asserting there is exactly one and no traceback."""
    text = (result.stderr or "") + (result.stdout or "") if hasattr(result, "stderr") else result.output
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert "Traceback" not in text and len(lines) == 1, text
    return lines[0]


def in_mount_namespace(script: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a shell script in a mount namespace of its own, where it may mount a small or
    read-only tmpfs (a full disk, read-only media) that vanishes with it."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed for the full-disk and read-only tests")
    namespace = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    return subprocess.run(
        [*namespace, "sh", "-euc", script], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


# ---------------------------------------------------------------- security


HOSTILE_MODULES = ("jieba", "concurrent", "multiprocessing", "typer", "datasette", "sitecustomize")


def hostile_folder(folder: Path, marker: Path) -> Path:
    """A downloaded folder with modules named like the ones xxgk imports, each leaving a mark."""
    folder.mkdir()
    for name in HOSTILE_MODULES:
        (folder / f"{name}.py").write_text(
            f"open({str(marker / name)!r}, 'w').close()\nraise SystemExit(3)\n", encoding="utf-8"
        )
    (marker).mkdir()
    return folder


def test_no_module_of_the_working_folder_is_ever_imported(tmp_path):
    marks = tmp_path / "marks"
    folder = hostile_folder(tmp_path / "downloads", marks)
    report = folder / "report.txt"
    report.write_bytes(SHIJIANG.read_bytes())
    script = Path(sys.executable).parent / "xxgk"
    runs = [
        xxgk("analyze", str(report), "-o", str(tmp_path / "out1"), "--jobs", "1", cwd=folder),
        xxgk("parse", str(report), cwd=folder),
        subprocess.run(
            [str(script), "analyze", str(report), "-o", str(tmp_path / "out2"), "--jobs", "1"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        ),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    assert sorted(p.name for p in marks.iterdir()) == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def served_results(results, tmp_path) -> Path:
    out = tmp_path / "served"
    out.mkdir()
    shutil.copy(results / DB_NAME, out / DB_NAME)
    return out


def test_serve_imports_nothing_from_the_working_folder_and_a_kill_stops_datasette(served_results, tmp_path):
    pytest.importorskip("datasette")
    marks = tmp_path / "marks"
    folder = hostile_folder(tmp_path / "downloads", marks)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nlp", "serve", "-o", str(served_results), "--port", str(port)],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_for_port(port, process), (
            process.stderr.read() if process.poll() is not None else "no server"
        )
        assert sorted(p.name for p in marks.iterdir()) == []
        process.send_signal(signal.SIGTERM)  # `kill PID` of xxgk serve
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_open(port), "Datasette still serves after xxgk serve was killed"
    finally:
        process.kill()
        process.wait()


# ---------------------------------------------------------------- one file never stops a batch


def test_copies_under_one_name_and_empty_files_with_every_suffix_all_get_results(tmp_path):
    inputs = tmp_path / "in"
    for county in "abcd":
        (inputs / county).mkdir(parents=True)
        (inputs / county / "report.txt").write_bytes(SHIJIANG.read_bytes())
    for suffix in (".txt", ".md", ".text", ".html", ".htm", ".docx", ".pdf"):
        (inputs / "e").mkdir(exist_ok=True)
        (inputs / "e" / f"report{suffix}").write_bytes(b"")
    out = tmp_path / "out"
    result = run([inputs], out)
    assert [f.status for f in result.files] == ["ok"] * 4 + ["failed"] * 7
    assert all(f.error == "empty file" for f in result.files[4:])
    names = [f.output for f in result.files[:4]]
    assert len(set(names)) == 4 and all((out / n).is_file() for n in names)
    assert [f.output for f in run([inputs], out).files[:4]] == names  # stable across runs


def test_a_name_that_is_not_utf8_and_a_name_of_253_bytes_are_stored_and_resumed(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    bad = inputs / os.fsdecode(b"bad\xff\xfe.txt")
    long = inputs / ("长" * 83 + ".txt")
    assert len(long.name.encode()) == 253
    bad.write_bytes(SHIJIANG.read_bytes())
    long.write_bytes(DAOSHI.read_bytes())
    out = tmp_path / "out"
    for attempt in range(2):
        result = run([inputs], out)
        assert [f.status for f in result.files] == ["ok", "ok"], [f.error for f in result.files]
        assert [f.resumed for f in result.files] == [attempt == 1] * 2
    sources = {entry["source"] for entry in summary(out)}
    assert str(inputs / "bad\\xff\\xfe.txt") in sources
    for entry in summary(out):
        assert len(entry["output"].encode()) <= 255 and (out / entry["output"]).is_file()
    parsed = xxgk("parse", os.fsencode(bad).decode("utf-8", "surrogateescape"))
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["source"]["path"].endswith("bad\\xff\\xfe.txt")


def _docx_bomb(path: Path, inflated_mb: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (inflated_mb << 20) + b"</w:document>")


def _pdf_of_pages(path: Path, pages: int) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(200, 200)
    document.save(path)
    document.close()


def test_files_past_the_limits_are_refused_in_one_line_by_analyze_and_parse(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    huge = inputs / "huge.txt"
    with huge.open("wb") as handle:  # 300 MB, sparse: nothing is written, nothing must be read
        handle.truncate(300 << 20)
    (inputs / "two-mb.txt").write_bytes(
        SHIJIANG.read_bytes() * (2 * (1 << 20) // SHIJIANG.stat().st_size + 1)
    )
    _docx_bomb(inputs / "bomb.docx", 3)
    _pdf_of_pages(inputs / "pages.pdf", 3)
    result = runner.invoke(app, ["parse", str(huge)])
    assert result.exit_code == 1
    assert one_line(result) == f"xxgk: {huge}: file is 300 MB, over the limit of 200 MB (--max-file-mb)"
    limits = ["--max-file-mb", "1", "--max-inflated-mb", "1", "--max-pages", "2"]
    for name, problem in (
        ("two-mb.txt", "file is 2.0 MB, over the limit of 1 MB (--max-file-mb)"),
        ("bomb.docx", "its parts unpack to 3 MB, over the limit of 1 MB (--max-inflated-mb)"),
        ("pages.pdf", "3 pages, over the limit of 2 (--max-pages)"),
    ):
        for command in ("parse", "show"):
            shown = runner.invoke(app, [command, str(inputs / name), *limits])
            assert shown.exit_code == 1 and one_line(shown) == f"xxgk: {inputs / name}: {problem}"
    monkeypatch.setenv("XXGK_MAX_PAGES", "2")
    assert "3 pages, over the limit of 2" in runner.invoke(app, ["parse", str(inputs / "pages.pdf")]).output
    monkeypatch.delenv("XXGK_MAX_PAGES")
    out = tmp_path / "out"
    analysed = runner.invoke(app, ["analyze", str(inputs), "-o", str(out), "-j", "1", *limits])
    assert analysed.exit_code == 1, analysed.output  # no report among them
    errors = {Path(e["source"]).name: e["error"] for e in summary(out)}
    assert errors["huge.txt"].startswith("file is 300 MB, over the limit of 1 MB")
    assert errors["bomb.docx"].startswith("its parts unpack to 3 MB")
    assert errors["pages.pdf"].startswith("3 pages, over the limit of 2")
    bad = runner.invoke(app, ["parse", str(huge), "--max-file-mb", "nan"])
    assert bad.exit_code == 1 and "max-file-mb must be a number above 0" in one_line(bad)


def test_a_fifo_or_a_link_to_a_device_is_not_read(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "zero.txt").symlink_to("/dev/zero")
    (inputs / "report.txt").write_bytes(SHIJIANG.read_bytes())
    parsed = xxgk("parse", str(inputs / "pipe.txt"), timeout=60)  # a FIFO read would wait for ever
    assert parsed.returncode == 1
    assert one_line(parsed) == f"xxgk: {inputs / 'pipe.txt'}: not a regular file (a FIFO)"
    zero = runner.invoke(app, ["show", str(inputs / "zero.txt")])
    assert zero.exit_code == 1
    assert one_line(zero) == f"xxgk: {inputs / 'zero.txt'}: not a regular file (a device)"
    (inputs / "again").symlink_to(inputs)  # a loop of folders
    out = tmp_path / "out"
    result = run([inputs], out)
    assert [(Path(f.source).name, f.status, f.error) for f in result.files] == [
        ("report.txt", "ok", None),
        ("again", "skipped", "a link to a folder already read"),
        ("pipe.txt", "skipped", "not a regular file (a FIFO)"),
        ("zero.txt", "skipped", "not a regular file (a device)"),
    ]
    assert [e["status"] for e in summary(out)] == ["ok", "skipped", "skipped", "skipped"]


def test_html_nested_past_the_parser_limits_is_read_whole_or_said_to_be_cut(tmp_path, shared):
    page = (shared / "realdocs" / "shanghai_gov_office_2019.html").read_text(encoding="utf-8")
    at = page.index("三、收到和处理")
    spans = tmp_path / "spans.html"
    spans.write_text(page[:at] + "<span>" * 300 + page[at:], encoding="utf-8")
    from nlp.batch.pipeline import analyze_file

    report = analyze_file(spans)
    assert sum(c.status != "missing" for c in report.cells.values()) == 198
    assert not [w for w in report.warnings if w.startswith("html_cut_off")]
    divs = tmp_path / "divs.html"
    divs.write_text(page[:at] + "<div>" * 3000 + page[at:], encoding="utf-8")
    cut = analyze_file(divs)
    assert [w for w in cut.warnings if w.startswith("html_cut_off")]


# ---------------------------------------------------------------- never read twice, never stale


def test_the_output_folder_inside_the_input_folder_is_never_read(tmp_path, monkeypatch):
    inputs = tmp_path / "corpus"
    inputs.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, inputs / seed.name)
    monkeypatch.chdir(inputs)
    for _ in range(3):
        result = runner.invoke(app, ["analyze", ".", "-o", "out", "-j", "1"])
        assert result.exit_code == 0, result.output
        assert db_rows(inputs / "out", "SELECT COUNT(*) FROM reports") == [(2,)]
    pages = runner.invoke(
        app, ["report", "-o", "out", "--to", "pages"]
    )  # review pages elsewhere in the input
    assert pages.exit_code == 0, pages.output
    result = runner.invoke(app, ["analyze", ".", "-o", "out2", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert db_rows(inputs / "out2", "SELECT COUNT(*) FROM reports") == [(2,)]
    left_out = {
        Path(e["source"]).name: e["reason"] for e in summary(inputs / "out2") if e["status"] == "skipped"
    }
    assert left_out == {
        "out": "an xxgk output folder (it holds xxgk.sqlite): results, not reports",
        "pages": "xxgk review pages, not reports",
    }


def test_an_edited_file_replaces_its_result_and_a_mended_file_is_no_longer_failed(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    report = inputs / "daoshi.txt"
    report.write_bytes(DAOSHI.read_bytes())
    broken = inputs / "broken.txt"
    broken.write_bytes(bytes(range(256)) * 10)
    out = tmp_path / "out"
    first = run([inputs], out)
    assert [f.status for f in first.files] == ["failed", "ok"]
    with report.open("ab") as handle:
        handle.write(b"\n")
    broken.write_bytes(SHIJIANG.read_bytes())
    second = run([inputs], out)
    assert [f.status for f in second.files] == ["ok", "ok"]
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(2,)]
    assert db_rows(out, "SELECT COUNT(*) FROM errors") == [(0,)]
    from nlp.review.results import load_results

    assert sorted(s.organ for s in load_results(out)) == ["岛石镇人民政府", "石江乡人民政府"]
    report.write_bytes(b"\x00\x01" * 100)  # now it fails: its report and JSON go
    third = run([inputs], out)
    assert [f.status for f in third.files] == ["ok", "failed"]
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(1,)]
    assert not (out / "daoshi.json").exists()


def test_a_second_run_into_a_held_output_folder_stops_and_leaves_the_first_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from nlp.batch.output import output_lock\n"
         f"with output_lock(Path({str(out)!r})):\n    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        writing = out / ".xxgk-tmp-0123456789ab-aaaa"  # the other run's file being written
        writing.write_text("half")
        result = runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(out)])
        assert result.exit_code == 1
        assert one_line(result) == (
            f"xxgk: {out}: another xxgk run is writing to this folder (process {holder.pid});"
            " wait for it to finish or use another output folder"
        )
        assert writing.exists() and not (out / DB_NAME).exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(out), "-j", "1"]).exit_code == 0


def _links(index: Path) -> list[str]:
    import re

    return re.findall(r'href="(reports/[^"]+\.html)"', index.read_text(encoding="utf-8"))


def test_review_pages_cut_off_midway_leave_the_whole_old_pages_and_are_written_next_time(
    tmp_path, monkeypatch
):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, inputs / seed.name)
    out = tmp_path / "out"
    assert runner.invoke(app, ["analyze", str(inputs), "-o", str(out), "-j", "1"]).exit_code == 0
    index = out / "review" / "index.html"
    before = _links(index)
    assert len(before) == 2
    shutil.copy(SEEDS[2], inputs / SEEDS[2].name)
    import nlp.review.pages

    real, written = nlp.review.pages.full_report, []

    def killed_after_one_page(store, stored):
        if written:
            raise KeyboardInterrupt  # as if the run were killed here
        written.append(stored)
        return real(store, stored)

    monkeypatch.setattr(nlp.review.pages, "full_report", killed_after_one_page)
    runner.invoke(app, ["analyze", str(inputs), "-o", str(out), "-j", "1"])
    assert _links(index) == before and all((out / "review" / link).is_file() for link in before)
    monkeypatch.setattr(nlp.review.pages, "full_report", real)
    again = runner.invoke(app, ["analyze", str(inputs), "-o", str(out), "-j", "1"])
    assert again.exit_code == 0 and "review pages:" in again.output  # nothing new, but the pages were stale
    links = _links(index)
    assert len(links) == 3 and all((out / "review" / link).is_file() for link in links)
    assert not [p for p in out.iterdir() if p.name.startswith(".xxgk-new-")]


class _InterruptedEngine(LocalEngine):
    """A local engine that is stopped (Ctrl-C) after `after` files."""

    def __init__(self, after: int) -> None:
        super().__init__(jobs=1, timeout=60)
        self.after = after

    def results(self, tasks):
        for n, item in enumerate(super().results(tasks)):
            if n == self.after:
                raise KeyboardInterrupt
            yield item


def test_an_interrupted_force_run_leaves_the_rest_pending_and_the_next_run_does_it(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, inputs / seed.name)
    out = tmp_path / "out"
    assert run([inputs], out).analysed == 5
    files, _ = collect_inputs([inputs])
    forced = run_batch(files, out, _InterruptedEngine(after=2), force=True)
    assert forced.interrupted and forced.analysed == 2
    assert [f.status for f in forced.files].count("pending") == 3
    assert [e["status"] for e in summary(out)].count("pending") == 3
    rest = run([inputs], out)
    assert rest.analysed == 3
    assert run([inputs], out).analysed == 0


def test_files_named_in_capitals_are_reports_and_notes_about_the_folder_are_listed(tmp_path, shared):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(shared / "realdocs" / "huaian_gov_2024.pdf", inputs / "P020250126563781234567.pdf")
    shutil.copy(SHIJIANG, inputs / "PINGTAN2021.TXT")
    (inputs / "README.md").write_text("# 下载的报告\n", encoding="utf-8")
    (inputs / "MANIFEST.md").write_text("来源列表\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run([inputs], out)
    assert {Path(f.source).name: (f.status, f.error) for f in result.files} == {
        "P020250126563781234567.pdf": ("ok", None),
        "PINGTAN2021.TXT": ("ok", None),
        "MANIFEST.md": ("skipped", "a note about the folder (MANIFEST), not a report"),
        "README.md": ("skipped", "a note about the folder (README), not a report"),
    }
    readme = runner.invoke(app, ["analyze", str(inputs / "README.md"), "-o", str(tmp_path / "o2"), "-j", "1"])
    assert (
        readme.exit_code == 1 and summary(tmp_path / "o2")[0]["status"] == "not_a_report"
    )  # named, it is read


# ---------------------------------------------------------------- one line, not a traceback


def test_an_output_that_is_a_file_and_a_timeout_of_inf_or_nan(tmp_path):
    taken = tmp_path / "out.txt"
    taken.write_text("mine")
    result = runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(taken)])
    assert result.exit_code == 1
    assert one_line(result) == f"xxgk: {taken}: exists and is not a folder; name a folder for the results"
    assert taken.read_text() == "mine"
    endless = runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(tmp_path / "out"), "--timeout", "inf"])
    assert endless.exit_code == 0, endless.output
    nan = runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(tmp_path / "out"), "--timeout", "nan"])
    assert nan.exit_code == 2 and "Traceback" not in nan.output  # refused as any value below 1 is


def make_corpus(folder: Path, copies: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        seed = SEEDS[i % len(SEEDS)]
        (folder / f"{seed.stem}-{i:03d}.txt").write_bytes(seed.read_bytes() + b"\n" * (i + 1))


def test_a_read_only_output_folder_and_a_full_disk_then_resume_when_there_is_room(tmp_path):
    inputs = tmp_path / "in"
    make_corpus(inputs, 12)
    py = f"{sys.executable} -m nlp"
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = in_mount_namespace(
        f"""
        mount -t tmpfs -o size=4m tmpfs {mnt}
        mount -o remount,ro {mnt}
        {py} analyze {inputs} -o {mnt}/out -j 1 > {tmp_path}/ro.out 2> {tmp_path}/ro.err || echo $? > {tmp_path}/ro.rc
        mount -o remount,rw,size=600k {mnt}
        {py} analyze {inputs} -o {mnt}/out -j 1 > {tmp_path}/full.out 2> {tmp_path}/full.err || echo $? > {tmp_path}/full.rc
        mount -o remount,size=64m {mnt}
        {py} analyze {inputs} -o {mnt}/out -j 1 > {tmp_path}/room.out 2> {tmp_path}/room.err || echo $? > {tmp_path}/room.rc
        cp -r {mnt}/out {tmp_path}/out
        """
    )
    assert done.returncode == 0, done.stderr
    read = lambda name: (tmp_path / name).read_text() if (tmp_path / name).exists() else ""  # noqa: E731
    assert read("ro.rc").strip() == "1"
    assert read("ro.err").strip().splitlines() == [
        f"xxgk: {mnt}/out: cannot create the output folder (Read-only file system)"
    ]
    assert read("full.rc").strip() == "1", read("full.out") + read("full.err")
    full = read("full.err").strip().splitlines()
    assert len(full) == 1 and "Traceback" not in read("full.err"), read("full.err")
    assert "full" in full[0] or "No space left" in full[0]
    assert read("room.rc") == "", read("room.err")
    out = tmp_path / "out"
    assert db_rows(out, "PRAGMA integrity_check") == [("ok",)]
    assert db_rows(out, "SELECT COUNT(*) FROM reports") == [(12,)]
    assert all((out / e["output"]).is_file() for e in summary(out))
    assert (out / "review" / "index.html").is_file()


def _analyze_process(corpus: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nlp", "analyze", str(corpus), "-o", str(out), "--jobs", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_stops_like_ctrl_c_with_the_summary_and_no_traceback(tmp_path, number):
    inputs = tmp_path / "in"
    make_corpus(inputs, 40)
    out = tmp_path / "out"
    process = _analyze_process(inputs, out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if (out / DB_NAME).exists() and db_rows(out, "SELECT COUNT(*) FROM reports")[0][0] >= 3:
                break
        except sqlite3.OperationalError:
            pass  # the schema is being created
        time.sleep(0.05)
    process.send_signal(number)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + number, stderr
    assert "Traceback" not in stdout + stderr and "BrokenPipe" not in stderr
    statuses = [e["status"] for e in summary(out)]
    assert statuses.count("ok") >= 3 and statuses.count("pending") >= 1
    assert set(statuses) <= {"ok", "pending"}


HOSTILE_TEXT = "[/]见[link=https:e]此处[/link]\x1b]0;pwned\x07。"


def _report_with_markup() -> str:
    """A report with a paragraph of rich markup and a terminal escape sequence (it retitles the window)."""
    text = SHIJIANG.read_text(encoding="utf-8")
    at = text.index("（二）依申请公开情况")
    return text[:at] + HOSTILE_TEXT + "\n" + text[at:]


def test_markup_and_escape_codes_in_text_and_names_are_shown_as_text(tmp_path):
    name = "[red]x[link=https:x]\x1b]0;title\x07.txt"
    report = tmp_path / name
    report.write_text(_report_with_markup(), encoding="utf-8")
    wide = {"COLUMNS": "400"}  # no cell folded over two lines
    shown = runner.invoke(app, ["show", str(report)], env=wide)
    assert shown.exit_code == 0, shown.output
    assert "[/]见[link=https:e]此处[/link]\\x1b]0;pwned\\x07。" in shown.output
    assert "\x1b]" not in shown.output and "\x07" not in shown.output  # (colours may be there: rich's own)
    out = tmp_path / "out"
    analysed = runner.invoke(app, ["analyze", str(report), "-o", str(out), "-j", "1"], env=wide)
    assert analysed.exit_code == 0, analysed.output
    assert "\x1b]" not in analysed.output and "[red]x[link=https:x]\\x1b]0;title\\x07.txt" in analysed.output
    found = runner.invoke(app, ["search", "此处", "-o", str(out)], env=wide)
    assert found.exit_code == 0, found.output
    assert "[/]见[link=https:e]此处[/link]" in found.output and "\x1b]" not in found.output
    missing = runner.invoke(app, ["parse", str(tmp_path / "\x1b]0;x\x07.txt")])
    assert "\x1b]" not in missing.output and one_line(missing).endswith("\\x1b]0;x\\x07.txt: no such file")


def _encrypted_pdf() -> bytes:
    """A PDF with the standard security handler and a user password (not the empty one)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1, b"ab" * 16, b"ab" * 16,
    )  # fmt: skip
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_a_password_pdf_is_said_to_be_encrypted_and_utf32_text_is_read(tmp_path):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(_encrypted_pdf())
    result = runner.invoke(app, ["parse", str(locked)])
    assert result.exit_code == 1
    assert one_line(result) == f"xxgk: {locked}: encrypted PDF: it needs a password to open"
    utf8 = read_document(SHIJIANG)
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):  # with a BOM, and without one either way
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(SHIJIANG.read_text(encoding="utf-8").encode(encoding))
        document = read_document(path)
        assert document.encoding == encoding and document.blocks == utf8.blocks


def test_an_unreadable_file_is_one_line_not_a_usage_error(tmp_path):
    base = Path(
        tempfile.mkdtemp(prefix="xxgk-unreadable-")
    )  # pytest's own folder is 0700: not for another user
    try:
        secret = base / "secret.txt"
        secret.write_bytes(SHIJIANG.read_bytes())
        secret.chmod(0)
        hidden = base / "closed" / "inside.txt"  # in a folder this user may not open
        hidden.parent.mkdir()
        hidden.write_bytes(SHIJIANG.read_bytes())
        hidden.parent.chmod(0o700)
        base.chmod(0o755)
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        for command, file in (("parse", secret), ("show", hidden)):
            result = subprocess.run(
                [*as_user, sys.executable, "-m", "nlp", command, str(file)],
                capture_output=True, text=True, cwd=ROOT, timeout=120,
            )  # fmt: skip
            assert result.returncode == 1
            assert one_line(result) == f"xxgk: {file}: cannot read file (Permission denied)"
    finally:
        shutil.rmtree(base)


def test_a_database_of_another_program_is_refused_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        db.execute("CREATE TABLE people (name TEXT)")
        db.commit()
    result = runner.invoke(app, ["analyze", str(SHIJIANG), "-o", str(out)])
    assert result.exit_code == 1
    assert "not an xxgk results database (it holds another program's tables: people)" in one_line(result)
    assert db_rows(out, "SELECT name FROM sqlite_master") == [("people",)]


def test_results_on_read_only_media_are_searched_reported_and_exported(results, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    written = tmp_path / "written"
    py = f"{sys.executable} -m nlp"
    done = in_mount_namespace(
        f"""
        mount -t tmpfs tmpfs {media}
        cp {results / DB_NAME} {media}/
        mount -o remount,ro {media}
        {py} search 政府信息 -o {media} > {tmp_path}/search.out 2>&1
        {py} report -o {media} --to {written}/review > {tmp_path}/report.out 2>&1
        {py} export -o {media} --to {written}/export > {tmp_path}/export.out 2>&1
        ! {py} report -o {media} > {tmp_path}/report-here.out 2>&1
        {sys.executable} -c "from pathlib import Path; from nlp.review.serve import datasette_command; print(datasette_command(Path('{media}'), '127.0.0.1', 8001))" > {tmp_path}/serve.out 2>&1
        """
    )
    assert done.returncode == 0, done.stderr + "".join(p.read_text() for p in tmp_path.glob("*.out"))
    assert (written / "review" / "index.html").is_file()
    assert (written / "export" / "reports.csv").is_file()
    assert "政府信息" in (tmp_path / "search.out").read_text()
    refused = (tmp_path / "report-here.out").read_text().strip().splitlines()
    assert len(refused) == 1 and "Read-only file system" in refused[0], refused
    assert (
        f"'-i', '{media}/{DB_NAME}'" in (tmp_path / "serve.out").read_text()
    )  # Datasette opens it immutable


def test_output_files_follow_the_umask(tmp_path):
    out = tmp_path / "out"
    result = xxgk("analyze", str(SHIJIANG), "-o", str(out), "-j", "1", preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    files = [out / "shijiang-township_2020.json", out / "summary.json", out / "review" / "index.html"]
    files += list((out / "review" / "reports").iterdir())
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o640)}
    assert oct(stat.S_IMODE((out / "review").stat().st_mode)) == oct(0o750)
