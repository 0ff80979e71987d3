"""record_audit appends hash-chained entries inside the caller's transaction."""

from itertools import pairwise

import pytest
from sqlalchemy import func, select

from mes.compliance import AuditActor, record_audit, verify_chain
from mes.compliance.chain import GENESIS_HASH, HASHED_FIELDS, compute_row_hash, decode_value
from mes.db import unit_of_work
from mes.models import AuditEvent
from tests.integration.compliance.conftest import ACTOR


def all_events(sessions):
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_an_entry_keeps_who_what_where_why_and_the_values_as_json(sessions):
    with unit_of_work(sessions) as session:
        record_audit(session, actor=ACTOR, action="UPDATE", entity="work_order", entity_id="WO-7",
                     field="quantity", old=100, new=120, reason="order changed by planning")
    [event] = all_events(sessions)
    assert (event.user_id, event.user_name, event.workstation) == (3, "Ирина Петрова", "QA-PC-01")
    assert (event.action, event.entity, event.entity_id, event.field) == ("UPDATE", "work_order", "WO-7", "quantity")
    assert (decode_value(event.old_value), decode_value(event.new_value)) == (100, 120)
    assert event.reason == "order changed by planning"
    assert event.app_version and event.ts_utc.tzinfo is not None


def test_the_first_entry_starts_from_the_genesis_hash_and_each_next_links_to_it(five_events):
    events = all_events(five_events)
    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.row_hash
    assert all(e.row_hash == compute_row_hash({f: getattr(e, f) for f in HASHED_FIELDS}) for e in events)


def test_timestamps_never_go_backwards_along_the_chain(five_events):
    stamps = [e.ts_utc for e in all_events(five_events)]
    assert stamps == sorted(stamps)


def test_several_entries_in_one_transaction_chain_to_each_other(sessions, engine):
    with unit_of_work(sessions) as session:
        first = record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="L1")
        second = record_audit(session, actor=ACTOR, action="SIGN", entity="lot", entity_id="L1")
    assert second.prev_hash == first.row_hash
    assert verify_chain(engine).intact


def test_an_entry_rolled_back_with_its_business_transaction_leaves_no_trace(sessions, engine):
    with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
        record_audit(session, actor=ACTOR, action="DELETE", entity="lot", entity_id="L9")
        raise RuntimeError("the business change failed")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    with unit_of_work(sessions) as session:
        event = record_audit(session, actor=ACTOR, action="CREATE", entity="lot", entity_id="L10")
    assert (event.id, event.prev_hash) == (1, GENESIS_HASH)
    assert verify_chain(engine).intact


def test_a_system_actor_has_no_user_id():
    actor = AuditActor.system("edge-L1")
    assert (actor.user_id, actor.user_name, actor.workstation) == (None, "system", "edge-L1")


@pytest.mark.parametrize("action", ["update", "", "X", "UPDATE!", "A" * 31])
def test_an_action_that_is_not_an_upper_case_word_is_refused(sessions, action):
    with pytest.raises(ValueError, match="audit action"), unit_of_work(sessions) as session:
        record_audit(session, actor=ACTOR, action=action, entity="lot", entity_id="L1")


def test_an_actor_without_a_printed_name_is_refused(sessions):
    with pytest.raises(ValueError, match="printed name"), unit_of_work(sessions) as session:
        record_audit(session, actor=AuditActor(1, "", "PC"), action="LOGIN", entity="app_user", entity_id="1")
