"""Scenario helpers for the audit-trail tests: an actor, a few chained entries, an attacker's SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from mes.compliance import AuditActor, record_audit
from mes.db import unit_of_work
from tests.support.audit_triggers import audit_triggers_bypassed

ACTOR = AuditActor(user_id=3, user_name="Ирина Петрова", workstation="QA-PC-01")


def append_events(sessions, count: int, entity_id: str = "WO-1") -> None:
    """Append `count` UPDATE entries, one transaction each."""
    for n in range(count):
        with unit_of_work(sessions) as session:
            record_audit(session, actor=ACTOR, action="UPDATE", entity="work_order", entity_id=entity_id,
                         field="qty", old=n, new=n + 1, reason="count corrected")


def as_attacker(engine: Engine, sql: str, **params: object) -> None:
    """Run SQL as someone with owner rights who switched the append-only triggers off first."""
    with engine.begin() as conn, audit_triggers_bypassed(conn):
        conn.execute(text(sql), params)


@pytest.fixture
def five_events(sessions):
    """A trail of five chained entries (ids 1..5)."""
    append_events(sessions, 5)
    return sessions
