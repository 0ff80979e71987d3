"""verify_chain finds tampering by someone who got past the triggers, and names the first bad link."""

from sqlalchemy import text

from mes.compliance import verify_chain
from mes.compliance.chain import compute_row_hash
from tests.integration.compliance.conftest import append_events, as_attacker


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
    from mes.models import AuditEvent

    with engine.connect() as conn:
        ts = conn.execute(AuditEvent.__table__.select().where(AuditEvent.id == row["id"])).one().ts_utc
    return row | {"ts_utc": ts}
