"""Interlock checks from production and compliance: may this unit run on this machine now?

One read-only session per request, a handful of indexed queries: well inside the responder's
deadline (MES_INTERLOCK_CHECK_TIMEOUT_S). The first refusal answers, in this order: unknown unit,
not in production, holds (unit, work order, material lots built in), routing step, operation started
here, operator qualification, calibration, maintenance. A check a line lead overrode with a signed
override when the operation was started (mes.compliance.gating) is not refused again here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mes.compliance.gating import qualified
from mes.domain.routing import ACTIVE_STATUSES
from mes.edge.interlock import OK, InterlockAnswer, InterlockCheck, InterlockRequest, Reason, all_of, serial_check
from mes.models import (
    ComponentConsumption,
    Equipment,
    MaterialLot,
    OperationRecord,
    Override,
    Qualification,
    RoutingOperation,
    Station,
    Unit,
    User,
    WorkOrder,
)
from mes.production.common import open_record

nok = InterlockAnswer.nok


def production_check(factory: sessionmaker[Session]) -> InterlockCheck:
    """The production and compliance check, reading the database behind `factory`."""

    def check(request: InterlockRequest) -> InterlockAnswer:
        with factory() as session:
            return decide(session, request)

    return check


def full_check(factory: sessionmaker[Session]) -> InterlockCheck:
    """What `mes edge` answers with: the serial's form, then production and compliance."""
    return all_of(serial_check, production_check(factory))


def decide(session: Session, request: InterlockRequest) -> InterlockAnswer:
    """OK, or the first refusal with its reason code."""
    equipment = session.get(Equipment, request.equipment_id)
    station = session.get(Station, equipment.station_id) if equipment and equipment.station_id else None
    unit = session.scalars(select(Unit).where(Unit.serial == request.serial)).one_or_none()
    if unit is None:
        return nok(Reason.UNIT_UNKNOWN, f"no unit {request.serial!r} in the MES")
    if unit.status not in ACTIVE_STATUSES:
        return nok(Reason.UNIT_NOT_IN_PRODUCTION, f"unit {unit.serial} is {unit.status}")
    held = _holds(session, unit)
    if held is not OK:
        return held
    if equipment is None or station is None:
        return nok(Reason.WRONG_STEP, f"{request.equipment_code} is at no station")
    routed = _routing(session, unit, station)
    if isinstance(routed, InterlockAnswer):
        return routed
    operation, record = routed
    return _compliance(session, equipment, operation, record, request.today)


def _holds(session: Session, unit: Unit) -> InterlockAnswer:
    if unit.on_hold:
        return nok(Reason.UNIT_ON_HOLD, f"unit {unit.serial} is on hold")
    wo = session.get_one(WorkOrder, unit.work_order_id)
    if wo.status not in ("released", "in_progress"):
        return nok(Reason.WORK_ORDER_ON_HOLD, f"work order {wo.number} is {wo.status}")
    lot = session.scalars(select(MaterialLot.lot_number).join(
        ComponentConsumption, ComponentConsumption.material_lot_id == MaterialLot.id).where(
        ComponentConsumption.unit_id == unit.id, MaterialLot.status != "released")).first()
    if lot is not None:
        return nok(Reason.MATERIAL_LOT_ON_HOLD, f"material lot {lot} in unit {unit.serial} is not released")
    return OK


def _routing(session: Session, unit: Unit,
             station: Station) -> InterlockAnswer | tuple[RoutingOperation, OperationRecord]:
    seq = unit.open_seq if unit.open_seq is not None else unit.next_seq
    routing_id = session.get_one(WorkOrder, unit.work_order_id).routing_id
    operation = session.scalars(select(RoutingOperation).where(RoutingOperation.routing_id == routing_id,
                                                               RoutingOperation.seq == seq)).one_or_none()
    if operation is None or operation.station_type != station.station_type:
        expected = operation.station_type if operation else "none"
        return nok(Reason.WRONG_STEP, f"unit {unit.serial}: operation {seq} is done at {expected}, "
                                      f"this station is {station.station_type}")
    record = open_record(session, unit) if unit.open_seq is not None else None
    if record is None or record.station_id != station.id:
        return nok(Reason.NOT_STARTED_HERE, f"unit {unit.serial}: operation {seq} is not started at {station.code}")
    return operation, record


def _compliance(session: Session, equipment: Equipment, operation: RoutingOperation, record: OperationRecord,
                today: date) -> InterlockAnswer:
    if operation.required_qualification and not _operator_qualified(session, operation, record, today):
        return nok(Reason.NOT_QUALIFIED, f"the operator of operation {record.seq} does not hold "
                                         f"{operation.required_qualification} valid today")
    due = equipment.calibration_due
    if due is not None and due < today and not _overridden(session, record, "calibration_expired"):
        return nok(Reason.CALIBRATION_EXPIRED, f"{equipment.code}: calibration was due {due.isoformat()}")
    due = equipment.maintenance_due
    if due is not None and due < today and not _overridden(session, record, "maintenance_due"):
        return nok(Reason.MAINTENANCE_DUE, f"{equipment.code}: maintenance was due {due.isoformat()}")
    return OK


def _operator_qualified(session: Session, operation: RoutingOperation, record: OperationRecord, today: date) -> bool:
    user = session.get(User, record.operator_id) if record.operator_id is not None else None
    if user is not None:
        until = session.scalar(select(Qualification.valid_until).where(
            Qualification.user_id == user.id, Qualification.code == operation.required_qualification))
        if qualified(until, today):
            return True
    return _overridden(session, record, "not_qualified")


def _overridden(session: Session, record: OperationRecord, check: str) -> bool:
    """A signed override of this check let this very operation start."""
    return session.scalar(select(Override.id).where(Override.used_by_record_id == record.id,
                                                    Override.check == check).limit(1)) is not None
