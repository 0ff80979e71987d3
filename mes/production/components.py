"""Component scans: parsed, checked against the BOM and the lot, and recorded as genealogy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
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
    component, line, qty = check_scan(session, unit, record.seq, identity, quantity)
    if component.lot is not None:
        _take_from_lot(session, component.lot, qty, component.scanned_expiry)
    if component.unit is not None:
        component.unit.status, component.unit.parent_unit_id = "consumed", unit.id
    row = consumption_row(unit, record.id, component, line, qty, scan)
    if component.serial is None:
        session.add(row)  # no serial, so no unique constraint to trip: no savepoint round trips
        session.flush()
    else:
        try:
            with session.begin_nested():  # the unique constraints are the last word on "consumed once"
                session.add(row)
        except IntegrityError as exc:
            raise ComponentAlreadyConsumed(serial=component.serial) from exc
    audit(session, actor, "CREATE", "component_consumption", row.id, new=consumption_text(unit, component, qty))
    return row


def check_scan(session: Session, unit: Unit, seq: int, identity: ScannedIdentity, quantity: Decimal | None,
               lots: dict[str, list[MaterialLot]] | None = None,
               done: dict[int, Decimal] | None = None) -> tuple[Component, BomLine, Decimal]:
    """The component a scan names, its BOM line at operation `seq` and the quantity, or the refusal.

    `lots` (lots by number, read beforehand) and `done` (quantity already built in per BOM line id)
    spare the queries when a batch has read them for many scans at once.
    """
    component = _resolve(session, identity, unit, lots)
    line = _bom_line(session, work_order_of(session, unit), component.part_number, seq)
    qty = _quantity(line, component, quantity)
    already = _consumed(session, unit, line) if done is None else done.get(line.id, Decimal(0))
    if already + qty > line.quantity:
        raise TooManyComponents(part=line.part_number)
    return component, line, qty


def consumption_row(unit: Unit, record_id: int | None, component: Component, line: BomLine, qty: Decimal,
                    scan: str) -> ComponentConsumption:
    """The genealogy row of a component built into the unit."""
    return ComponentConsumption(**consumption_columns(unit, record_id, component, line, qty, scan))


def consumption_columns(unit: Unit, record_id: int | None, component: Component, line: BomLine, qty: Decimal,
                        scan: str) -> dict[str, Any]:
    """The columns of consumption_row."""
    return {"unit_id": unit.id, "operation_record_id": record_id, "bom_line_id": line.id,
            "part_number": component.part_number, "quantity": qty, "scanned": scan[:200],
            "material_lot_id": component.lot.id if component.lot else None,
            "component_unit_id": component.unit.id if component.unit else None,
            "component_serial": component.serial}


def consumption_text(unit: Unit, component: Component, qty: Decimal) -> str:
    """What the audit trail says of a consumption."""
    return f"{unit.serial} ← {component.part_number} lot {component.lot.lot_number if component.lot else '-'} " \
           f"sn {component.serial or '-'} qty {qty}"


def _resolve(session: Session, identity: ScannedIdentity, unit: Unit,
             lots: dict[str, list[MaterialLot]] | None = None) -> Component:
    """Find what the scan names: a unit made here (by serial) or a received material lot."""
    if identity.serial and (identity.source == "serial" or identity.lot is None):
        found = session.scalars(select(Unit.id).where(Unit.serial == identity.serial)).first()
        if found is not None or identity.source == "serial":
            return _component_unit(session, identity, unit)
    if not identity.lot:
        raise InvalidInput("the scan names no lot")
    if lots is None:
        lots = {identity.lot: list(session.scalars(select(MaterialLot).where(MaterialLot.lot_number == identity.lot)
                                                   .order_by(MaterialLot.id)))}
    lot = match_lot(lots.get(identity.lot, []), identity)
    if lot is None:
        raise NotFound("Material lot", identity.lot)
    return Component(lot.part_number, lot=lot, serial=identity.serial, scanned_expiry=identity.expiry)


def match_lot(candidates: list[MaterialLot], identity: ScannedIdentity) -> MaterialLot | None:
    """The first (oldest) of the lots with the scanned number that also matches its GTIN or internal part number."""
    for lot in sorted(candidates, key=lambda lot: lot.id):
        if identity.gtin and lot.gtin != identity.gtin:
            continue
        if identity.part_number and identity.source == "internal" and lot.part_number != identity.part_number:
            continue
        return lot
    return None


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
    return memo(session, ("bom", bom_id), lambda: list(session.scalars(
        select(BomLine).where(BomLine.bom_id == bom_id).order_by(BomLine.position))))


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


def _consumed(session: Session, unit: Unit, line: BomLine) -> Decimal:
    done = session.scalar(select(func.coalesce(func.sum(ComponentConsumption.quantity), 0)).where(
        ComponentConsumption.unit_id == unit.id, ComponentConsumption.bom_line_id == line.id))
    return Decimal(done or 0)


def _take_from_lot(session: Session, lot: MaterialLot, qty: Decimal, scanned_expiry: date | None) -> None:
    """Check the lot may be used today and decrement it atomically (never below zero).

    One UPDATE both checks (released, not expired, enough left) and takes the quantity, so no other
    transaction can release, quarantine or empty the lot between the check and the take; only when
    it refuses is the lot read again, to say why.
    """
    if scanned_expiry is not None and scanned_expiry < today():
        raise LotExpired(lot=lot.lot_number, expiry=scanned_expiry.isoformat())
    if not take_from_lot(session, lot, qty):
        _refusal(session, lot, qty)


def take_from_lot(session: Session, lot: MaterialLot, qty: Decimal) -> bool:
    """Take `qty` from the lot in one guarded UPDATE (released, not expired, enough left); False if refused."""
    usable = (MaterialLot.id == lot.id, MaterialLot.status == "released", MaterialLot.quantity_on_hand >= qty,
              or_(MaterialLot.expiry.is_(None), MaterialLot.expiry >= today()))
    left = session.execute(
        update(MaterialLot).where(*usable).values(quantity_on_hand=MaterialLot.quantity_on_hand - qty)
        .returning(MaterialLot.quantity_on_hand).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if left is None:
        return False
    set_committed_value(lot, "quantity_on_hand", left)
    return True


def _refusal(session: Session, lot: MaterialLot, qty: Decimal) -> NoReturn:
    """Why the lot could not be taken from: not released, expired, or not enough left."""
    session.refresh(lot)
    raise lot_refusal(lot, qty, None) or InsufficientQuantity(lot=lot.lot_number, quantity=qty)


def lot_refusal(lot: MaterialLot, qty: Decimal, scanned_expiry: date | None,
                left: Decimal | None = None) -> DomainError | None:
    """Why `qty` may not be taken from the lot today (`left`: what is on hand, if not the lot's figure), or None."""
    if scanned_expiry is not None and scanned_expiry < today():
        return LotExpired(lot=lot.lot_number, expiry=scanned_expiry.isoformat())
    if lot.status != "released":
        return LotNotReleased(lot=lot.lot_number, status=lot.status)
    if lot.expiry is not None and lot.expiry < today():
        return LotExpired(lot=lot.lot_number, expiry=lot.expiry.isoformat())
    if (lot.quantity_on_hand if left is None else left) < qty:
        return InsufficientQuantity(lot=lot.lot_number, quantity=qty)
    return None


def check_components_complete(session: Session, unit: Unit, seq: int,
                              done: dict[int, Decimal] | None = None) -> None:
    """Raise when BOM lines due at this operation are not fully scanned (lines without one: at the last).

    `done`: quantity built in per BOM line id, when the caller knows it (else it is summed here).
    """
    wo = work_order_of(session, unit)
    last = unit.next_seq == seq and _is_last(session, wo, seq)
    due = [ln for ln in bom_lines(session, wo.bom_id) if ln.operation_seq == seq or (ln.operation_seq is None and last)]
    if not due:
        return
    if done is None:
        query = (select(ComponentConsumption.bom_line_id, func.sum(ComponentConsumption.quantity))
                 .where(ComponentConsumption.unit_id == unit.id,
                        ComponentConsumption.bom_line_id.in_([line.id for line in due]))
                 .group_by(ComponentConsumption.bom_line_id))
        done = {line_id: Decimal(total or 0) for line_id, total in session.execute(query)}
    missing = [line.part_number for line in due if done.get(line.id, Decimal(0)) < line.quantity]
    if missing:
        raise MissingComponents(parts=", ".join(missing))


def components_due(session: Session, unit: Unit, seq: int) -> bool:
    """Whether any BOM line must be complete when operation `seq` of the unit completes."""
    wo = work_order_of(session, unit)
    last = unit.next_seq == seq and _is_last(session, wo, seq)
    return any(ln.operation_seq == seq or (ln.operation_seq is None and last) for ln in bom_lines(session, wo.bom_id))


def _is_last(session: Session, wo: WorkOrder, seq: int) -> bool:
    return max(op.seq for op in production_steps(session, wo.routing_id)) == seq
