"""Running a batch: find the files, skip what an earlier run finished, analyse the rest in parallel.

Workers (processes on this machine, or a Dask cluster) only compute: each returns a finished
report or an error record. This process alone writes — one database transaction per report,
then the report's JSON file — so a run killed at any moment loses nothing it finished, and the
next run continues where it stopped. Files are keyed by the sha256 of their bytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import math
import multiprocessing
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import islice
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Literal, Protocol

from nlp.batch.output import (
    REVIEW_MARKER,
    OutputError,
    output_lock,
    output_name,
    remove_temporaries,
    report_json,
    write_atomic,
)
from nlp.batch.store import DB_NAME, ErrorRecord, FileState, FileStatus, ReportSummary, ResultStore
from nlp.classify.chinese import clear_segmentation_cache
from nlp.classify.segment import index_words, load_dictionary
from nlp.errors import InputError, NotAReport
from nlp.models import Report
from nlp.read.document import supported_suffixes
from nlp.read.files import Limits, is_folder_note, not_regular_reason, path_text, too_large_reason

SUMMARY_NAME = "summary.json"


# ---------------------------------------------------------------- finding the inputs


@dataclass(frozen=True)
class Skipped:
    """A path that gives no input, and why. `listed`: a file or folder found and left out, which
    summary.json lists; otherwise a path given on the command line that is wrong."""

    path: str
    reason: str
    listed: bool = True


def xxgk_output_folder(folder: Path) -> str | None:
    """Why a folder holds xxgk's own output (results or review pages), or None."""
    if os.path.isfile(folder / DB_NAME):  # os.path: False, not an error, in a folder it cannot read
        return f"an xxgk output folder (it holds {DB_NAME}): results, not reports"
    if os.path.isfile(folder / REVIEW_MARKER):
        return "xxgk review pages, not reports"
    return None


def _output_reason(folder: Path, outputs: set[Path]) -> str | None:
    if folder.resolve() in outputs:
        return "the output folder of this run: results, not reports"
    return xxgk_output_folder(folder)


def _entry_problem(path: Path) -> str | None:
    """Why a file found in a folder cannot be an input (a FIFO, a device, a broken link), or None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "vanished while the folder was read"
    except OSError as exc:
        return f"cannot read file ({exc.strerror})"
    return not_regular_reason(mode)


def _walk_folder(folder: Path, suffixes: set[str], skipped: list[Skipped], outputs: set[Path]) -> list[Path]:
    """Report files under a folder in name order; hidden files and folders are not looked at,
    xxgk output folders are left out, and every other file left out is in `skipped`."""
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        skipped.append(Skipped(path_text(exc.filename), f"cannot read folder ({exc.strerror})"))

    visited = {os.path.realpath(folder)}  # linked folders are followed, each once (no loops)
    for top, dirs, names in os.walk(folder, onerror=unreadable, followlinks=True):
        here = Path(top)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            if name.startswith("."):
                continue
            if reason := _output_reason(sub, outputs):
                skipped.append(Skipped(path_text(sub), reason))
                continue
            if (real := os.path.realpath(sub)) in visited:
                skipped.append(Skipped(path_text(sub), "a link to a folder already read"))
                continue
            visited.add(real)
            kept.append(name)
        dirs[:] = kept  # os.walk goes into these only, in this order
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in suffixes:
                continue
            if is_folder_note(path):
                skipped.append(
                    Skipped(path_text(path), f"a note about the folder ({path.stem}), not a report")
                )
            elif reason := _entry_problem(path):
                skipped.append(Skipped(path_text(path), reason))
            else:
                found.append(path)
    return sorted(found)  # by path, as the files of a folder were always listed


def collect_inputs(paths: list[Path], output: Path | None = None) -> tuple[list[Path], list[Skipped]]:
    """Report files under the given paths (folders recursively, each file once), and every path
    that gives none with the reason. The output folder (`output`) and any other xxgk output
    folder are never read: their review pages would come back as new reports."""
    suffixes = set(supported_suffixes())
    outputs = {output.resolve()} if output is not None else set()
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            if reason := _output_reason(path, outputs):
                skipped.append(Skipped(path_text(path), reason, listed=False))
                continue
            found = _walk_folder(path, suffixes, skipped, outputs)
            if not found:
                skipped.append(
                    Skipped(
                        path_text(path),
                        "folder contains no report files (" + ", ".join(sorted(suffixes)) + ")",
                        listed=False,
                    )
                )
        elif path.exists() or path.is_symlink():
            if reason := _entry_problem(path):
                skipped.append(Skipped(path_text(path), reason))
                continue
            found = [path]
        else:
            skipped.append(Skipped(path_text(path), "no such file or folder", listed=False))
            continue
        for file in found:
            if (resolved := file.resolve()) not in seen:
                seen.add(resolved)
                files.append(file)
    return files, skipped


# ---------------------------------------------------------------- the work of one file


@dataclass(frozen=True)
class Task:
    """One file to analyse: the path as the user gave it (as text that can always be stored),
    where a worker reads it, its content hash, and the limits of what it may read."""

    source: str
    location: str
    sha256: str
    limits: Limits = field(default_factory=Limits)


@dataclass
class Analysed:
    """A finished report and what the worker prepares so the single writer only has to store it."""

    report: Report
    document: str
    paragraph_words: list[str]
    item_words: list[str]
    seconds: float


@dataclass(frozen=True)
class Failed:
    status: FileStatus
    stage: str
    message: str


Outcome = Analysed | Failed


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None on a C library without it (macOS, musl)."""
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


