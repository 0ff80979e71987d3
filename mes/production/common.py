"""What the production use cases share: row locks, look-ups, the unit's rule state and audit entries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.domain.routing import Step, UnitState
from mes.models import Base, OperationRecord, RoutingOperation, Unit, WorkOrder
from mes.production.errors import ConcurrentUpdate, NotFound

M = TypeVar("M", bound=Base)

__all__ = ["AuditActor", "audit", "get_by", "lock_unit", "lock_work_order", "routing_steps", "today", "unit_state"]


def lock_unit(session: Session, serial: str) -> Unit:
    """Lock the unit's row, then read it fresh: concurrent writers of one unit queue here."""
    return _lock(session, Unit, "Unit", Unit.serial == serial, {"lock_version": Unit.lock_version + 1}, serial)


def lock_work_order(session: Session, number: str) -> WorkOrder:
    """Lock the work order's row, then read it fresh (serial allocation and status changes queue here)."""
    return _lock(session, WorkOrder, "Work order", WorkOrder.number == number, {"status": WorkOrder.status}, number)


def _lock(session: Session, model: type[M], what: str, where: Any, bump: dict[str, Any], key: str) -> M:
    """Lock a row with an UPDATE, not SELECT … FOR UPDATE, because that works on both databases.

    PostgreSQL takes the row lock; on SQLite a transaction whose first statement writes waits (busy
    timeout) for the other writer and then reads the committed state, where a SELECT first would
    read a snapshot that is stale by the time it writes.
    """
    bumped = session.execute(update(model).where(where).values(bump).execution_options(synchronize_session=False))
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(what, key)
    return session.scalars(select(model).where(where).execution_options(populate_existing=True)).one()


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


def as_steps(operations: list[RoutingOperation]) -> list[Step]:
    """The routing operations as the pure rules see them."""
    return [Step(op.seq, op.station_type, op.rework_target_seq) for op in operations]


def unit_state(unit: Unit) -> UnitState:
    """The unit as the pure rules see it."""
    return UnitState(status=unit.status, on_hold=unit.on_hold, next_seq=unit.next_seq, open_seq=unit.open_seq)


def work_order_of(session: Session, unit: Unit) -> WorkOrder:
    """The unit's work order."""
    return session.get_one(WorkOrder, unit.work_order_id)


def open_record(session: Session, unit: Unit) -> OperationRecord | None:
    """The unit's operation record in progress, if any."""
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
    """Turn SQLite's 'database is locked' (a writer waited past the busy timeout) into ConcurrentUpdate."""
    try:
        yield
    except OperationalError as exc:
        if "locked" in str(exc.orig) or "could not serialize" in str(exc.orig):
            raise ConcurrentUpdate() from exc
        raise
