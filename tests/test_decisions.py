"""Decisions and corrections: their own tables, one transaction each, an audit trail, undo step by
step, the printed value never overwritten, checks for both, and two reviewers' work merged."""

from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import closing

import pytest

from nlp.audit.corrected import corrected_cells, rechecked
from nlp.audit.decisions import DecisionStore, Exchange, correction_id, read_exchange
from nlp.audit.findings import Filters, listed
from nlp.audit.reviewdb import ReviewError, connect
from nlp.batch.store import DB_NAME, ResultStore
from nlp.models import Report
from tests.review_inputs import copy_results


@pytest.fixture
def out(realdocs_results, tmp_path):
    return copy_results(realdocs_results, tmp_path / "out")


def _finding(db, rule: str, check: str):
    return next(f for f, _ in listed(db, Filters(rule=rule)) if f.check_id == check)


def test_a_decision_is_kept_with_who_when_and_why_and_logged(out):
    with closing(connect(out)) as db:
        store = DecisionStore(db)
        finding = _finding(db, "N1", "N1")
        made = store.decide(
            finding.id, finding.identity, "dismissed", "审核员甲", "区政府办的受理数，不是全区"
        )
        assert store.decision(finding.id) == made
        assert made.at.endswith("+00:00") and made.identity == finding.identity
        ((_, decided),) = listed(db, Filters(rule="N1"))
        assert decided == "dismissed"
        assert [f.id for f, _ in listed(db, Filters(status="dismissed"))] == [finding.id]
        (entry,) = store.log([finding.id])
        assert (entry.action, entry.who, entry.before, entry.after["decision"]) == (
            "decide",
            "审核员甲",
            None,
            "dismissed",
        )


def test_undo_goes_back_one_change_at_a_time_and_is_logged(out):
    with closing(connect(out)) as db:
        store = DecisionStore(db)
        finding = _finding(db, "R4", "R4.review")
        store.decide(finding.id, finding.identity, "dismissed", "甲")
        store.decide(finding.id, finding.identity, "confirmed", "甲", "表四总计漏填")
        assert store.undo(finding.id, "乙").decision == "dismissed"
        assert store.undo(finding.id, "乙").decision == "open"
        with pytest.raises(ReviewError, match="nothing to undo"):
            store.undo(finding.id, "乙")
        actions = [(e.action, e.undone_by is not None) for e in store.log([finding.id])]
        assert actions == [("decide", True), ("decide", True), ("undo", False), ("undo", False)]
        ((_, decided),) = [r for r in listed(db) if r[0].id == finding.id]
        assert decided == "open"


