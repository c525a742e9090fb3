"""Input files as they come from downloaded folders: limits a user can change, regular files only,
and names that may not be valid UTF-8.

Every limit is here, as data: `Limits` with its defaults, overridden by the environment
(`XXGK_MAX_FILE_MB`, `XXGK_MAX_INFLATED_MB`, `XXGK_MAX_PAGES`) and by the command-line options
of the same names (`--max-file-mb` …). A file past a limit is refused with one line, never read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, fields, replace
from pathlib import Path

from nlp.errors import InputError

_MB = 1 << 20
_UNLIMITED = 1 << 62  # a limit of `inf`


@dataclass(frozen=True)
class Limits:
    """How much one input may make the reader hold. The defaults are ten to a hundred times the
    largest real report seen (a 30-page PDF with pictures is a few MB; a DOCX's XML well under 10 MB)."""

    max_file_mb: float = 200  # the file's own size
    max_inflated_mb: float = 500  # a DOCX (a zip): all its parts unpacked
    max_pages: int = 2000  # a PDF

    @classmethod
    def from_env(cls, **options: float | int | None) -> Limits:
        """Defaults, then `XXGK_MAX_…` variables, then the options given (None: not given)."""
        limits = cls()
        for field in fields(cls):
            value: float | int | None = options.get(field.name)
            if value is None and (text := os.environ.get(f"XXGK_{field.name.upper()}")):
                try:
                    value = int(text) if field.type == "int" else float(text)
                except ValueError:
                    raise ValueError(f"XXGK_{field.name.upper()}={text!r} is not a number") from None
            if value is not None:
                if not value > 0:
                    raise ValueError(f"{field.name.replace('_', '-')} must be a number above 0 (got {value})")
                limits = replace(limits, **{field.name: value})
        return limits

    @property
    def max_file_bytes(self) -> int:
        return int(min(self.max_file_mb * _MB, _UNLIMITED))

    @property
    def max_inflated_bytes(self) -> int:
        return int(min(self.max_inflated_mb * _MB, _UNLIMITED))


# Notes about a folder that sit among reports (README.md, MANIFEST.md, LICENSE.txt): by the
# conventional names of such notes, whatever their case, never by the case of a name itself —
# P020250126563781234567.pdf and PINGTAN2021.TXT are reports.
FOLDER_NOTES = frozenset(
    {"readme", "manifest", "license", "licence", "copying", "notice", "changelog", "changes",
     "history", "authors", "contributing", "install", "todo"}
)  # fmt: skip


def is_folder_note(path: Path) -> bool:
    return path.stem.lower() in FOLDER_NOTES


def path_text(path: str | os.PathLike[str]) -> str:
    """A file name as text that can always be stored, printed and written as UTF-8.

    A name that is not valid UTF-8 (`bad\\xff.txt` from an archive made elsewhere) reaches Python
    with lone surrogates, which SQLite, JSON files and the terminal refuse; its undecodable bytes
    are written as `\\xff` escapes instead. Valid names are unchanged."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def _mb(size: int) -> str:
    return f"{size / _MB:.0f} MB" if size >= 10 * _MB else f"{size / _MB:.1f} MB"


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this mode is not read (a FIFO would block, a device never ends), or None."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return f"not a regular file ({kind})"
    return "not a regular file"


def too_large_reason(size: int, limits: Limits) -> str | None:
    if size > limits.max_file_bytes:
        return f"file is {_mb(size)}, over the limit of {limits.max_file_mb:g} MB (--max-file-mb)"
    return None


def read_input(path: Path, limits: Limits) -> bytes:
    """The bytes of a regular file within the size limit; InputError otherwise.

    The file is opened without blocking (a FIFO would wait for a writer) and checked on the open
    descriptor, so that what is checked is what is read, and never more than the limit is read."""
    name = path_text(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if reason := not_regular_reason(info.st_mode):
            raise InputError(name, reason)
        if reason := too_large_reason(info.st_size, limits):
            raise InputError(name, reason)
        try:
            data = handle.read(limits.max_file_bytes + 1)
        except OSError as exc:
            raise InputError(name, f"cannot read file ({exc.strerror})") from None
    if reason := too_large_reason(len(data), limits):  # it grew while being read
        raise InputError(name, reason)
    return data