def release_freed_memory() -> None:
    """Hand the heap a report freed back to the system. glibc keeps freed memory for reuse, so a
    worker that once read a large report holds that much for good: about 23 MB per worker."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def analyze_task(task: Task) -> Outcome:
    """Analyse one file. Never raises: any problem becomes a Failed record naming the stage."""
    from nlp.batch.pipeline import analyze_file  # in the workers only: the writer needs no model

    started = time.perf_counter()
    try:
        report = analyze_file(task.location, task.limits)
    except NotAReport as exc:
        return Failed("not_a_report", exc.stage, exc.problem)
    except InputError as exc:
        return Failed("failed", exc.stage, exc.problem)
    except Exception as exc:  # a bug or an unforeseen document: record it, the batch goes on
        return Failed("failed", "analyze", f"internal error ({type(exc).__name__}: {exc})")
    report.source.path = task.source
    analysed = Analysed(
        report=report,
        document=report_json(report),
        paragraph_words=[index_words(p.text) for p in report.paragraphs],
        item_words=[index_words(i.text) for i in report.items],
        seconds=time.perf_counter() - started,
    )
    clear_segmentation_cache()  # it serves the stages of one report; across reports it only grows
    release_freed_memory()
    return analysed


# ---------------------------------------------------------------- engines


class Engine(Protocol):
    def results(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, Outcome]]:
        """Outcomes in the order they finish; stops the workers when closed."""
        ...


def _start_method() -> multiprocessing.context.BaseContext:
    """forkserver: workers fork from a clean process that has imported the pipeline once."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nlp.batch.runner", "nlp.batch.preload"])
        return context
    return multiprocessing.get_context("spawn")


def _import_path() -> list[str]:
    """This process's module path without the working folder ('' or its absolute path), unless
    that is where xxgk itself was found (a source checkout run from its root)."""
    here = os.path.realpath(os.getcwd())
    own = os.path.realpath(Path(__file__).resolve().parents[2])
    return [p for p in sys.path if os.path.realpath(p or ".") != here or here == own]


