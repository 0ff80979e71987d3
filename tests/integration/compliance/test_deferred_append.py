"""Entries are appended when the transaction commits: same guarantees, the chain lock held only at the end."""

import threading

from sqlalchemy import func, select

from mes.compliance import AuditActor, record_audit, verify_chain
from mes.db import unit_of_work
from mes.models import AuditEvent

ACTOR = AuditActor(1, "Anna Quality", "QA-PC")


def trail(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        return list(session.execute(select(AuditEvent.action, AuditEvent.entity_id).order_by(AuditEvent.id)))


def test_entries_queued_in_a_savepoint_that_rolls_back_are_not_in_the_trail(sessions, engine):
    with unit_of_work(sessions) as session:
        record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="kept-before")
        try:
            with session.begin_nested():
                record_audit(session, actor=ACTOR, action="UPDATE", entity="lot", entity_id="undone")
                with session.begin_nested():
                    record_audit(session, actor=ACTOR, action="UPDATE", entity="lot", entity_id="undone-inner")
                raise RuntimeError("the machine refused")
        except RuntimeError:
            pass
        with session.begin_nested():
            record_audit(session, actor=ACTOR, action="UPDATE", entity="lot", entity_id="kept-savepoint")
        record_audit(session, actor=ACTOR, action="SIGN", entity="lot", entity_id="kept-after")
    assert trail(sessions) == [("CREATE", "kept-before"), ("UPDATE", "kept-savepoint"), ("SIGN", "kept-after")]
    assert verify_chain(engine).intact


def test_a_transaction_reads_its_own_entries_before_it_commits(sessions, engine):
    with unit_of_work(sessions) as session:
        first = record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="L1")
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
        second = record_audit(session, actor=ACTOR, action="SIGN", entity="lot", entity_id="L1")
    assert (first.id, second.id, second.prev_hash) == (1, 2, first.row_hash)
    assert verify_chain(engine).intact


def test_a_rolled_back_transaction_leaves_no_entry_even_after_reading_the_trail(sessions):
    try:
        with unit_of_work(sessions) as session:
            record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="L1")
            session.scalars(select(AuditEvent)).all()  # appends the entry inside the transaction
            raise RuntimeError("the business change failed")
    except RuntimeError:
        pass
    assert trail(sessions) == []


def test_another_writer_appends_while_a_transaction_with_queued_entries_is_still_open(sessions, engine):
    with unit_of_work(sessions) as session:
        record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="slow")
        done = threading.Event()

        def other_writer() -> None:
            with unit_of_work(sessions) as other:
                record_audit(other, actor=ACTOR, action="CREATE", entity="lot", entity_id="quick")
            done.set()

        writer = threading.Thread(target=other_writer, name="quick-audit-writer")
        writer.start()
        writer.join(timeout=30)
        assert done.is_set()  # not blocked: the open transaction holds no chain lock yet
    assert trail(sessions) == [("CREATE", "quick"), ("CREATE", "slow")]
    assert verify_chain(engine).intact
