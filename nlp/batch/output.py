"""Writing results: one JSON document per report, written atomically, into an output folder that
one run at a time holds."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

from nlp.models import Report
from nlp.read.files import path_text

REVIEW_FOLDER = "review"  # the review pages' folder inside an output folder
REVIEW_MARKER = ".xxgk-review"  # in every folder of review pages: what they were written from
LOCK_NAME = ".xxgk.lock"
TEMPORARY_PREFIX = ".xxgk-tmp-"  # write_atomic's temporaries: short, whatever the final name
_NAME_BYTES = 255  # the longest file name Linux, macOS and Windows file systems take
_STEM_BYTES = 180  # room for ".<hash>.json" after it


class OutputError(Exception):
    """The output folder cannot be used: not a folder, not writable, held by another run."""


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


@cache
def _umask() -> int:
    """The process's umask (read once: setting it to read it back is the only portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from open(): 0o666 less the umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    return 0o777 & ~_umask()


def temporary_name(final: str) -> str:
    """A temporary name beside `final`, unique and short (a long final name must still fit)."""
    digest = hashlib.sha256(os.fsencode(final)).hexdigest()[:12]
    return f"{TEMPORARY_PREFIX}{digest}-{secrets.token_hex(6)}"


def write_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename: never a half-written file.

    `durable` also waits for the disk (fsync), so that the file survives a power cut; a batch
    skips that for report JSON, which it can rewrite from its database. The file gets the mode
    open() would give it (the umask decides), not mkstemp's private 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temporary_name(path.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), file_mode())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_temporaries(folder: Path) -> None:
    """Files half-written when an earlier run was killed (write_atomic's temporaries). Only the
    run holding the folder's lock calls this, so no running writer loses its file. (`.NAME.json.*`:
    the temporaries of versions that named them after the file.)"""
    for leftover in [*folder.glob(f"{TEMPORARY_PREFIX}*"), *folder.glob(".*.json.*")]:
        if leftover.is_file():
            leftover.unlink(missing_ok=True)


def _short_stem(stem: str) -> str:
    """The stem cut to _STEM_BYTES of UTF-8 at a character boundary."""
    raw = stem.encode("utf-8")
    if len(raw) <= _STEM_BYTES:
        return stem
    return raw[:_STEM_BYTES].decode("utf-8", "ignore")


def output_name(source: Path, key: str, taken: set[str]) -> str:
    """The JSON file name of an input: its stem when that is free and short, otherwise the stem
    (shortened) with a hash of the input's key (its resolved path, unique among the inputs), so
    that no two inputs ever share a name and no name passes 255 bytes."""
    stem = path_text(source.stem)
    first = f"{stem}.json"
    if len(first.encode("utf-8")) <= _NAME_BYTES and first not in taken:
        taken.add(first)
        return first
    for attempt in range(1000):
        digest = hashlib.sha256(f"{key}\0{attempt}".encode("utf-8", "backslashreplace")).hexdigest()[:16]
        name = f"{_short_stem(stem)}.{digest}.json"
        if name not in taken:
            taken.add(name)
            return name
    raise AssertionError("1000 hash collisions")  # never: 16 hex digits are 2^64 names


_HELD: dict[Path, list[int]] = {}  # folder → [lock file descriptor, holders in this process]


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder for this run: a second run into it (another process) stops at once
    with an OutputError instead of writing the same JSON names and database beside this one.
    The lock (flock) goes with the process: a killed run leaves nothing to clean up. Within one
    process it can be taken again (the batch inside `xxgk analyze`, then its review pages)."""
    key = folder.resolve()
    held = _HELD.get(key)
    if held is None:
        held = _HELD[key] = [_lock(folder), 0]
    held[1] += 1
    try:
        yield
    finally:
        held[1] -= 1
        if held[1] == 0:
            del _HELD[key]
            os.close(held[0])  # releases the lock


def _lock(folder: Path) -> int:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), file_mode())
    except OSError as exc:
        raise OutputError(f"{path_text(folder)}: cannot write here ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise OutputError(
                f"{path_text(folder)}: another xxgk run is writing to this folder"
                + (f" (process {holder})" if holder.isdigit() else "")
                + "; wait for it to finish or use another output folder"
            ) from None
        raise OutputError(f"{path_text(folder)}: cannot lock ({exc.strerror})") from None
    with suppress(OSError):  # the pid only makes a second run's message more useful
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


_STAGING_PREFIX = ".xxgk-new-"
_RETIRED_PREFIX = ".xxgk-old-"


def _replaceable(target: Path, marker: str, earlier: tuple[str, ...]) -> bool:
    if not target.exists():
        return True
    if not target.is_dir():
        return False
    return (
        not any(target.iterdir()) or (target / marker).exists() or all((target / n).exists() for n in earlier)
    )


@contextmanager
def staged_folder(target: Path, marker: str, earlier: tuple[str, ...] = ()) -> Iterator[Path]:
    """A new, empty folder beside `target` to fill; once the block ends without an error it
    takes `target`'s place (renamed over it), so that `target` is always a whole folder — the
    old one or the new one, never half of each. A run killed halfway leaves the old folder as it
    was (and a hidden folder that the next call removes).

    `target` must be absent, empty, or a folder this function wrote (it holds `marker`, or all
    the `earlier` names: written before there was a marker): a folder of someone else's files is
    never replaced."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if not _replaceable(target, marker, earlier):
        raise OutputError(
            f"{path_text(target)}: exists and is not a folder of xxgk review pages; name a new folder"
        )
    _remove_abandoned(parent)
    staging = parent / f"{_STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir(mode=folder_mode())
    try:
        yield staging
        if target.exists():
            retired = parent / f"{_RETIRED_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(target, retired)
            os.rename(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _remove_abandoned(parent: Path) -> None:
    """Staging folders of runs that were killed (their process is gone)."""
    for leftover in [*parent.glob(f"{_STAGING_PREFIX}*"), *parent.glob(f"{_RETIRED_PREFIX}*")]:
        pid = leftover.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
