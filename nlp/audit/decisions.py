"""Reviewers' decisions and cell corrections, kept in their own tables with an audit trail.

- A decision confirms or dismisses a finding (by its stable id, nlp.audit.findings), with a note, who
  and when. Undo restores what was there before the last change, step by step.
- A correction is a reviewer's value for one cell of a unit's report of a year. It sits beside
  the printed value — the report, its cells and its checks stay as read — and the checks are
  shown for both.
- Every change is one transaction that also appends to `review_log` (before and after).
- Export writes decisions, corrections and the log to a JSON file; import merges another
  reviewer's file: for each finding and cell the later change wins, each taken change is logged,
  and the other reviewer's log entries are kept beside one's own.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from nlp.audit.reviewdb import ReviewError, now, transaction

Decided = Literal["open", "confirmed", "dismissed"]
EXCHANGE_FORMAT = "xxgk-review"
EXCHANGE_VERSION = 1


class Decision(BaseModel):
    finding: str
    decision: Decided
    note: str = ""
    who: str
    at: str
    identity: str  # what the finding was (unit|year|rule|cells), readable without the findings table


class Correction(BaseModel):
    id: str
    unit: str
    year: int | None
    cell: str
    value: float | None
    printed: str | None  # the value as read when the correction was made
    active: bool
    note: str = ""
    who: str
    at: str


class LogEntry(BaseModel):
    uid: str
    at: str
    who: str
    action: Literal["decide", "correct", "undo", "import"]
    target: str  # a finding id or a correction id
    before: dict | None = None
    after: dict | None = None
    origin: Literal["local", "imported"] = "local"
    undone_by: str | None = None


class Exchange(BaseModel):
    """The file two reviewers swap."""

    format: Literal["xxgk-review"] = EXCHANGE_FORMAT
    version: int = EXCHANGE_VERSION
    exported_at: str
    decisions: list[Decision]
    corrections: list[Correction]
    log: list[LogEntry]


class ImportSummary(BaseModel):
    taken: int = 0  # newer than ours, or new to us
    kept: int = 0  # ours is newer
    same: int = 0
    log_entries: int = 0  # of the other reviewer's history, added


def correction_id(unit: str, year: int | None, cell: str) -> str:
    text = f"{unit}|{year if year is not None else '?'}|{cell}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class DecisionStore:
    """The decisions, corrections and log of one results database (a connection from
    nlp.audit.reviewdb.connect)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------

    def decision(self, finding: str) -> Decision | None:
        row = self.db.execute(
            "SELECT finding, decision, note, who, at, identity FROM decisions WHERE finding = ?", (finding,)
        ).fetchone()
        return Decision(**dict(zip(Decision.model_fields, row, strict=True))) if row else None

    def decisions(self) -> list[Decision]:
        rows = self.db.execute("SELECT finding, decision, note, who, at, identity FROM decisions ORDER BY at")
        return [Decision(**dict(zip(Decision.model_fields, r, strict=True))) for r in rows]

    def correction(self, target: str) -> Correction | None:
        row = self.db.execute(
            "SELECT id, unit, year, cell, value, printed, active, note, who, at FROM corrections WHERE id = ?",
            (target,),
        ).fetchone()
        return Correction(**dict(zip(Correction.model_fields, row, strict=True))) if row else None

    def corrections(
        self, unit: str | None = None, year: int | None = None, active: bool = True
    ) -> list[Correction]:
        sql = "SELECT id, unit, year, cell, value, printed, active, note, who, at FROM corrections WHERE 1"
        values: list = []
        if unit is not None:
            sql += " AND unit = ? AND year IS ?"
            values += [unit, year]
        if active:
            sql += " AND active = 1"
        rows = self.db.execute(sql + " ORDER BY unit, year, cell", values)
        return [Correction(**dict(zip(Correction.model_fields, r, strict=True))) for r in rows]

    def log(self, targets: list[str] | None = None) -> list[LogEntry]:
        sql = "SELECT uid, at, who, action, target, before, after, origin, undone_by FROM review_log"
        values: list = []
        if targets is not None:
            sql += f" WHERE target IN ({','.join('?' * len(targets))})"
            values = targets
        entries = []
        for row in self.db.execute(sql + " ORDER BY at, seq", values):
            record = dict(zip(LogEntry.model_fields, row, strict=True))
            record["before"] = json.loads(record["before"]) if record["before"] else None
            record["after"] = json.loads(record["after"]) if record["after"] else None
            entries.append(LogEntry(**record))
        return entries

    # -- changing: one transaction each, logged ------------------------------------------

    def decide(self, finding: str, identity: str, decision: Decided, who: str, note: str = "") -> Decision:
        if not who.strip():
            raise ReviewError("say who decides (--who NAME, or XXGK_REVIEWER)")
        made = Decision(
            finding=finding,
            decision=decision,
            note=note.strip(),
            who=who.strip(),
            at=now(),
            identity=identity,
        )
        with transaction(self.db):
            before = self.decision(finding)
            self._put_decision(made)
            self._log("decide", finding, made.who, before, made)
        return made

    def correct(
        self,
        unit: str,
        year: int | None,
        cell: str,
        value: float,
        printed: str | None,
        who: str,
        note: str = "",
    ) -> Correction:
        if not who.strip():
            raise ReviewError("say who corrects (--who NAME, or XXGK_REVIEWER)")
        made = Correction(
            id=correction_id(unit, year, cell),
            unit=unit,
            year=year,
            cell=cell,
            value=_number(value),
            printed=printed,
            active=True,
            note=note.strip(),
            who=who.strip(),
            at=now(),
        )
        with transaction(self.db):
            before = self.correction(made.id)
            self._put_correction(made)
            self._log("correct", made.id, made.who, before, made)
        return made

    def undo(self, target: str, who: str) -> Decision | Correction:
        """Restore a finding's decision or a cell's correction to what it was before its last
        change not yet undone (an undo of the first change reopens the finding / withdraws the
        correction). Another reviewer's imported history is not undone here."""
        if not who.strip():
            raise ReviewError("say who undoes (--who NAME, or XXGK_REVIEWER)")
        with transaction(self.db):
            row = self.db.execute(
                "SELECT seq, uid, before FROM review_log WHERE target = ? AND undone_by IS NULL"
                " AND origin = 'local' AND action != 'undo' ORDER BY seq DESC LIMIT 1",
                (target,),
            ).fetchone()
            if row is None:
                raise ReviewError(f"{target}: nothing to undo")
            seq, _, before = row
            current: Decision | Correction | None = self.decision(target) or self.correction(target)
            if current is None:
                raise ReviewError(f"{target}: nothing to undo")
            earlier = json.loads(before) if before else None
            restored: Decision | Correction
            if isinstance(current, Decision):
                restored = (
                    Decision(**earlier)
                    if earlier
                    else current.model_copy(update={"decision": "open", "note": ""})
                ).model_copy(update={"who": who.strip(), "at": now()})
                self._put_decision(restored)
            else:
                restored = (
                    Correction(**earlier) if earlier else current.model_copy(update={"active": False})
                ).model_copy(update={"who": who.strip(), "at": now()})
                self._put_correction(restored)
            uid = self._log("undo", target, who.strip(), current, restored)
            self.db.execute("UPDATE review_log SET undone_by = ? WHERE seq = ?", (uid, seq))
        return restored

    def _put_decision(self, d: Decision) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO decisions (finding, decision, note, who, at, identity) VALUES (?, ?, ?, ?, ?, ?)",
            (d.finding, d.decision, d.note, d.who, d.at, d.identity),
        )

    def _put_correction(self, c: Correction) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO corrections (id, unit, year, cell, value, printed, active, note, who, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.id, c.unit, c.year, c.cell, c.value, c.printed, int(c.active), c.note, c.who, c.at),
        )

    def _log(
        self,
        action: str,
        target: str,
        who: str,
        before: BaseModel | None,
        after: BaseModel | None,
    ) -> str:
        uid = uuid.uuid4().hex
        self.db.execute(
            "INSERT INTO review_log (uid, at, who, action, target, before, after, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'local')",
            (
                uid,
                now(),
                who,
                action,
                target,
                before.model_dump_json() if before else None,
                after.model_dump_json() if after else None,
            ),
        )
        return uid

    # -- exchange ------------------------------------------------------------------------

    def export(self) -> Exchange:
        return Exchange(
            exported_at=now(),
            decisions=self.decisions(),
            corrections=self.corrections(active=False),
            log=self.log(),
        )

    def merge(self, other: Exchange, who: str) -> ImportSummary:
        """Take another reviewer's work: per finding and per cell the later change wins."""
        summary = ImportSummary()
        with transaction(self.db):
            for theirs in other.decisions:
                ours = self.decision(theirs.finding)
                self._merge_one(ours, theirs, self._put_decision, theirs.finding, who, summary)
            for theirs in other.corrections:
                ours = self.correction(theirs.id)
                self._merge_one(ours, theirs, self._put_correction, theirs.id, who, summary)
            for entry in other.log:
                added = self.db.execute(
                    "INSERT OR IGNORE INTO review_log (uid, at, who, action, target, before, after, origin, undone_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'imported', ?)",
                    (
                        entry.uid,
                        entry.at,
                        entry.who,
                        entry.action,
                        entry.target,
                        json.dumps(entry.before, ensure_ascii=False) if entry.before else None,
                        json.dumps(entry.after, ensure_ascii=False) if entry.after else None,
                        entry.undone_by,
                    ),
                ).rowcount
                summary.log_entries += added
        return summary

    def _merge_one(self, ours, theirs, put, target: str, who: str, summary: ImportSummary) -> None:
        if ours is not None and ours == theirs:
            summary.same += 1
        elif ours is None or theirs.at > ours.at:
            put(theirs)
            self._log("import", target, who, ours, theirs)
            summary.taken += 1
        else:
            summary.kept += 1


def read_exchange(path: Path) -> Exchange:
    """A decisions file, or ReviewError naming the file and what is wrong with it."""
    try:
        return Exchange.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read ({exc.strerror})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReviewError(f"{path}: not an xxgk decisions file ({where}: {first['msg']})") from None
