"""Dispositions of a held unit's nonconformance: rework (back to the defined operation) or scrap."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.domain.routing import UnitNotInProduction, rework_target
from mes.models import Nonconformance, OperationRecord, Unit, utcnow
from mes.production.common import as_steps, audit, lock_unit, routing_steps, work_order_of
from mes.production.errors import InvalidInput, NoOpenNonconformance
from mes.production.workorders import update_work_order_progress


def open_nonconformances(session: Session, unit: Unit) -> list[Nonconformance]:
    """The unit's open nonconformances, oldest first."""
    query = select(Nonconformance).where(Nonconformance.unit_id == unit.id, Nonconformance.status == "open")
    return list(session.scalars(query.order_by(Nonconformance.id)))


def rework_unit(session: Session, actor: AuditActor, serial: str, reason: str) -> Unit:
    """Disposition the open NC as rework: the unit leaves hold and goes back to the failed operation's rework target."""
    unit, ncs = _held_unit(session, serial, reason)
    record = session.get_one(OperationRecord, ncs[-1].operation_record_id)
    target = rework_target(as_steps(routing_steps(session, work_order_of(session, unit).routing_id)), record.seq)
    _close(session, actor, ncs, "rework", reason)
    audit(session, actor, "UPDATE", "unit", unit.serial, field="next_seq", old=unit.next_seq, new=target,
          reason=reason)
    audit(session, actor, "UPDATE", "unit", unit.serial, field="on_hold", old=True, new=False, reason=reason)
    unit.next_seq, unit.on_hold = target, False
    return unit


def scrap_unit(session: Session, actor: AuditActor, serial: str, reason: str) -> Unit:
    """Scrap the unit (closing its open NCs as scrap); a scrapped serial is never used again."""
    if not reason:
        raise InvalidInput("a reason is required")
    unit = lock_unit(session, serial)
    if unit.status not in ("allocated", "in_progress", "completed"):
        raise UnitNotInProduction(status=unit.status)
    _close(session, actor, open_nonconformances(session, unit), "scrap", reason)
    audit(session, actor, "UPDATE", "unit", unit.serial, field="status", old=unit.status, new="scrapped",
          reason=reason)
    unit.status, unit.next_seq, unit.open_seq = "scrapped", None, None
    session.flush()
    update_work_order_progress(session, actor, work_order_of(session, unit))
    return unit


def _held_unit(session: Session, serial: str, reason: str) -> tuple[Unit, list[Nonconformance]]:
    if not reason:
        raise InvalidInput("a reason is required")
    unit = lock_unit(session, serial)
    if unit.status not in ("allocated", "in_progress"):
        raise UnitNotInProduction(status=unit.status)
    ncs = open_nonconformances(session, unit)
    if not ncs:
        raise NoOpenNonconformance()
    return unit, ncs


def _close(session: Session, actor: AuditActor, ncs: list[Nonconformance], disposition: str, reason: str) -> None:
    for nc in ncs:
        audit(session, actor, "UPDATE", "nonconformance", nc.number, field="disposition", new=disposition,
              reason=reason)
        nc.status, nc.disposition, nc.closed_at, nc.closed_by_id = "closed", disposition, utcnow(), actor.user_id
