"""Writing results: one JSON document per report, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from nlp.models import Report

REVIEW_FOLDER = "review"  # the review pages' folder inside an output folder


def report_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def write_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename: never a half-written file.

    `durable` also waits for the disk (fsync), so that the file survives a power cut; a batch
    skips that for report JSON, which it can rewrite from its database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_name(source: Path, sha256: str, taken: set[str]) -> str:
    """A JSON file name for a report: its stem, made unique with the content hash if needed."""
    for name in (f"{source.stem}.json", f"{source.stem}.{sha256[:8]}.json", f"{source.stem}.{sha256}.json"):
        if name not in taken:
            taken.add(name)
            return name
    raise ValueError(f"{source}: the names for content {sha256} are all taken")
