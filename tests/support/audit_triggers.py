"""Test-only ways around the audit trail's append-only triggers: table cleanup and simulated attackers.

Nothing in mes/ may do this; the tests need it to empty the table between tests and to play an
attacker with database-owner rights, whom only the hash chain can catch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

AUDIT_TABLE = "audit_event"


@contextmanager
def audit_triggers_bypassed(conn: Connection) -> Iterator[None]:
    """Inside the connection's current transaction, let UPDATE/DELETE/TRUNCATE reach audit_event."""
    if conn.dialect.name == "postgresql":
        # Superuser (or table owner) only; transactional DDL, so a rollback re-enables them too.
        conn.execute(text(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER"))
        yield
        conn.execute(text(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": AUDIT_TABLE},
    ).all()
    for name, _sql in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:  # recreated from their own stored definition, as migrated
        conn.execute(text(sql))