@contextmanager
def _safe_imports() -> Iterator[None]:
    """While a worker process (or the forkserver) starts: Python started with `-c` puts the
    working folder first on its module path, so a `jieba.py` or `multiprocessing.py` in the
    folder a user runs xxgk from would be imported and run. PYTHONSAFEPATH keeps it off, and
    PYTHONPATH hands the child this process's path (less the working folder) instead."""
    saved = {name: os.environ.get(name) for name in ("PYTHONSAFEPATH", "PYTHONPATH")}
    os.environ["PYTHONSAFEPATH"] = "1"
    os.environ["PYTHONPATH"] = os.pathsep.join(_import_path())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def stop_forkserver() -> None:
    """End the forkserver when no more batches will run in this process: it holds the whole
    pipeline (about 250 MB) until the interpreter exits, beside the review pages `xxgk analyze`
    writes after the batch. The standard library has no public call for it; `_stop` is the one
    its own tests use. A later batch would start a new forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:  # a private call: a Python without it keeps the server until exit
            stop()


_STARTED = "started"


def _worker_main(conn: Connection, work: Callable[[Task], Outcome]) -> None:
    # Signals are the parent's to handle: it records what is left and then stops the workers. A
    # parent killed outright is seen as a closed pipe, and the worker ends without a word.
    for number in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
    load_dictionary()
    while True:
        try:
            task = conn.recv()
            if task is None:
                return
            conn.send(_STARTED)  # the timeout runs from here, not from while the worker was starting
            conn.send(work(task))
        except (EOFError, OSError):  # the parent is gone (killed): stop too
            return


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, work: Callable[[Task], Outcome]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, work), daemon=True)
        with _safe_imports():
            self.process.start()
        child.close()
        self.task: Task | None = None
        self.started: float | None = None  # when the worker took up its task

    def give(self, task: Task) -> None:
        self.task, self.started = task, None
        self.conn.send(task)

    def outcome(self, timeout: float | None) -> Outcome | None:
        """The result of its file once there is one: sent back, or a crash, or the timeout."""
        while self.conn.poll():
            try:
                message = self.conn.recv()
            except EOFError:  # it died before it could answer
                self.process.join(5)
                break
            if message != _STARTED:
                return message
            self.started = time.monotonic()
        if not self.process.is_alive():
            return Failed("failed", "worker", f"worker process died (exit code {self.process.exitcode})")
        if timeout is not None and self.started is not None and time.monotonic() - self.started >= timeout:
            return Failed("failed", "timeout", f"stopped after {timeout:g} s")
        return None

    def stop(self) -> None:
        if self.task is None and self.process.is_alive():
            with suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class LocalEngine:
    """Worker processes on this machine, one file each at a time.

    A worker that dies (a crash in a reader library) or runs past the timeout is replaced and
    its file recorded as failed; the other files go on.
    """

    def __init__(self, jobs: int, timeout: float, work: Callable[[Task], Outcome] = analyze_task) -> None:
        self.jobs = max(1, jobs)
        self.timeout = None if math.isinf(timeout) else timeout  # inf: no limit
        self.work = work  # a module-level function, so that workers can import it

    def results(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, Outcome]]:
        queue = iter(tasks)
        first = list(islice(queue, self.jobs))
        if not first:
            return
        context = _start_method()
        workers = [_Worker(context, self.work) for _ in first]
        try:
            for worker, task in zip(workers, first, strict=True):
                worker.give(task)
            while busy := [w for w in workers if w.task is not None]:
                running = [w.started for w in busy if w.started is not None]
                deadline = min(running) + self.timeout if running and self.timeout is not None else None
                wait(  # until a worker answers or dies, or the oldest file times out
                    [w.conn for w in busy] + [w.process.sentinel for w in busy],
                    timeout=None if deadline is None else max(0.0, deadline - time.monotonic()),
                )
                for worker in busy:
                    task = worker.task
                    assert task is not None
                    outcome = worker.outcome(self.timeout)
                    if outcome is None:
                        continue
                    if isinstance(outcome, Failed) and outcome.stage in ("worker", "timeout"):
                        worker.stop()  # kills it: it is dead or stuck
                        workers[workers.index(worker)] = worker = _Worker(context, self.work)
                    worker.task = None
                    if (following := next(queue, None)) is not None:
                        worker.give(
                            following
                        )  # before the outcome is stored: workers never wait on the writer
                    yield task, outcome
        finally:
            for worker in workers:
                worker.stop()


class DaskEngine:
    """The same work on a Dask distributed cluster; its workers must see the files at the same paths."""

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler

    def results(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, Outcome]]:
        from distributed import Client, as_completed

        queue = iter(tasks)
        with Client(self.scheduler) as client:
            # Enough in flight to keep every worker thread busy, few enough to keep memory flat.
            window = 2 * max(1, sum(client.nthreads().values()))
            submitted: dict[str, Task] = {}

            def submit(task: Task):  # -> distributed.Future
                future = client.submit(analyze_task, task, key=f"xxgk-analyze-{task.sha256}", pure=False)
                submitted[future.key] = task
                return future

            running = as_completed([submit(t) for t in islice(queue, window)])
            for future in running:
                task = submitted.pop(future.key)
                try:
                    outcome = future.result()
                except Exception as exc:  # the task's worker died or the task was lost
                    outcome = Failed("failed", "worker", f"dask task {future.status}: {exc!r}")
                future.release()
                if (following := next(queue, None)) is not None:
                    running.add(submit(following))
                yield task, outcome


# ---------------------------------------------------------------- the run


@dataclass
class FileResult:
    """One input of this run and what became of it: a line of summary.json."""

    source: str
    kind: str  # file suffix without the dot ("folder" for a folder left out)
    status: FileStatus | Literal["pending", "skipped"]
    resumed: bool = False
    sha256: str | None = None
    output: str | None = None
    report: ReportSummary | None = None
    stage: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        entry: dict[str, object] = {"source": self.source, "status": self.status, "sha256": self.sha256}
        if self.status == "ok":
            assert self.report is not None
            entry |= {"output": self.output, "checks_failed": self.report.checks_failed}
        elif self.status == "skipped":
            entry["reason"] = self.error
        elif self.status != "pending":
            entry |= {"stage": self.stage, "error": self.error}
        entry["resumed"] = self.resumed
        return entry


@dataclass
class BatchResult:
    files: list[FileResult]
    analysed: int
    seconds: float
    interrupted: bool

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, result: FileResult) -> None: ...


@dataclass
class _Planned:
    index: int
    source: Path
    state: FileState  # stat and content hash now; `output` is the JSON name it gets


def _kind(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def _hash_input(path: Path, limits: Limits) -> tuple[os.stat_result, str | None, str | None]:
    """The file's stat and the sha256 of its bytes, or the reason it is not read (not a regular
    file, past the size limit). Opened without blocking and checked on the open descriptor."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if reason := not_regular_reason(info.st_mode) or too_large_reason(info.st_size, limits):
            return info, None, reason
        digest = hashlib.sha256()
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return info, digest.hexdigest(), None


