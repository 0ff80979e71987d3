"""Device history record per serial and batch record per work order (DOMAIN.md §2), as JSON-ready dicts.

Reads only; the EXPORT audit entry is written by `record_export` when a record leaves the system.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.compliance.dhr_parts import equipment_status, header, iso, signature_rows, site_timezone, udi
from mes.models import (
    BatchRelease,
    ComponentConsumption,
    Equipment,
    ExceptionReview,
    MaterialLot,
    Nonconformance,
    NonconformanceNote,
    OperationRecord,
    RoutingOperation,
    Station,
    Unit,
    User,
    WorkOrder,
)
from mes.production.common import get_by
from mes.quality.exceptions import batch_exceptions
from mes.quality.holds import holds_of
from mes.quality.nonconformance import signed_content
from mes.quality.release import release_content, review_content


def build_unit_dhr(session: Session, serial: str, language: str = "en") -> dict[str, Any]:
    """The device history record of one serial: identity, UDI, operations, components, NCs, signatures."""
    unit = get_by(session, Unit, "Unit", serial=serial)
    wo = session.get_one(WorkOrder, unit.work_order_id)
    head = header(session, wo)
    tz = site_timezone(session)
    ncs = _nonconformances(session, [unit.id], {unit.id: serial})
    release = session.scalars(select(BatchRelease).where(BatchRelease.work_order_id == wo.id)).first()
    refs = [("nonconformance", nc["number"], nc.pop("_content")) for nc in ncs]
    if release is not None:
        refs.append(("work_order", wo.number, release_content(wo, release.quantity_released)))
    return {
        "kind": "device_history_record", "serial": serial, **head, "unit_status": unit.status,
        "on_hold": unit.on_hold, "created_at": iso(unit.created_at), "unit_completed_at": iso(unit.completed_at),
        "udi": udi(head["product"]["gtin"], wo.lot_number, serial),
        "operations": _operations(session, unit.id),
        "components": _components(session, [unit.id]),
        "nonconformances": ncs,
        "holds": [_hold(h) for h in holds_of(session, "unit", [serial])],
        "released_for_distribution": release is not None and unit.status == "completed" and not unit.on_hold,
        "signatures": signature_rows(session, refs, tz, language),
        "timezone": tz,
    }


def build_batch_record(session: Session, work_order_number: str, language: str = "en") -> dict[str, Any]:
    """The batch record of a work order: quantities, units, NCs, exceptions and their reviews, release."""
    wo = get_by(session, WorkOrder, "Work order", number=work_order_number)
    head = header(session, wo)
    tz = site_timezone(session)
    units = list(session.execute(select(Unit.id, Unit.serial, Unit.status, Unit.on_hold, Unit.completed_at)
                                 .where(Unit.work_order_id == wo.id).order_by(Unit.id)))
    serials = {u.id: u.serial for u in units}
    of_batch = select(Unit.id).where(Unit.work_order_id == wo.id)
    ncs = _nonconformances(session, of_batch, serials)
    exceptions = batch_exceptions(session, wo)
    release = session.scalars(select(BatchRelease).where(BatchRelease.work_order_id == wo.id)).first()
    refs = [("nonconformance", nc["number"], nc.pop("_content")) for nc in ncs]
    refs += _review_refs(session, wo, exceptions)
    if release is not None:
        refs.append(("work_order", wo.number, release_content(wo, release.quantity_released)))
    return {
        "kind": "batch_record", **head, "udi": udi(head["product"]["gtin"], wo.lot_number, None),
        "quantities": _quantities(units, release), "units": [
            {"serial": u.serial, "status": u.status, "on_hold": u.on_hold, "completed_at": iso(u.completed_at)}
            for u in units],
        "operations": _operation_summary(session, wo), "components": _components(session, of_batch),
        "nonconformances": ncs, "exceptions": [e.as_dict() for e in exceptions],
        "open_exceptions": sum(e.open for e in exceptions),
        "holds": [_hold(h) for h in holds_of(session, "work_order", [wo.number])],
        "release": None if release is None else {
            "quantity_released": release.quantity_released, "released_at": iso(release.released_at)},
        "signatures": signature_rows(session, refs, tz, language), "timezone": tz,
    }


def record_export(session: Session, actor: AuditActor, entity: str, key: str, fmt: str) -> None:
    """Audit that a quality record left the system (who, what, in which format)."""
    record_audit(session, actor=actor, action="EXPORT", entity=entity, entity_id=key, field="format", new=fmt)


def _quantities(units: list[Any], release: BatchRelease | None) -> dict[str, int | None]:
    counts: dict[str, int] = defaultdict(int)
    for u in units:
        counts[u.status] += 1
    return {"started": len(units), "manufactured": counts["completed"] + counts["consumed"],
            "scrapped": counts["scrapped"], "in_process": counts["allocated"] + counts["in_progress"],
            "on_hold": sum(1 for u in units if u.on_hold),
            "released": release.quantity_released if release is not None else None}


def _operations(session: Session, unit_id: int) -> list[dict[str, Any]]:
    query = (select(OperationRecord, RoutingOperation.name, Station.code, Equipment, User.display_name)
             .join(RoutingOperation, RoutingOperation.id == OperationRecord.routing_operation_id)
             .join(Station, Station.id == OperationRecord.station_id)
             .outerjoin(Equipment, Equipment.id == OperationRecord.equipment_id)
             .outerjoin(User, User.id == OperationRecord.operator_id)
             .where(OperationRecord.unit_id == unit_id).order_by(OperationRecord.id))
    return [{
        "seq": rec.seq, "name": name, "station": station, "equipment": equipment_status(eq, rec.started_at),
        "operator": operator, "started_at": iso(rec.started_at), "completed_at": iso(rec.completed_at),
        "result": rec.result, "retest_count": rec.retest_count,
        "measurements": [{"name": m.name, "value": m.value, "unit": m.unit, "low": m.low, "high": m.high,
                          "result": "pass" if m.passed else "fail", "manual": m.manual,
                          "source_tag": m.source_tag, "taken_at": iso(m.taken_at)} for m in rec.measurements],
    } for rec, name, station, eq, operator in session.execute(query)]


def _operation_summary(session: Session, wo: WorkOrder) -> list[dict[str, Any]]:
    """Per operation: records, passes, fails, retests, and the stations/equipment/operators involved."""
    query = (select(OperationRecord.seq, OperationRecord.result, OperationRecord.retest_count, Station.code,
                    OperationRecord.equipment_id, User.display_name)
             .join(Unit, Unit.id == OperationRecord.unit_id).join(Station, Station.id == OperationRecord.station_id)
             .outerjoin(User, User.id == OperationRecord.operator_id)
             .where(Unit.work_order_id == wo.id))
    summary: dict[int, dict[str, Any]] = {}
    for seq, result, retests, station, equipment_id, operator in session.execute(query):
        row = summary.setdefault(seq, {"seq": seq, "records": 0, "pass": 0, "fail": 0, "retests": 0,
                                       "stations": set(), "equipment_ids": set(), "operators": set()})
        row["records"] += 1
        row[result or "open"] = row.get(result or "open", 0) + 1
        row["retests"] += 1 if retests else 0
        row["stations"].add(station)
        if equipment_id is not None:
            row["equipment_ids"].add(equipment_id)
        row["operators"].add(operator or "system")
    equipment = {e.id: e for e in session.scalars(select(Equipment))}
    out = []
    for row in sorted(summary.values(), key=lambda r: r["seq"]):
        at = wo.completed_at or wo.created_at
        eq = [equipment_status(equipment[i], at) for i in sorted(row.pop("equipment_ids"))]
        out.append({**row, "stations": sorted(row["stations"]), "operators": sorted(row["operators"]),
                    "equipment": eq})
    return out


def _components(session: Session, unit_ids: Any) -> list[dict[str, Any]]:
    """Consumed lots and serials (unit_ids: a list or a SELECT of ids); per batch, one row per lot."""
    query = (select(ComponentConsumption.part_number, MaterialLot.lot_number, MaterialLot.supplier,
                    ComponentConsumption.component_serial, func.sum(ComponentConsumption.quantity), func.count())
             .outerjoin(MaterialLot, MaterialLot.id == ComponentConsumption.material_lot_id)
             .where(ComponentConsumption.unit_id.in_(unit_ids))
             .group_by(ComponentConsumption.part_number, MaterialLot.lot_number, MaterialLot.supplier,
                       ComponentConsumption.component_serial)
             .order_by(ComponentConsumption.part_number, MaterialLot.lot_number,
                       ComponentConsumption.component_serial))
    return [{"part_number": part, "lot": lot, "supplier": supplier, "serial": serial, "quantity": str(qty),
             "units": count} for part, lot, supplier, serial, qty, count in session.execute(query)]


def _nonconformances(session: Session, unit_ids: Any, serials: dict[int, str]) -> list[dict[str, Any]]:
    query = select(Nonconformance).where(Nonconformance.unit_id.in_(unit_ids))
    ncs = list(session.scalars(query.order_by(Nonconformance.id)))
    notes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ncs:
        for note in session.scalars(select(NonconformanceNote).where(
                NonconformanceNote.nonconformance_id.in_([nc.id for nc in ncs])).order_by(NonconformanceNote.id)):
            notes[note.nonconformance_id].append({"author": note.author_name, "at": iso(note.created_at),
                                                  "text": note.text})
    return [{"number": nc.number, "serial": serials[nc.unit_id], "source": nc.source,
             "description": nc.description,
             "status": nc.status, "disposition": nc.disposition, "justification": nc.justification,
             "opened_at": iso(nc.opened_at), "closed_at": iso(nc.closed_at), "notes": notes[nc.id],
             "_content": signed_content(nc, serials[nc.unit_id]) if nc.signature_id else None} for nc in ncs]


def _review_refs(session: Session, wo: WorkOrder, exceptions: list[Any]) -> list[tuple[str, str, Any]]:
    by_key = {e.key: e for e in exceptions}
    refs = []
    for review in session.scalars(select(ExceptionReview).where(ExceptionReview.work_order_id == wo.id)):
        exc = by_key.get(review.exception_key)
        content = review_content(wo.number, exc, review.decision) if exc is not None else {"missing": True}
        refs.append(("exception_review", f"{wo.number}/{review.exception_key}", content))
    return refs


def _hold(hold: Any) -> dict[str, Any]:
    return {"id": hold.id, "entity": hold.entity, "key": hold.entity_key, "reason": hold.reason,
            "held_by": hold.held_by_name, "held_at": iso(hold.held_at), "released_by": hold.released_by_name,
            "released_at": iso(hold.released_at), "release_reason": hold.release_reason}
