"""Work orders: create on a product's routing and BOM, release only on an approved routing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import Bom, Brand, Product, Routing, Unit, WorkOrder, utcnow
from mes.production.common import audit, get_by, lock_work_order
from mes.production.errors import InvalidInput, RoutingNotApproved, WrongWorkOrderStatus
from mes.production.numbers import next_numbers

MAX_QUANTITY = 1_000_000


def create_work_order(session: Session, actor: AuditActor, product_gtin: str, quantity: int,
                      number: str | None = None) -> WorkOrder:
    """A planned work order for the product, on its current routing and newest approved BOM, with a new lot."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be an integer from 1 to {MAX_QUANTITY}")
    product = get_by(session, Product, "Product", gtin=product_gtin)
    if product.routing_id is None:
        raise RoutingNotApproved(f"product {product_gtin} has no routing")
    brand = session.get_one(Brand, product.brand_id)
    lot = next_numbers(session, brand, "lot", 1)[0]
    number = number or f"WO-{lot}"
    if session.scalars(select(WorkOrder.id).where(WorkOrder.number == number)).first() is not None:
        raise InvalidInput(f"work order {number} already exists")
    wo = WorkOrder(number=number, product_id=product.id, routing_id=product.routing_id,
                   bom_id=_approved_bom_id(session, product.id), quantity=quantity, lot_number=lot,
                   status="planned")
    session.add(wo)
    session.flush()
    audit(session, actor, "CREATE", "work_order", wo.number,
          new=f"{product.gtin} × {quantity}, lot {lot}, routing {wo.routing_id}, bom {wo.bom_id}")
    return wo


def _approved_bom_id(session: Session, product_id: int) -> int | None:
    query = select(Bom.id).where(Bom.product_id == product_id, Bom.approved).order_by(Bom.version.desc())
    return session.scalars(query).first()


def release_work_order(session: Session, actor: AuditActor, number: str) -> WorkOrder:
    """Release a planned work order to the floor; its routing version must be approved."""
    wo = lock_work_order(session, number)
    if wo.status != "planned":
        raise WrongWorkOrderStatus(status=wo.status, needed="planned")
    routing = session.get_one(Routing, wo.routing_id)
    if not routing.approved:
        raise RoutingNotApproved(f"{routing.code} v{routing.version}")
    audit(session, actor, "UPDATE", "work_order", wo.number, field="status", old=wo.status, new="released")
    wo.status = "released"
    wo.released_at = utcnow()
    return wo


def hold_work_order(session: Session, actor: AuditActor, number: str, reason: str) -> WorkOrder:
    """Hold a released or running work order: no operation starts on its units until it resumes."""
    return _set_status(session, actor, number, "on_hold", ("released", "in_progress"), reason)


def resume_work_order(session: Session, actor: AuditActor, number: str, reason: str) -> WorkOrder:
    """Lift the hold: the order is in progress again if any unit has started, else released."""
    wo = lock_work_order(session, number)
    started = any(status != "allocated" for status in unit_counts(session, wo.id))
    return _set_status(session, actor, number, "in_progress" if started else "released", ("on_hold",), reason)


def _set_status(session: Session, actor: AuditActor, number: str, status: str, allowed: tuple[str, ...],
                reason: str) -> WorkOrder:
    if not reason:
        raise InvalidInput("a reason is required")
    wo = lock_work_order(session, number)
    if wo.status not in allowed:
        raise WrongWorkOrderStatus(status=wo.status, needed=" / ".join(allowed))
    audit(session, actor, "UPDATE", "work_order", wo.number, field="status", old=wo.status, new=status,
          reason=reason)
    wo.status = status
    return wo


def get_work_order(session: Session, number: str) -> WorkOrder:
    """The work order with that number."""
    return get_by(session, WorkOrder, "Work order", number=number)


def list_work_orders(session: Session, status: str | None = None, limit: int = 100) -> list[WorkOrder]:
    """The newest work orders, optionally of one status."""
    query = select(WorkOrder).order_by(WorkOrder.id.desc()).limit(max(1, min(limit, 1000)))
    if status:
        query = query.where(WorkOrder.status == status)
    return list(session.scalars(query))


def unit_counts(session: Session, work_order_id: int) -> dict[str, int]:
    """How many units of the work order are in each status."""
    query = select(Unit.status, func.count()).where(Unit.work_order_id == work_order_id).group_by(Unit.status)
    return {status: count for status, count in session.execute(query)}


def update_work_order_progress(session: Session, actor: AuditActor, wo: WorkOrder) -> None:
    """Move the order to in_progress on its first unit, to completed once every unit is finished."""
    if wo.status not in ("released", "in_progress"):
        return  # held, completed or closed orders change status elsewhere
    if wo.status == "in_progress" and _has_active_units(session, wo.id):
        return  # the common case, answered from the (work_order_id, status) index without counting
    counts = unit_counts(session, wo.id)
    finished = counts.get("completed", 0) + counts.get("scrapped", 0) + counts.get("consumed", 0)
    active = counts.get("allocated", 0) + counts.get("in_progress", 0)
    new = wo.status
    if wo.status == "released" and counts.get("in_progress", 0) + finished > 0:
        new = "in_progress"
    if new == "in_progress" and active == 0 and finished - counts.get("scrapped", 0) >= wo.quantity:
        new = "completed"
    if new != wo.status:
        audit(session, actor, "UPDATE", "work_order", wo.number, field="status", old=wo.status, new=new)
        wo.status = new
        if new == "completed":
            wo.completed_at = utcnow()


def _has_active_units(session: Session, work_order_id: int) -> bool:
    active = select(Unit.id).where(Unit.work_order_id == work_order_id, Unit.status.in_(("allocated", "in_progress")))
    return session.scalars(active.limit(1)).first() is not None