def _with_source(document: str, source: str) -> str:
    """A stored document as the JSON of another file with the same content."""
    doc = json.loads(document)
    if doc["source"]["path"] == source:
        return document
    doc["source"]["path"] = source
    return json.dumps(doc, ensure_ascii=False, indent=2)


def prepare_output(output: Path) -> None:
    """Make the output folder, or say in one line why it cannot be one."""
    if output.exists() and not output.is_dir():
        raise OutputError(f"{path_text(output)}: exists and is not a folder; name a folder for the results")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path_text(output)}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(output, os.W_OK):
        raise OutputError(f"{path_text(output)}: cannot write here (read-only)")


def run_batch(
    inputs: list[Path],
    output: Path,
    engine: Engine,
    *,
    force: bool = False,
    absolute_paths: bool = False,
    progress: Progress | None = None,
    limits: Limits | None = None,
    skipped: Iterable[Skipped] = (),
) -> BatchResult:
    """Analyse every input not finished by an earlier run (all with `force`) into `output`.

    Holds the output folder's lock throughout (OutputError when another run holds it). A file
    system that fails under it (full disk, read-only, removed) stops the run with an
    OutputError; what was committed stays, and the next run continues."""
    started = time.perf_counter()
    prepare_output(output)
    with output_lock(output):
        remove_temporaries(output)
        store = ResultStore(output / DB_NAME)
        try:
            run = _Run(store, output, engine, force, absolute_paths, progress, limits or Limits.from_env())
            return run.run(inputs, [s for s in skipped if s.listed], started)
        except sqlite3.Error as exc:
            raise OutputError(f"{path_text(output / DB_NAME)}: cannot write the database ({exc})") from None
        except OSError as exc:
            where = path_text(exc.filename) if exc.filename else path_text(output)
            raise OutputError(f"{where}: cannot write ({exc.strerror or exc})") from None
        finally:
            with suppress(sqlite3.Error):
                store.close()


