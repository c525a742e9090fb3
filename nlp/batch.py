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
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Literal, Protocol

from nlp.chinese import clear_segmentation_cache
from nlp.errors import InputError, NotAReport
from nlp.ingest import supported_suffixes
from nlp.models import Report
from nlp.output import output_name, report_json, write_atomic
from nlp.segment import index_words, load_dictionary
from nlp.store import DB_NAME, ErrorRecord, FileState, FileStatus, ReportSummary, ResultStore

SUMMARY_NAME = "summary.json"


# ---------------------------------------------------------------- finding the inputs


def collect_inputs(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Report files under the given paths (folders recursively, each file once) and wrong paths."""
    suffixes = set(supported_suffixes())
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not p.stem.isupper()  # README.md, MANIFEST.md: notes about a folder, not reports
            )
            if not found:
                problems.append(
                    (str(path), "folder contains no report files (" + ", ".join(sorted(suffixes)) + ")")
                )
        elif path.is_file():
            found = [path]
        else:
            problems.append((str(path), "no such file or folder"))
            continue
        for file in found:
            if (resolved := file.resolve()) not in seen:
                seen.add(resolved)
                files.append(file)
    return files, problems


# ---------------------------------------------------------------- the work of one file


@dataclass(frozen=True)
class Task:
    """One file to analyse: the path as the user gave it, where a worker reads it, its content hash."""

    source: str
    location: str
    sha256: str


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
    from nlp.pipeline import analyze_file  # in the workers only: the writer needs no model

    started = time.perf_counter()
    try:
        report = analyze_file(task.location)
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
        context.set_forkserver_preload(["nlp.batch", "nlp.preload"])
        return context
    return multiprocessing.get_context("spawn")


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
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    load_dictionary()
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the parent is gone (killed): stop too
            return
        if task is None:
            return
        conn.send(_STARTED)  # the timeout runs from here, not from while the worker was starting
        conn.send(work(task))


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, work: Callable[[Task], Outcome]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, work), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.started: float | None = None  # when the worker took up its task

    def give(self, task: Task) -> None:
        self.task, self.started = task, None
        self.conn.send(task)

    def outcome(self, timeout: float) -> Outcome | None:
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
        if self.started is not None and time.monotonic() - self.started >= timeout:
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
        self.timeout = timeout
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
                deadline = min(running) + self.timeout if running else None
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
    kind: str  # file suffix without the dot
    status: FileStatus | Literal["pending"]
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _with_source(document: str, source: str) -> str:
    """A stored document as the JSON of another file with the same content."""
    doc = json.loads(document)
    if doc["source"]["path"] == source:
        return document
    doc["source"]["path"] = source
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _remove_stale_temporaries(output: Path) -> None:
    """JSON files half-written when an earlier run was killed (write_atomic's temporaries)."""
    for leftover in output.glob(".*.json.*"):
        leftover.unlink(missing_ok=True)


def run_batch(
    inputs: list[Path],
    output: Path,
    engine: Engine,
    *,
    force: bool = False,
    absolute_paths: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """Analyse every input not finished by an earlier run (all with `force`) into `output`."""
    started = time.perf_counter()
    output.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(output)
    store = ResultStore(output / DB_NAME)
    try:
        return _Run(store, output, engine, force, absolute_paths, progress).run(inputs, started)
    finally:
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
    ) -> None:
        self.store, self.output, self.engine = store, output, engine
        self.force, self.absolute_paths, self.progress = force, absolute_paths, progress

    def run(self, inputs: list[Path], started: float) -> BatchResult:
        results = [FileResult(str(p), _kind(p), "pending") for p in inputs]
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
        except KeyboardInterrupt:
            interrupted = True
            self._settle_interrupted(todo, results)
        write_atomic(
            self.output / SUMMARY_NAME,
            json.dumps([f.as_json() for f in results], ensure_ascii=False, indent=2),
        )
        return BatchResult(results, analysed, time.perf_counter() - started, interrupted)

    def _settle_interrupted(self, todo: dict[str, list[_Planned]], results: list[FileResult]) -> None:
        """Files committed when Ctrl-C came but not yet counted: the database has the last word."""
        finished = self.store.finished_reports()
        errors = self.store.recorded_errors()
        for sha256, group in todo.items():
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
        location = str(source.resolve()) if self.absolute_paths else str(source)
        return Task(str(source), location, sha256)

    def _plan(self, inputs: list[Path], results: list[FileResult]) -> dict[str, list[_Planned]]:
        """Settle every file an earlier run finished; group the others by content."""
        known = self.store.known_files()
        finished = self.store.finished_reports()
        errors = self.store.recorded_errors()
        taken = {f.output for f in known.values() if f.output}
        todo: dict[str, list[_Planned]] = {}
        changed: list[FileState] = []
        for index, source in enumerate(inputs):
            key = str(source.resolve())
            try:
                stat = source.stat()
                before = known.get(key)
                unchanged = before and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
                sha256 = (before.sha256 if unchanged else None) or _sha256(source)
            except OSError as exc:
                results[index] = self._record_unreadable(source, key, exc, results[index])
                continue
            name = before.output if before and before.output else output_name(source, sha256, taken)
            state = FileState(key, stat.st_size, stat.st_mtime_ns, sha256, name, "ok")
            result = results[index]
            if not self.force and sha256 in finished:
                self._ensure_json(state, str(source))
                result.status, result.report, result.output = "ok", finished[sha256], name
            elif not self.force and sha256 in errors:
                error = errors[sha256]
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
        return todo

    def _record_unreadable(self, source: Path, key: str, exc: OSError, result: FileResult) -> FileResult:
        error = ErrorRecord(key, None, "failed", "read", f"cannot read file ({exc.strerror})")
        self.store.save_error(error, [])
        result.status, result.stage, result.error = "failed", error.stage, error.message
        if self.progress:
            self.progress.advance(result)
        return result

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
                result = FileResult(str(planned.source), _kind(planned.source), outcome.status)
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
            source = str(planned.source)
            document = outcome.document if source == task.source else _with_source(outcome.document, source)
            write_atomic(self.output / planned.state.output, document, durable=False)
            result = FileResult(source, _kind(planned.source), "ok", sha256=sha256)
            result.report, result.output = summary, planned.state.output
            yield planned, result
