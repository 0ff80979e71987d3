"""Component scans: parsed, checked against the BOM and the lot, and recorded as genealogy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NoReturn

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from mes.compliance.audit import AuditActor
from mes.domain.labels import ScannedIdentity, parse_scan
from mes.domain.routing import OperationNotStarted, check_active
from mes.models import BomLine, ComponentConsumption, MaterialLot, Product, Unit, WorkOrder
from mes.production.common import (
    audit,
    lock_unit,
    memo,
    open_record,
    production_steps,
    today,
    unit_state,
    work_order_of,
)
from mes.production.errors import (
    ComponentAlreadyConsumed,
    ComponentNotUsable,
    InsufficientQuantity,
    InvalidInput,
    LotExpired,
    LotNotReleased,
    MissingComponents,
    NotFound,
    SerialRequired,
    TooManyComponents,
    WrongPart,
)


@dataclass
class Component:
    """What a scan resolved to: a part number, and a material lot and/or a serial (a unit made here)."""

    part_number: str
    lot: MaterialLot | None = None
    unit: Unit | None = None
    serial: str | None = None
    scanned_expiry: date | None = None


def consume_component(session: Session, actor: AuditActor, serial: str, scan: str,
                      quantity: Decimal | None = None) -> ComponentConsumption:
    """Build a scanned component into the unit's operation in progress (a serialized one only once)."""
    identity = parse_scan(scan, today())
    unit = lock_unit(session, serial)
    check_active(unit_state(unit))
    record = open_record(session, unit)
    if record is None:
        raise OperationNotStarted(seq=unit.next_seq)
    component = _resolve(session, identity, unit)
    line = _bom_line(session, work_order_of(session, unit), component.part_number, record.seq)
    qty = _quantity(line, component, quantity)
    _check_not_too_many(session, unit, line, qty)
    if component.lot is not None:
        _take_from_lot(session, component.lot, qty, component.scanned_expiry)
    if component.unit is not None:
        component.unit.status, component.unit.parent_unit_id = "consumed", unit.id
    row = ComponentConsumption(unit_id=unit.id, operation_record_id=record.id, bom_line_id=line.id,
                               part_number=component.part_number, quantity=qty, scanned=scan[:200],
                               material_lot_id=component.lot.id if component.lot else None,
                               component_unit_id=component.unit.id if component.unit else None,
                               component_serial=component.serial)
    if component.serial is None:
        session.add(row)  # no serial, so no unique constraint to trip: no savepoint round trips
        session.flush()
    else:
        try:
            with session.begin_nested():  # the unique constraints are the last word on "consumed once"
                session.add(row)
        except IntegrityError as exc:
            raise ComponentAlreadyConsumed(serial=component.serial) from exc
    what = f"{component.part_number} lot {component.lot.lot_number if component.lot else '-'} " \
           f"sn {component.serial or '-'} qty {qty}"
    audit(session, actor, "CREATE", "component_consumption", row.id, new=f"{unit.serial} ← {what}")
    return row


def _resolve(session: Session, identity: ScannedIdentity, unit: Unit) -> Component:
    """Find what the scan names: a unit made here (by serial) or a received material lot."""
    if identity.serial and (identity.source == "serial" or identity.lot is None):
        found = session.scalars(select(Unit.id).where(Unit.serial == identity.serial)).first()
        if found is not None or identity.source == "serial":
            return _component_unit(session, identity, unit)
    if not identity.lot:
        raise InvalidInput("the scan names no lot")
    query = select(MaterialLot).where(MaterialLot.lot_number == identity.lot)
    if identity.gtin:
        query = query.where(MaterialLot.gtin == identity.gtin)
    if identity.part_number and identity.source == "internal":
        query = query.where(MaterialLot.part_number == identity.part_number)
    lot = session.scalars(query.order_by(MaterialLot.id)).first()
    if lot is None:
        raise NotFound("Material lot", identity.lot)
    return Component(lot.part_number, lot=lot, serial=identity.serial, scanned_expiry=identity.expiry)


def _component_unit(session: Session, identity: ScannedIdentity, unit: Unit) -> Component:
    if not identity.serial or identity.serial == unit.serial:
        raise InvalidInput("a unit cannot be built into itself")
    component = lock_unit(session, identity.serial)  # parent first, then component: no lock cycle
    gtin = session.scalars(select(Product.gtin).join(WorkOrder, WorkOrder.product_id == Product.id)
                           .where(WorkOrder.id == component.work_order_id)).one()
    if identity.gtin and identity.gtin != gtin:
        raise WrongPart(f"{identity.serial} is a {gtin}", part=identity.gtin)
    if component.status == "consumed":
        raise ComponentAlreadyConsumed(serial=component.serial)
    if component.status != "completed" or component.on_hold:
        raise ComponentNotUsable(serial=component.serial, status="on hold" if component.on_hold else component.status)
    return Component(gtin, unit=component, serial=component.serial)


