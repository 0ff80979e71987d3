"""Appending to the chain in the database: one writer at a time, the head read under the lock.

Entries are queued on the session and appended when its transaction commits (``before_commit``),
all in one multi-row INSERT: the chain lock — which serialises every writer of the plant — is then
held only from the append to the commit, not for the whole business transaction, and a transaction
with six entries reads the head once instead of six times. The entries still commit or roll back
with the business change: a savepoint rolled back drops the entries queued inside it, a transaction
rolled back drops them all, and a query of the audit trail in the same session appends them first
(so a transaction reads its own entries, as before).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from mes.compliance.chain import GENESIS_HASH, chain
from mes.models import AuditEvent, utcnow

# pg_advisory_xact_lock key: "MESAUDIT" in ASCII; any constant works if every writer uses it.
CHAIN_LOCK_KEY = 0x4D45534155444954
_PENDING = "mes.audit.pending"  # session.info: [(transaction queued in, entry, event)] not yet appended
AUDIT_TABLE = AuditEvent.__table__
_HEAD = "mes.audit.head"  # session.info: (root transaction, last id, last hash) appended under our lock


def append_entries(session: Session, entries: list[dict[str, Any]]) -> list[AuditEvent]:
    """Queue the entries for the chain; they are numbered, linked and inserted when the transaction commits.

    The returned events are filled in (id, timestamp, hashes) at that moment.
    """
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    events = [AuditEvent() for _ in entries]
    session.info.setdefault(_PENDING, []).extend(zip([transaction] * len(entries), entries, events, strict=True))
    return events


def flush_audit(session: Session) -> None:
    """Append the session's queued entries now (the lock is then held until commit)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    last_id, last_hash, ts = _head(session)
    app = app_version()
    for _tx, entry, _event in pending:
        entry["ts_utc"], entry["app_version"] = ts, app
    rows = list(chain((entry for _tx, entry, _event in pending), last_id, last_hash))
    for (_tx, _entry, target), row in zip(pending, rows, strict=True):
        for key, value in row.items():
            setattr(target, key, value)
    session.execute(insert(AuditEvent.__table__), rows)  # Core executemany: one statement, every column
    session.info[_HEAD] = (session.get_transaction(), rows[-1]["id"], rows[-1]["row_hash"])


def _head(session: Session) -> tuple[int, str, datetime]:
    """The chain's last (id, hash) read under the lock, and the time now; the first append of a
    transaction takes the lock. On PostgreSQL the clock is read in the same statement as the head."""
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1], cached[2], _now(session)  # we hold the lock: nobody appended after our last entry
    _lock_chain(session)
    last = select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        head = session.execute(last.add_columns(func.clock_timestamp())).first()
        if head is not None:
            return head[0], head[1], head[2]
        return 0, GENESIS_HASH, _now(session)
    head = session.execute(last).first()
    return (head[0], head[1], utcnow()) if head is not None else (0, GENESIS_HASH, utcnow())


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


@event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    # Fired for the root commit and for each savepoint release. Rows written now belong to the
    # innermost savepoint still open, so write only when that is the root or a savepoint being
    # released into the root: rows written inside a deeper savepoint would share its fate should
    # an enclosing savepoint roll back. (A root commit with savepoints still open fires this for
    # the root first and then for each savepoint, innermost first: the last of them writes.)
    nested = session.get_nested_transaction()
    if nested is None or nested.parent is session.get_transaction():
        flush_audit(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    session.info.pop(_HEAD, None)  # a savepoint rollback may have removed entries we appended
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [item for item in pending if not _within(item[0], previous_transaction)]


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_HEAD, None)


@event.listens_for(Session, "do_orm_execute")
def _append_before_reading_the_trail(state: ORMExecuteState) -> None:
    if state.session.info.get(_PENDING) and _reads_the_trail(state):
        flush_audit(state.session)


def _reads_the_trail(state: ORMExecuteState) -> bool:
    """The query selects from audit_event (as an entity, or in its FROM list or joins)."""
    if any(m.class_ is AuditEvent for m in state.all_mappers):
        return True
    froms = list(state.statement.get_final_froms()) if state.is_select else []
    while froms:
        item = froms.pop()
        if item is AUDIT_TABLE or getattr(item, "name", None) == AUDIT_TABLE.name:
            return True
        froms += [side for side in (getattr(item, "left", None), getattr(item, "right", None)) if side is not None]
    return False