class _Run:
    def __init__(
        self,
        store: ResultStore,
        output: Path,
        engine: Engine,
        force: bool,
        absolute_paths: bool,
        progress: Progress | None,
        limits: Limits,
    ) -> None:
        self.store, self.output, self.engine = store, output, engine
        self.force, self.absolute_paths, self.progress = force, absolute_paths, progress
        self.limits = limits

    def run(self, inputs: list[Path], skipped: list[Skipped], started: float) -> BatchResult:
        results = [FileResult(path_text(p), _kind(p), "pending") for p in inputs]
        if self.progress:
            self.progress.start(len(inputs))
        todo = self._plan(inputs, results)
        tasks = [self._task(group[0].source, sha256) for sha256, group in todo.items()]
        analysed = 0
        interrupted = False
        try:
            with closing(self.engine.results(tasks)) as outcomes:
                for task, outcome in outcomes:
                    for planned, result in self._store(task, outcome, todo[task.sha256]):
                        results[planned.index] = result
                        if self.progress:
                            self.progress.advance(result)
                    analysed += 1
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP as `xxgk analyze` turns them
            interrupted = True
            self._settle_interrupted(todo, results)
        finally:
            results += [self._skipped(s) for s in skipped]
            write_atomic(
                self.output / SUMMARY_NAME,
                json.dumps([f.as_json() for f in results], ensure_ascii=False, indent=2),
            )
        return BatchResult(results, analysed, time.perf_counter() - started, interrupted)

    @staticmethod
    def _skipped(skipped: Skipped) -> FileResult:
        path = Path(skipped.path)
        kind = _kind(path) if path.suffix else "folder"
        return FileResult(skipped.path, kind, "skipped", stage="find", error=skipped.reason)

    def _settle_interrupted(self, todo: dict[str, list[_Planned]], results: list[FileResult]) -> None:
        """Files committed when the run was stopped but not yet counted: the database has the
        last word. A content still to be redone by --force is pending, not finished."""
        redo = self.store.redo_pending()
        finished = self.store.finished_reports()
        errors = self.store.recorded_errors()
        for sha256, group in todo.items():
            if sha256 in redo:
                continue
            for planned in group:
                result = results[planned.index]
                if result.status != "pending":
                    continue
                result.sha256 = sha256
                if sha256 in finished:
                    result.status, result.report, result.output = "ok", finished[sha256], planned.state.output
                elif sha256 in errors:
                    error = errors[sha256]
                    result.status, result.stage, result.error = error.status, error.stage, error.message

    def _task(self, source: Path, sha256: str) -> Task:
        location = os.fspath(source.resolve()) if self.absolute_paths else os.fspath(source)
        return Task(path_text(source), location, sha256, self.limits)

    def _plan(self, inputs: list[Path], results: list[FileResult]) -> dict[str, list[_Planned]]:
        """Settle every file an earlier run finished; group the others by content."""
        known = self.store.known_files()
        redo = self.store.redo_pending()
        finished = {k: v for k, v in self.store.finished_reports().items() if k not in redo}
        errors = {k: v for k, v in self.store.recorded_errors().items() if k not in redo}
        taken = {f.output for f in known.values() if f.output}
        todo: dict[str, list[_Planned]] = {}
        changed: list[FileState] = []
        for index, source in enumerate(inputs):
            key = path_text(source.resolve())
            before = known.get(key)
            try:
                stat = source.stat()
                unchanged = before and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
                sha256 = before.sha256 if unchanged and before.sha256 else None
                refused = None
                if sha256 is None:
                    stat, sha256, refused = _hash_input(source, self.limits)
            except OSError as exc:
                refused = f"cannot read file ({exc.strerror})"
            if refused is not None or sha256 is None:
                results[index] = self._record_refused(source, key, before, refused or "cannot read file")
                continue
            name = before.output if before and before.output else output_name(source, key, taken)
            state = FileState(key, stat.st_size, stat.st_mtime_ns, sha256, name, "ok")
            result = results[index]
            if not self.force and sha256 in finished:
                self._ensure_json(state, path_text(source))
                result.status, result.report, result.output = "ok", finished[sha256], name
            elif not self.force and sha256 in errors:
                error = errors[sha256]
                self._remove_json(state.output)
                state = replace(state, output=None, status=error.status)
                result.status, result.stage, result.error = error.status, error.stage, error.message
            else:
                todo.setdefault(sha256, []).append(_Planned(index, source, state))
                continue
            result.resumed, result.sha256 = True, sha256
            if state != before:
                changed.append(state)
            if self.progress:
                self.progress.advance(result)
        if changed:
            self.store.save_files(changed)
        if self.force and todo:
            self.store.mark_redo(todo)
        return todo

    def _record_refused(self, source: Path, key: str, before: FileState | None, reason: str) -> FileResult:
        """A file not read at all (unreadable, not a regular file, past the size limit): its
        earlier result, if any, is no longer its current one."""
        error = ErrorRecord(key, None, "failed", "read", reason)
        files = [FileState(key, before.size, before.mtime_ns, None, None, "failed")] if before else []
        self.store.save_error(error, files)
        if before:
            self._remove_json(before.output)
        result = FileResult(
            path_text(source), _kind(source), "failed", stage=error.stage, error=error.message
        )
        if self.progress:
            self.progress.advance(result)
        return result

    def _remove_json(self, name: str | None) -> None:
        if name:
            (self.output / name).unlink(missing_ok=True)

    def _ensure_json(self, state: FileState, source: str) -> None:
        """A finished report's JSON file, rewritten from the database if it is not there."""
        assert state.output is not None and state.sha256 is not None
        path = self.output / state.output
        if not path.exists() or path.stat().st_size == 0:  # empty: written without fsync before a power cut
            write_atomic(path, _with_source(self.store.document(state.sha256), source), durable=False)

    def _store(
        self, task: Task, outcome: Outcome, group: list[_Planned]
    ) -> Iterator[tuple[_Planned, FileResult]]:
        """Commit the outcome of one content for all its files, then write each file's JSON."""
        if isinstance(outcome, Failed):
            first = group[0].state
            self.store.save_error(
                ErrorRecord(first.path, task.sha256, outcome.status, outcome.stage, outcome.message),
                [replace(p.state, output=None, status=outcome.status) for p in group],
            )
            for planned in group:
                self._remove_json(planned.state.output)  # an earlier content's report
                result = FileResult(path_text(planned.source), _kind(planned.source), outcome.status)
                result.sha256, result.stage, result.error = task.sha256, outcome.stage, outcome.message
                yield planned, result
            return
        report = outcome.report
        sha256 = report.source.sha256  # the bytes the worker read (the file may have changed since)
        summary = self.store.save_report(
            report,
            outcome.document,
            outcome.paragraph_words,
            outcome.item_words,
            outcome.seconds,
            [replace(p.state, sha256=sha256) for p in group],
        )
        for planned in group:
            assert planned.state.output is not None
            source = path_text(planned.source)
            document = outcome.document if source == task.source else _with_source(outcome.document, source)
            write_atomic(self.output / planned.state.output, document, durable=False)
            result = FileResult(source, _kind(planned.source), "ok", sha256=sha256)
            result.report, result.output = summary, planned.state.output
            yield planned, result
