"""search_audit: the audit browser's and /api/v1/audit's query — filters, newest first, keyset pages."""

from datetime import UTC, datetime, timedelta

import pytest

from mes.compliance import AuditActor, record_audit
from mes.compliance.history import event_dict, search_audit
from mes.db import unit_of_work

IRINA = AuditActor(user_id=3, user_name="Ирина Петрова", workstation="QA-PC-01")
OLEG = AuditActor(user_id=4, user_name="Oleg Smirnov", workstation="LINE-1-T2")


@pytest.fixture
def trail(sessions):
    """Seven entries by two people about two records, in id order 1..7."""
    plan = [(IRINA, "UPDATE", "WO-1"), (OLEG, "UPDATE", "WO-1"), (IRINA, "SIGN", "WO-2"),
            (OLEG, "LOGIN", "4"), (IRINA, "UPDATE", "WO-2"), (OLEG, "UPDATE", "WO-2"), (IRINA, "EXPORT", "WO-1")]
    for actor, action, record in plan:
        with unit_of_work(sessions) as session:
            entity = "app_user" if action == "LOGIN" else "work_order"
            record_audit(session, actor=actor, action=action, entity=entity, entity_id=record, field="qty"
                         if action == "UPDATE" else None, old=1, new={"qty": 2}, reason="typo")
    return sessions


def ids(page):
    return [event.id for event in page]


def test_newest_first_with_every_filter_combined(trail):
    with trail() as session:
        assert ids(search_audit(session)) == [7, 6, 5, 4, 3, 2, 1]
        assert ids(search_audit(session, user=3)) == [7, 5, 3, 1]
        assert ids(search_audit(session, user="oleg")) == [6, 4, 2]
        assert ids(search_audit(session, entity="work_order", entity_id="WO-2")) == [6, 5, 3]
        assert ids(search_audit(session, action="update", user="Ирина")) == [5, 1]
        assert ids(search_audit(session, action=["SIGN", "EXPORT"])) == [7, 3]


def test_time_range_is_since_inclusive_until_exclusive(trail):
    with trail() as session:
        third = search_audit(session, entity_id="WO-2", action="SIGN").events[0].ts_utc
        assert 3 in ids(search_audit(session, since=third))
        assert 3 not in ids(search_audit(session, until=third))
        assert ids(search_audit(session, since=datetime.now(UTC) + timedelta(hours=1))) == []
        with pytest.raises(ValueError, match="timezone-aware"):
            search_audit(session, since=datetime(2026, 1, 1))


def test_pages_follow_on_without_gaps_or_repeats(trail):
    with trail() as session:
        first = search_audit(session, limit=3)
        assert ids(first) == [7, 6, 5] and first.next_before_id == 5
        second = search_audit(session, limit=3, before_id=first.next_before_id)
        assert ids(second) == [4, 3, 2] and second.next_before_id == 2
        last = search_audit(session, limit=3, before_id=second.next_before_id)
        assert ids(last) == [1] and last.next_before_id is None


def test_an_entry_reads_as_who_when_where_what_and_why(trail):
    with trail() as session:
        entry = event_dict(search_audit(session, entity_id="WO-1", limit=1).events[0])
        first = event_dict(search_audit(session, user=3, action="UPDATE").events[-1])
    assert entry["action"] == "EXPORT" and entry["ts_utc"].endswith("Z")
    assert first == {**first, "user_name": "Ирина Петрова", "workstation": "QA-PC-01", "field": "qty",
                     "old": 1, "new": {"qty": 2}, "reason": "typo", "entity": "work_order", "entity_id": "WO-1"}
