"""What the production use cases share: row locks, look-ups, the unit's rule state and audit entries."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from mes.compliance.audit import AuditActor, record_audit
from mes.domain.routing import Step, UnitState
from mes.models import Base, OperationRecord, RoutingOperation, Unit, WorkOrder
from mes.production.errors import ConcurrentUpdate, NotFound

M = TypeVar("M", bound=Base)
T = TypeVar("T")
_MEMO = "mes.production.memo"  # session.info: (transaction, {key: value}) for memo()

__all__ = ["AuditActor", "audit", "get_by", "lock_unit", "lock_work_order", "routing_steps", "today", "unit_state"]


def lock_unit(session: Session, serial: str) -> Unit:
    """Lock the unit's row, then read it fresh: concurrent writers of one unit queue here.

    Once per transaction: the lock is held until commit, so nobody else can change the row meanwhile
    and the unit this transaction locked (and has been changing) is the current one.
    """
    return memo(session, ("locked_unit", serial), lambda: _lock(
        session, Unit, "Unit", Unit.serial == serial, {"lock_version": Unit.lock_version + 1}, serial))


def lock_work_order(session: Session, number: str) -> WorkOrder:
    """Lock the work order's row, then read it fresh (serial allocation and status changes queue here)."""
    return _lock(session, WorkOrder, "Work order", WorkOrder.number == number, {"status": WorkOrder.status}, number)


def _lock(session: Session, model: type[M], what: str, where: Any, bump: dict[str, Any], key: str) -> M:
    """Lock a row with an UPDATE, not SELECT … FOR UPDATE, because that works on both databases.

    PostgreSQL takes the row lock; on SQLite a transaction whose first statement writes waits (busy
    timeout) for the other writer and then reads the committed state, where a SELECT first would
    read a snapshot that is stale by the time it writes. RETURNING hands back the row as locked in
    the same round trip (PostgreSQL, SQLite ≥ 3.35).
    """
    bump_row = update(model).where(where).values(bump).returning(model)
    row = session.scalars(bump_row, execution_options={"synchronize_session": False,
                                                       "populate_existing": True}).one_or_none()
    if row is None:
        raise NotFound(what, key)
    return row


def get_by(session: Session, model: type[M], what: str, **key: Any) -> M:
    """The one row with that key, or NotFound naming it."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        raise NotFound(what, next(iter(key.values())))
    return row


def routing_steps(session: Session, routing_id: int) -> list[RoutingOperation]:
    """The operations of a routing in order."""
    query = select(RoutingOperation).where(RoutingOperation.routing_id == routing_id).order_by(RoutingOperation.seq)
    return list(session.scalars(query))


def remember_started(session: Session, unit: Unit, record: OperationRecord) -> None:
    """Note the record this transaction started on the unit, so open_record need not look for it."""
    _memo_values(session)[("started", unit.id)] = record


def memo(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()` once per transaction: for rows a production transaction reads again and again (a work
    order, its routing, plan and BOM), which it never changes, so one read serves the transaction."""
    values = _memo_values(session)
    if key not in values:
        values[key] = load()
    return values[key]  # type: ignore[no-any-return]


def memo_values(session: Session) -> dict[Hashable, Any]:
    """What memo() remembers for the session's transaction, by key (empty outside a transaction)."""
    return _memo_values(session)


def _memo_values(session: Session) -> dict[Hashable, Any]:
    transaction = session.get_transaction()
    if transaction is None:
        return {}  # no transaction yet: nothing to remember across
    cached = session.info.get(_MEMO)
    if cached is None or cached[0] is not transaction:
        cached = session.info[_MEMO] = (transaction, {})
    return cached[1]  # type: ignore[no-any-return]


@event.listens_for(Session, "after_soft_rollback")
def _forget_memo(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_MEMO, None)  # a rolled-back savepoint may have undone what the memo remembers


def production_steps(session: Session, routing_id: int) -> list[RoutingOperation]:
    """routing_steps read once per transaction (execution and components, which never edit routings)."""
    return memo(session, ("routing", routing_id), lambda: routing_steps(session, routing_id))


def as_steps(operations: list[RoutingOperation]) -> list[Step]:
    """The routing operations as the pure rules see them."""
    return [Step(op.seq, op.station_type, op.rework_target_seq) for op in operations]


def unit_state(unit: Unit) -> UnitState:
    """The unit as the pure rules see it."""
    return UnitState(status=unit.status, on_hold=unit.on_hold, next_seq=unit.next_seq, open_seq=unit.open_seq)


def work_order_of(session: Session, unit: Unit) -> WorkOrder:
    """The unit's work order."""
    return memo(session, ("work_order", unit.work_order_id), lambda: session.get_one(WorkOrder, unit.work_order_id))


def open_record(session: Session, unit: Unit) -> OperationRecord | None:
    """The unit's operation record in progress, if any."""
    started = _memo_values(session).get(("started", unit.id))
    if started is not None and started.seq == unit.open_seq and started.completed_at is None:
        return started  # started in this transaction, which holds the unit's lock
    query = select(OperationRecord).where(OperationRecord.unit_id == unit.id, OperationRecord.seq == unit.open_seq,
                                          OperationRecord.completed_at.is_(None))
    return session.scalars(query.order_by(OperationRecord.id.desc())).first()


def today() -> date:
    """Today's date in UTC: expiry and number schemes are judged on the server clock, never a client's."""
    return datetime.now(UTC).date()


def audit(session: Session, actor: AuditActor, action: str, entity: str, entity_id: object,
          field: str | None = None, old: object = None, new: object = None, reason: str | None = None) -> None:
    """One audit event in the caller's transaction (21 CFR 11.10(e))."""
    record_audit(session, actor=actor, action=action, entity=entity, entity_id=str(entity_id), field=field,
                 old=old, new=new, reason=reason)


@contextmanager
def concurrency_guard() -> Iterator[None]:
    """Turn SQLite's 'database is locked' (a writer waited past the busy timeout), and PostgreSQL's
    serialization failure or deadlock (it rolled one transaction back), into ConcurrentUpdate."""
    try:
        yield
    except OperationalError as exc:
        if any(text in str(exc.orig) for text in ("locked", "could not serialize", "deadlock detected")):
            raise ConcurrentUpdate() from exc
        raise
