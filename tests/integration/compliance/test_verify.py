"""verify_chain finds tampering by someone who got past the triggers, and names the first bad link."""

import pytest
from sqlalchemy import text

from mes.compliance import verify_chain
from mes.compliance.chain import chain, compute_row_hash
from mes.models import AuditEvent
from tests.integration.compliance.conftest import append_events, as_attacker
from tests.support.database import on_postgres


def test_an_empty_trail_is_intact(engine):
    report = verify_chain(engine)
    assert report.intact and report.events == 0


def test_an_untouched_trail_is_intact_whatever_the_batch_size(five_events, engine):
    for batch_size in (1, 2, 5, 100):
        report = verify_chain(engine, batch_size=batch_size)
        assert report.intact, report.summary()
        assert (report.events, report.last_id) == (5, 5)
    assert verify_chain(engine).summary().startswith("5 events, chain intact")


def test_verify_runs_inside_a_callers_session_too(five_events):
    with five_events() as session:
        assert verify_chain(session).events == 5


def test_an_edited_value_is_named_by_its_entry(five_events, engine):
    as_attacker(engine, "UPDATE audit_event SET new_value = '1000' WHERE id = 3")
    report = verify_chain(engine, batch_size=2)
    assert (report.problem.event_id, report.problem.kind) == (3, "altered")
    assert report.events == 2
    assert "chain BROKEN at event 3" in report.summary()


def test_an_edit_with_a_recomputed_hash_breaks_the_link_to_the_next_entry(five_events, engine):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM audit_event WHERE id = 3")).mappings().one()
    forged = dict(row) | {"reason": "nothing to see"}
    as_attacker(engine, "UPDATE audit_event SET reason = :reason, row_hash = :hash WHERE id = 3",
                reason=forged["reason"], hash=compute_row_hash(_typed(engine, forged)))
    report = verify_chain(engine)
    assert (report.problem.event_id, report.problem.kind) == (4, "broken_link")
    assert "event 3" in report.problem.detail


def test_a_deleted_entry_is_named_as_missing(five_events, engine):
    as_attacker(engine, "DELETE FROM audit_event WHERE id = 3")
    report = verify_chain(engine)
    assert (report.problem.event_id, report.problem.kind) == (3, "missing")
    assert "event 3 missing" in report.problem.detail


def test_several_deleted_entries_are_named_as_a_range(sessions, engine):
    append_events(sessions, 8)
    as_attacker(engine, "DELETE FROM audit_event WHERE id BETWEEN 4 AND 6")
    assert "events 4..6 missing" in verify_chain(engine).problem.detail


def test_a_deleted_first_entry_is_named(five_events, engine):
    as_attacker(engine, "DELETE FROM audit_event WHERE id = 1")
    assert (verify_chain(engine).problem.event_id, verify_chain(engine).problem.kind) == (1, "missing")


def test_a_renumbered_entry_is_caught(five_events, engine):
    as_attacker(engine, "UPDATE audit_event SET id = 6 WHERE id = 5")
    assert verify_chain(engine).problem.event_id == 5


def _typed(engine, row):
    """The row with its timestamp as the model type gives it (SQLite returns text to raw SQL)."""
    with engine.connect() as conn:
        ts = conn.execute(AuditEvent.__table__.select().where(AuditEvent.id == row["id"])).one().ts_utc
    return row | {"ts_utc": ts}


def test_an_anchor_from_an_earlier_review_catches_cut_off_newest_entries(sessions, engine):
    append_events(sessions, 5)
    head = verify_chain(engine)
    as_attacker(engine, "DELETE FROM audit_event WHERE id >= 4")
    assert verify_chain(engine).intact  # the chain alone cannot tell
    report = verify_chain(engine, anchor=(head.last_id, head.last_hash))
    assert (report.problem.event_id, report.problem.kind) == (5, "truncated")


def test_an_anchor_catches_a_chain_recomputed_from_an_edited_entry_on(five_events, engine):
    head = verify_chain(engine)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(AuditEvent.__table__.select().order_by(AuditEvent.id)).mappings()]
    rows[2]["new_value"] = "999"
    forged = list(chain(({k: v for k, v in r.items() if k not in ("id", "prev_hash", "row_hash")} for r in rows[2:]),
                        rows[1]["id"], rows[1]["row_hash"]))
    for row in forged:
        as_attacker(engine, "UPDATE audit_event SET new_value = :n, prev_hash = :p, row_hash = :h WHERE id = :id",
                    n=row["new_value"], p=row["prev_hash"], h=row["row_hash"], id=row["id"])
    assert verify_chain(engine).intact
    report = verify_chain(engine, anchor=(head.last_id, head.last_hash))
    assert (report.problem.event_id, report.problem.kind) == (5, "rewritten")


def test_an_anchor_that_still_matches_keeps_the_chain_intact(five_events, engine):
    head = verify_chain(engine, batch_size=2)
    assert verify_chain(engine, anchor=(3, _hash_of(engine, 3))).intact
    assert verify_chain(engine, anchor=(head.last_id, head.last_hash.upper())).intact


@pytest.mark.skipif(on_postgres(), reason="only SQLite lets a column hold a value of another type")
def test_a_value_of_a_foreign_type_is_reported_not_crashed_on(five_events, engine):
    as_attacker(engine, "UPDATE audit_event SET user_name = X'414243' WHERE id = 2")
    assert (verify_chain(engine).problem.event_id, verify_chain(engine).problem.kind) == (2, "altered")


def _hash_of(engine, event_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT row_hash FROM audit_event WHERE id = :id"), {"id": event_id}).scalar_one()
