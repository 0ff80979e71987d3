"""Running operations on units: start with routing enforcement, complete with measurements and result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.gating import check_start_allowed, link_overrides
from mes.domain.routing import check_can_start
from mes.models import Equipment, Nonconformance, OperationRecord, Override, RoutingOperation, Station, Unit
from mes.production.common import (
    as_steps,
    audit,
    get_by,
    lock_unit,
    memo,
    production_steps,
    remember_started,
    today,
    unit_state,
    work_order_of,
)
from mes.production.errors import InvalidInput, WrongWorkOrderStatus
from mes.production.measurements import (
    MeasurementInput,
    started_here,
)
from mes.production.workorders import update_work_order_progress
from mes.quality.holds import record_hold


def start_operation(session: Session, actor: AuditActor, serial: str, seq: int, station_code: str,
                    equipment_code: str | None = None) -> OperationRecord:
    """Start operation `seq` of the unit at a station: only its next operation, at a station of the right type."""
    unit = lock_unit(session, serial)
    wo = work_order_of(session, unit)
    start = check_start(session, actor, unit, seq, station_code, equipment_code)
    retests = session.scalar(select(func.count()).where(OperationRecord.unit_id == unit.id,
                                                        OperationRecord.seq == seq)) or 0
    record = OperationRecord(unit_id=unit.id, routing_operation_id=start.operation.id, seq=seq,
                             station_id=start.station.id, equipment_id=start.equipment_id,
                             operator_id=actor.user_id, retest_count=retests)
    session.add(record)
    unit.open_seq = seq
    if unit.status == "allocated":
        unit.status = "in_progress"
    session.flush()
    link_overrides(start.overrides, record)
    audit(session, actor, "CREATE", "operation_record", record.id, new=f"{serial} op {seq} at {station_code}")
    if wo.status == "released":  # a running order stays running when one more unit starts
        update_work_order_progress(session, actor, wo)
    started_here(session)[record.id] = []  # no values yet: completion need not read them back
    remember_started(session, unit, record)
    return record


@dataclass(frozen=True)
class Start:
    """A start the rules allow: the routing operation, where, and the overrides it uses up."""

    operation: RoutingOperation
    station: Station
    equipment_id: int | None
    overrides: list[Override]


def check_start(session: Session, actor: AuditActor, unit: Unit, seq: int, station_code: str,
                equipment_code: str | None) -> Start:
    """Raise why the locked unit may not start operation `seq` at the station, else what the start is."""
    wo = work_order_of(session, unit)
    if wo.status not in ("released", "in_progress"):
        raise WrongWorkOrderStatus(status=wo.status, needed="released")
    station = memo(session, ("station", station_code), lambda: get_by(session, Station, "Station", code=station_code))
    equipment_id = _equipment_id(session, station, equipment_code)
    operations = production_steps(session, wo.routing_id)
    step = check_can_start(as_steps(operations), unit_state(unit), seq, station.station_type)
    operation = next(op for op in operations if op.seq == step.seq)
    overrides = check_start_allowed(session, actor, unit.serial, seq, operation, equipment_id, today())
    return Start(operation, station, equipment_id, overrides)


def _equipment_id(session: Session, station: Station, equipment_code: str | None) -> int | None:
    if equipment_code is None:
        return None
    equipment = get_by(session, Equipment, "Equipment", code=equipment_code)
    if equipment.station_id != station.id:
        raise InvalidInput(f"equipment {equipment_code} is not at station {station.code}")
    return equipment.id  # calibration and maintenance: mes.compliance.gating, where overrides apply


def complete_operation(session: Session, actor: AuditActor, serial: str, seq: int,
                       measurements: Sequence[MeasurementInput] = (), failed: bool = False) -> OperationRecord:
    """Complete the operation in progress: pass when every measurement is within limits and none is missing.

    A failure (a measurement out of limits, or `failed` reported by the station) opens a nonconformance
    and holds the unit. The batch of one of mes.production.completions: one implementation of the rules.
    """
    from mes.production.completions import CompletionRequest, complete_operations  # it builds on this module

    outcome = complete_operations(session, actor, [CompletionRequest(serial, seq, tuple(measurements), failed)])[0]
    if outcome.error is not None:
        raise outcome.error
    assert outcome.record is not None
    return outcome.record


def open_nonconformance(session: Session, actor: AuditActor, unit: Unit, record: OperationRecord,
                        failed: list[str] | None = None) -> Nonconformance:
    """Open an NC for a failed operation and hold the unit until it is dispositioned."""
    failed = [m.name for m in record.measurements if not m.passed] if failed is None else failed
    text = f"op {record.seq} failed" + (f": out of limits {', '.join(failed)}" if failed else "")
    nc = Nonconformance(number=f"NC-{unit.serial}-{record.id}", unit_id=unit.id, operation_record_id=record.id,
                        description=text[:500], status="open")
    session.add(nc)
    session.flush()
    audit(session, actor, "CREATE", "nonconformance", nc.number, new=text)
    audit(session, actor, "UPDATE", "unit", unit.serial, field="on_hold", old=False, new=True, reason=nc.number)
    unit.on_hold = True
    record_hold(session, actor, "unit", unit.serial, f"{nc.number}: {text}", nc.id)
    return nc
