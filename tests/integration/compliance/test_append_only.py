"""The database itself refuses to change or remove audit entries, whatever the application does."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mes.compliance import record_audit
from mes.db import unit_of_work
from mes.models import AuditEvent
from tests.integration.compliance.conftest import ACTOR
from tests.support.database import on_postgres


@pytest.mark.parametrize("sql", [
    "UPDATE audit_event SET reason = 'nothing happened' WHERE id = 1",
    "UPDATE audit_event SET row_hash = prev_hash",
    "DELETE FROM audit_event WHERE id = 1",
    "DELETE FROM audit_event",
])
def test_raw_sql_that_changes_or_removes_an_entry_is_refused(five_events, engine, sql):
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_event WHERE reason = 'count corrected'")) == 5


@pytest.mark.skipif(not on_postgres(), reason="TRUNCATE exists only on PostgreSQL")
def test_truncate_is_refused_on_postgresql(five_events, engine):
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))


def test_the_orm_cannot_edit_or_delete_an_entry_either(five_events):
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(five_events) as session:
        session.get(AuditEvent, 2).reason = "rewritten"
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(five_events) as session:
        session.delete(session.get(AuditEvent, 2))
    with five_events() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 5


def test_a_correction_is_a_new_entry_and_the_old_one_stays(five_events):
    with unit_of_work(five_events) as session:
        record_audit(session, actor=ACTOR, action="UPDATE", entity="work_order", entity_id="WO-1",
                     field="qty", old=5, new=4, reason="entry 5 was wrong: counted a scrapped unit")
    with five_events() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 6
