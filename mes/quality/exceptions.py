"""Review by exception: what in a batch record needs a QA look before release, and whether it still does.

An exception is open until QA records a signed review decision on it, or, for a nonconformance,
until the NC is closed by its own signed disposition. Every query is per work order and set-based,
so a 10,000-unit batch costs a handful of statements, not one per unit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import Session

from mes.models import (
    AuditEvent,
    ComponentConsumption,
    ExceptionReview,
    Measurement,
    Nonconformance,
    OperationRecord,
    Override,
    Unit,
    User,
    WorkOrder,
)

# Records whose later change is an exception: they are written once when the work is done.
GMP_ENTITIES = ("measurement", "operation_record", "component_consumption", "nonconformance_note")
CHANGE_ACTIONS = ("UPDATE", "DELETE", "CORRECT")


@dataclass(frozen=True)
class BatchException:
    """One thing in a batch record a reviewer must see; `key` is stable across rebuilds."""

    key: str
    kind: str  # out_of_spec, retest, manual_entry, override, nonconformance, rework, changed_after_creation
    serial: str | None
    detail: str
    open: bool = True
    reviewed_by: str | None = None
    decision: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def batch_exceptions(session: Session, wo: WorkOrder) -> list[BatchException]:
    """Every exception of the work order, with its review state, in a stable order."""
    serials = dict(session.execute(select(Unit.id, Unit.serial).where(Unit.work_order_id == wo.id)).all())
    found = [*_measurement_exceptions(session, wo, serials), *_retests(session, wo, serials),
             *_overrides(session, wo), *_nonconformances(session, wo, serials), *_changes(session, wo, serials)]
    reviews = _reviews(session, wo)
    result = []
    for exc in found:
        review = reviews.get(exc.key)
        closed_by_nc = exc.kind == "nonconformance" and exc.open is False
        if review is not None:
            exc = BatchException(exc.key, exc.kind, exc.serial, exc.detail, False, review[0], review[1])
        elif not closed_by_nc:
            exc = BatchException(exc.key, exc.kind, exc.serial, exc.detail, True)
        result.append(exc)
    return result


def open_exceptions(session: Session, wo: WorkOrder) -> list[BatchException]:
    """The exceptions still standing in the way of release."""
    return [exc for exc in batch_exceptions(session, wo) if exc.open]


def _records(wo: WorkOrder) -> Any:
    return select(OperationRecord).join(Unit, Unit.id == OperationRecord.unit_id).where(Unit.work_order_id == wo.id)


def _measurement_exceptions(session: Session, wo: WorkOrder, serials: dict[int, str]) -> list[BatchException]:
    query = (select(Measurement, OperationRecord.unit_id, OperationRecord.seq)
             .join(OperationRecord, OperationRecord.id == Measurement.operation_record_id)
             .join(Unit, Unit.id == OperationRecord.unit_id)
             .where(Unit.work_order_id == wo.id, or_(not_(Measurement.passed), Measurement.manual))
             .order_by(Measurement.id))
    out = []
    for m, unit_id, seq in session.execute(query):
        where = f"op {seq} {m.name}={m.value:g}{m.unit} [{m.low}…{m.high}]"
        if not m.passed:
            out.append(BatchException(f"oos:{m.id}", "out_of_spec", serials[unit_id], f"{where} out of limits"))
        if m.manual:
            out.append(BatchException(f"manual:{m.id}", "manual_entry", serials[unit_id], f"{where} entered by hand"))
    return out


def _retests(session: Session, wo: WorkOrder, serials: dict[int, str]) -> list[BatchException]:
    query = _records(wo).where(OperationRecord.retest_count > 0).order_by(OperationRecord.id)
    return [BatchException(f"retest:{r.id}", "retest", serials[r.unit_id],
                           f"op {r.seq} attempt {r.retest_count + 1}")
            for r in session.scalars(query)]


def _overrides(session: Session, wo: WorkOrder) -> list[BatchException]:
    query = (select(Override).join(Unit, Unit.serial == Override.serial)
             .where(Unit.work_order_id == wo.id).order_by(Override.id))
    return [BatchException(f"override:{o.id}", "override", o.serial,
                           f"op {o.seq}: {o.check} ({o.subject}) let through: {o.reason}")
            for o in session.scalars(query)]


def _nonconformances(session: Session, wo: WorkOrder, serials: dict[int, str]) -> list[BatchException]:
    query = (select(Nonconformance).join(Unit, Unit.id == Nonconformance.unit_id)
             .where(Unit.work_order_id == wo.id).order_by(Nonconformance.id))
    out = []
    for nc in session.scalars(query):
        serial = serials[nc.unit_id]
        # The detail is what a review signs, so it must not change when the NC later closes.
        out.append(BatchException(f"nc:{nc.number}", "nonconformance", serial, nc.description,
                                  open=nc.status == "open"))
        if nc.disposition == "rework":
            out.append(BatchException(f"rework:{nc.number}", "rework", serial, f"reworked after {nc.number}"))
    return out


def _changes(session: Session, wo: WorkOrder, serials: dict[int, str]) -> list[BatchException]:
    """Audit UPDATE/DELETE/CORRECT events on GMP records of this batch after they were created."""
    completion = and_(AuditEvent.entity == "operation_record", AuditEvent.field == "result",
                      AuditEvent.old_value.is_(None))  # production's own completion, not a change
    query = (select(AuditEvent).where(AuditEvent.action.in_(CHANGE_ACTIONS), AuditEvent.entity.in_(GMP_ENTITIES),
                                      not_(completion)).order_by(AuditEvent.id))
    events = list(session.scalars(query))
    if not events:
        return []
    ids = _record_ids(session, wo)
    numbers = session.scalars(select(Nonconformance.number).where(Nonconformance.unit_id.in_(
        select(Unit.id).where(Unit.work_order_id == wo.id))))
    # measurement entries name "<serial>/op…", note entries "<nc number>/<note id>"
    prefixes = tuple(f"{key}/" for key in [*serials.values(), *numbers])
    out = []
    for ev in events:
        if ev.entity_id in ids.get(ev.entity, set()) or ev.entity_id.startswith(prefixes):
            serial = next((s for s in serials.values() if ev.entity_id.startswith(f"{s}/")), None)
            what = f"{ev.entity} {ev.entity_id} {ev.field or ''}: {ev.old_value} → {ev.new_value} by {ev.user_name}"
            out.append(BatchException(f"change:{ev.id}", "changed_after_creation", serial,
                                      f"{what} ({ev.reason or 'no reason'})"))
    return out


def _record_ids(session: Session, wo: WorkOrder) -> dict[str, set[str]]:
    units = select(Unit.id).where(Unit.work_order_id == wo.id)
    records = select(OperationRecord.id).where(OperationRecord.unit_id.in_(units))
    return {
        "operation_record": {str(i) for i in session.scalars(records)},
        "measurement": {str(i) for i in session.scalars(
            select(Measurement.id).where(Measurement.operation_record_id.in_(records)))},
        "component_consumption": {str(i) for i in session.scalars(
            select(ComponentConsumption.id).where(ComponentConsumption.unit_id.in_(units)))},
    }


def _reviews(session: Session, wo: WorkOrder) -> dict[str, tuple[str, str]]:
    query = (select(ExceptionReview.exception_key, User.display_name, ExceptionReview.decision)
             .join(User, User.id == ExceptionReview.reviewer_id).where(ExceptionReview.work_order_id == wo.id))
    return {key: (name, decision) for key, name, decision in session.execute(query)}