def bom_lines(session: Session, bom_id: int | None) -> list[BomLine]:
    """The lines of a BOM in position order, read once per transaction."""
    query = select(BomLine).where(BomLine.bom_id == bom_id).order_by(BomLine.position)
    return memo(session, ("bom", bom_id), lambda: list(session.scalars(query)))


def _bom_line(session: Session, wo: WorkOrder, part_number: str, seq: int) -> BomLine:
    """The BOM line of the work order that accepts the part at this operation."""
    for line in bom_lines(session, wo.bom_id):
        if line.accepts(part_number) and line.operation_seq in (None, seq):
            return line
    raise WrongPart(f"operation {seq}", part=part_number)


def _quantity(line: BomLine, component: Component, requested: Decimal | None) -> Decimal:
    if line.capture == "serial" and component.serial is None:
        raise SerialRequired(part=line.part_number)
    if component.serial is not None:
        if requested not in (None, Decimal(1)):
            raise InvalidInput("a serialized component has quantity 1")
        return Decimal(1)
    qty = requested if requested is not None else line.quantity
    if not qty.is_finite() or qty <= 0:
        raise InvalidInput("quantity must be positive")
    return qty


def _check_not_too_many(session: Session, unit: Unit, line: BomLine, qty: Decimal) -> None:
    done = session.scalar(select(func.coalesce(func.sum(ComponentConsumption.quantity), 0)).where(
        ComponentConsumption.unit_id == unit.id, ComponentConsumption.bom_line_id == line.id))
    if Decimal(done or 0) + qty > line.quantity:
        raise TooManyComponents(part=line.part_number)


def _take_from_lot(session: Session, lot: MaterialLot, qty: Decimal, scanned_expiry: date | None) -> None:
    """Check the lot may be used today and decrement it atomically (never below zero).

    One UPDATE both checks (released, not expired, enough left) and takes the quantity, so no other
    transaction can release, quarantine or empty the lot between the check and the take; only when
    it refuses is the lot read again, to say why.
    """
    if scanned_expiry is not None and scanned_expiry < today():
        raise LotExpired(lot=lot.lot_number, expiry=scanned_expiry.isoformat())
    usable = (MaterialLot.id == lot.id, MaterialLot.status == "released", MaterialLot.quantity_on_hand >= qty,
              or_(MaterialLot.expiry.is_(None), MaterialLot.expiry >= today()))
    left = session.execute(
        update(MaterialLot).where(*usable).values(quantity_on_hand=MaterialLot.quantity_on_hand - qty)
        .returning(MaterialLot.quantity_on_hand).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if left is None:
        _refusal(session, lot, qty)
    set_committed_value(lot, "quantity_on_hand", left)


def _refusal(session: Session, lot: MaterialLot, qty: Decimal) -> NoReturn:
    """Why the lot could not be taken from: not released, expired, or not enough left."""
    session.refresh(lot)
    if lot.status != "released":
        raise LotNotReleased(lot=lot.lot_number, status=lot.status)
    if lot.expiry is not None and lot.expiry < today():
        raise LotExpired(lot=lot.lot_number, expiry=lot.expiry.isoformat())
    raise InsufficientQuantity(lot=lot.lot_number, quantity=qty)


def check_components_complete(session: Session, unit: Unit, seq: int) -> None:
    """Raise when BOM lines due at this operation are not fully scanned (lines without one: at the last)."""
    wo = work_order_of(session, unit)
    last = unit.next_seq == seq and _is_last(session, wo, seq)
    due = [ln for ln in bom_lines(session, wo.bom_id) if ln.operation_seq == seq or (ln.operation_seq is None and last)]
    if not due:
        return
    query = (select(ComponentConsumption.bom_line_id, func.sum(ComponentConsumption.quantity))
             .where(ComponentConsumption.unit_id == unit.id,
                    ComponentConsumption.bom_line_id.in_([line.id for line in due]))
             .group_by(ComponentConsumption.bom_line_id))
    done = {line_id: Decimal(total or 0) for line_id, total in session.execute(query)}
    missing = [line.part_number for line in due if done.get(line.id, Decimal(0)) < line.quantity]
    if missing:
        raise MissingComponents(parts=", ".join(missing))


def _is_last(session: Session, wo: WorkOrder, seq: int) -> bool:
    return max(op.seq for op in production_steps(session, wo.routing_id)) == seq