def test_a_change_is_one_transaction_that_leaves_nothing_when_it_fails(out):
    with closing(connect(out)) as db:
        finding = _finding(db, "R4", "R4.review")
        store = DecisionStore(db)
        # the audit trail cannot be written (as on a full disk): the decision is not kept either
        db.execute(
            "CREATE TEMP TRIGGER no_log BEFORE INSERT ON review_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        with pytest.raises(sqlite3.DatabaseError, match="disk full"):
            store.decide(finding.id, finding.identity, "confirmed", "甲")
        with pytest.raises(sqlite3.DatabaseError, match="disk full"):
            store.correct(finding.unit, finding.year, "t4.review.total", 11, "0", "甲")
        db.execute("DROP TRIGGER no_log")
        assert store.decision(finding.id) is None
        assert store.corrections(active=False) == [] and store.log() == []


def test_a_correction_sits_beside_the_printed_value_and_the_checks_are_shown_for_both(out):
    with closing(connect(out)) as db, closing(ResultStore(out / DB_NAME, readonly=True)) as results:
        finding = _finding(db, "R4", "R4.review")
        report = Report.model_validate_json(results.document(finding.report))
        store = DecisionStore(db)
        made = store.correct(
            finding.unit, finding.year, "t4.review.total", 11, report.cells["t4.review.total"].raw, "甲"
        )
        assert made.id == correction_id("洪泽区人民政府", 2023, "t4.review.total")
        assert (made.value, made.printed, made.active) == (11, "0", True)
        # the report as read is untouched: its cell, its stored document, its checks
        assert db.execute(
            "SELECT c.value FROM cells c JOIN reports r ON r.id = c.report WHERE r.sha256 = ? AND c.key = ?",
            (finding.report, "t4.review.total"),
        ).fetchone() == (0,)
        (document,) = db.execute(
            "SELECT document FROM reports WHERE sha256 = ?", (finding.report,)
        ).fetchone()
        assert json.loads(zlib.decompress(document))["cells"]["t4.review.total"]["value"] == 0
        fixes = store.corrections(finding.unit, finding.year)
        assert corrected_cells(report, fixes)["t4.review.total"].value == 11
        assert report.cells["t4.review.total"].value == 0
        (pair,) = rechecked(report, fixes)
        assert pair.printed.id == pair.corrected.id == "R4.review"
        assert (pair.printed.status, pair.printed.lhs) == ("fail", 0)
        assert (pair.corrected.status, pair.corrected.lhs, pair.corrected.rhs) == ("pass", 11, 11)
        store.undo(made.id, "甲")
        assert store.corrections(finding.unit, finding.year) == []
        assert store.correction(made.id).active is False


def test_a_narrative_check_is_shown_on_the_corrected_table_too(out):
    with closing(connect(out)) as db, closing(ResultStore(out / DB_NAME, readonly=True)) as results:
        finding = _finding(db, "N1", "N1")
        report = Report.model_validate_json(results.document(finding.report))
        store = DecisionStore(db)
        store.correct(finding.unit, finding.year, "t3.new_received.total", 17, "95", "甲")
        pairs = {p.printed.id: p for p in rechecked(report, store.corrections(finding.unit, finding.year))}
        assert pairs["N1"].printed.status == "fail" and pairs["N1"].corrected.status == "pass"
        assert pairs["N1"].corrected.message.startswith("表格 17 = 正文 17：「2024年")
        assert pairs["R3.new_received"].corrected.status == "fail"  # the applicants still add up to 95


def test_two_reviewers_merge_their_work_the_later_change_winning(realdocs_results, tmp_path):
    mine, theirs = (copy_results(realdocs_results, tmp_path / name) for name in ("a", "b"))
    with closing(connect(mine)) as db_a, closing(connect(theirs)) as db_b:
        a, b = DecisionStore(db_a), DecisionStore(db_b)
        r4 = _finding(db_a, "R4", "R4.review")
        n1 = _finding(db_a, "N1", "N1")
        r2 = _finding(db_a, "R2", "R2.total")
        a.decide(r4.id, r4.identity, "confirmed", "甲")
        b.decide(r4.id, r4.identity, "dismissed", "乙", "乙后来改判")  # later: wins
        b.decide(n1.id, n1.identity, "dismissed", "乙")  # only 乙 decided it
        b.decide(r2.id, r2.identity, "confirmed", "乙")
        a.decide(r2.id, r2.identity, "dismissed", "甲")  # 甲's is later: kept
        b.correct(r4.unit, r4.year, "t4.review.total", 11, "0", "乙")
        exported = tmp_path / "b.json"
        exported.write_text(b.export().model_dump_json(), encoding="utf-8")
        summary = a.merge(read_exchange(exported), "甲")
        assert (summary.taken, summary.kept, summary.same) == (3, 1, 0)
        assert a.decision(r4.id).decision == "dismissed" and a.decision(r4.id).who == "乙"
        assert a.decision(n1.id).decision == "dismissed"
        assert a.decision(r2.id).decision == "dismissed" and a.decision(r2.id).who == "甲"
        assert a.corrections(r4.unit, r4.year)[0].value == 11
        log = a.log()
        assert {e.origin for e in log} == {"local", "imported"}
        assert sum(e.action == "import" for e in log) == 3
        again = a.merge(read_exchange(exported), "甲")  # importing twice changes nothing
        assert (again.taken, again.log_entries) == (0, 0)
        # an undo on 甲's side takes back the import, not 乙's own history
        assert a.undo(r4.id, "甲").decision == "confirmed"


def test_a_file_that_is_not_a_decisions_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ReviewError, match=r"notes\.json: not an xxgk decisions file"):
        read_exchange(bad)
    with pytest.raises(ReviewError, match="cannot read"):
        read_exchange(tmp_path / "missing.json")
    assert Exchange(exported_at="x", decisions=[], corrections=[], log=[]).format == "xxgk-review"


def test_decisions_need_a_reviewer(out):
    with closing(connect(out)) as db:
        finding = _finding(db, "R4", "R4.review")
        with pytest.raises(ReviewError, match="say who"):
            DecisionStore(db).decide(finding.id, finding.identity, "confirmed", " ")


def test_the_reviewers_tables_are_not_in_a_folder_without_results(tmp_path):
    with pytest.raises(ReviewError, match="no results database"):
        connect(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    with closing(sqlite3.connect(other / DB_NAME)) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(ReviewError, match="not an xxgk results database"):
        connect(other)
