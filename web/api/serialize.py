"""JSON shapes of the production records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.models import (
    ComponentConsumption,
    MaterialLot,
    Measurement,
    Nonconformance,
    OperationRecord,
    Product,
    Station,
    Unit,
    WorkOrder,
)
from mes.production.workorders import unit_counts


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def work_order(session: Session, wo: WorkOrder) -> dict[str, Any]:
    """A work order with its product and unit counts."""
    return {"number": wo.number, "product_gtin": session.get_one(Product, wo.product_id).gtin,
            "quantity": wo.quantity, "lot_number": wo.lot_number, "status": wo.status,
            "routing_id": wo.routing_id, "bom_id": wo.bom_id, "created_at": _iso(wo.created_at),
            "released_at": _iso(wo.released_at), "completed_at": _iso(wo.completed_at),
            "units": unit_counts(session, wo.id)}


def unit(session: Session, u: Unit) -> dict[str, Any]:
    """A unit with its operation history, measurements and nonconformances."""
    records = session.scalars(select(OperationRecord).where(OperationRecord.unit_id == u.id)
                              .order_by(OperationRecord.id)).all()
    ncs = session.scalars(select(Nonconformance).where(Nonconformance.unit_id == u.id)
                          .order_by(Nonconformance.id)).all()
    return {"serial": u.serial, "work_order": session.get_one(WorkOrder, u.work_order_id).number,
            "status": u.status, "next_operation": u.next_seq, "operation_in_progress": u.open_seq,
            "on_hold": u.on_hold, "completed_at": _iso(u.completed_at),
            "operations": [operation(session, r) for r in records],
            "nonconformances": [nonconformance(nc) for nc in ncs]}


def operation(session: Session, r: OperationRecord) -> dict[str, Any]:
    """An operation record with its measurements."""
    return {"id": r.id, "seq": r.seq, "station": session.get_one(Station, r.station_id).code,
            "operator_id": r.operator_id, "started_at": _iso(r.started_at), "completed_at": _iso(r.completed_at),
            "result": r.result, "retest_count": r.retest_count,
            "measurements": [measurement(m) for m in r.measurements]}


def measurement(m: Measurement) -> dict[str, Any]:
    """A measurement with the limits it was judged against."""
    return {"name": m.name, "value": m.value, "unit": m.unit, "low": m.low, "high": m.high,
            "passed": m.passed, "manual": m.manual, "taken_at": _iso(m.taken_at)}


def nonconformance(nc: Nonconformance) -> dict[str, Any]:
    """A nonconformance."""
    return {"number": nc.number, "status": nc.status, "description": nc.description,
            "disposition": nc.disposition, "opened_at": _iso(nc.opened_at), "closed_at": _iso(nc.closed_at)}


def consumption(c: ComponentConsumption) -> dict[str, Any]:
    """A component consumption."""
    return {"id": c.id, "part_number": c.part_number, "quantity": str(c.quantity),
            "material_lot_id": c.material_lot_id, "component_serial": c.component_serial,
            "consumed_at": _iso(c.consumed_at)}


def material_lot(lot: MaterialLot) -> dict[str, Any]:
    """A material lot."""
    return {"id": lot.id, "part_number": lot.part_number, "lot_number": lot.lot_number, "gtin": lot.gtin,
            "supplier": lot.supplier, "country_of_origin": lot.country_of_origin, "expiry": _iso(lot.expiry),
            "quantity_received": str(lot.quantity_received), "quantity_on_hand": str(lot.quantity_on_hand),
            "status": lot.status, "received_at": _iso(lot.received_at)}
