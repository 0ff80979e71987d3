"""Appending to the chain in the database: one writer at a time, the head read under the lock."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mes.compliance.chain import GENESIS_HASH, chain
from mes.models import AuditEvent, utcnow

# pg_advisory_xact_lock key: "MESAUDIT" in ASCII; any constant works if every writer uses it.
CHAIN_LOCK_KEY = 0x4D45534155444954


def append_entries(session: Session, entries: list[dict[str, Any]]) -> list[AuditEvent]:
    """Link the entries after the current head and insert them; the lock is held until commit."""
    _lock_chain(session)
    head = session.execute(select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    last_id, last_hash = head if head is not None else (0, GENESIS_HASH)
    ts, app = _now(session), app_version()
    for entry in entries:
        entry["ts_utc"], entry["app_version"] = ts, app
    events = [AuditEvent(**row) for row in chain(entries, last_id, last_hash)]
    session.add_all(events)
    session.flush()
    return events


def _lock_chain(session: Session) -> None:
    """Serialise appends: without it two writers could read the same head and fork the chain."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        # SQLite has one writer at a time; this no-op write makes our transaction that writer now
        # (waiting out busy_timeout), so the head read next is the latest committed one. A plain
        # SELECT would run outside the write lock (the driver begins only before DML).
        session.execute(text("UPDATE audit_event SET id = id WHERE 0"))


def _now(session: Session) -> datetime:
    """Server time: PostgreSQL's clock (one clock for web, edge and workers), else this host's."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(text("SELECT clock_timestamp()")).scalar_one()
    return utcnow()


@lru_cache(maxsize=1)
def app_version() -> str:
    """The installed MES version, recorded on every entry."""
    try:
        return version("technopolis-mes")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"
