"""Holds on units, work orders and material lots, integrated with production's own hold flags.

Production already blocks on unit.on_hold, on a work order in status on_hold and on a lot that is not
released; a Hold row records who held what, why and who released it. The flag is set with the first
active hold and cleared only when the last one is released (and, for a unit, no NC is still open).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import Hold, MaterialLot, Nonconformance, Unit, WorkOrder, utcnow
from mes.production.common import audit, get_by, lock_unit, lock_work_order
from mes.production.errors import InvalidInput, NotFound
from mes.quality.errors import HoldBlocked, HoldNotActive
from mes.quality.esign import require_permission
from mes.security.permissions import Permission

ENTITIES = ("unit", "work_order", "material_lot")


def record_hold(session: Session, actor: AuditActor, entity: str, key: str, reason: str,
                nonconformance_id: int | None = None, set_flag: bool = True) -> Hold:
    """Write the Hold row for a flag the caller has just set (used by NC opening)."""
    hold = Hold(entity=entity, entity_key=key, reason=reason[:500], nonconformance_id=nonconformance_id,
                set_flag=set_flag,
                held_by_id=actor.user_id, held_by_name=actor.user_name, held_at=utcnow())
    session.add(hold)
    session.flush()
    audit(session, actor, "HOLD", entity, key, field="hold", new=hold.id, reason=reason)
    return hold


def place_hold(session: Session, actor: AuditActor, entity: str, key: str, reason: str) -> Hold:
    """Hold a unit (serial), work order (number) or material lot (id): production stops using it."""
    if entity not in ENTITIES:
        raise InvalidInput(f"entity must be one of {', '.join(ENTITIES)}")
    if not reason:
        raise InvalidInput("a reason is required")
    changed = _set_flag(session, actor, entity, key, held=True, reason=reason)
    return record_hold(session, actor, entity, key, reason, set_flag=changed)


def release_hold(session: Session, actor: AuditActor, hold_id: int, reason: str) -> Hold:
    """Release one hold; the thing is usable again once no other hold (or open NC) remains."""
    if not reason:
        raise InvalidInput("a reason is required")
    require_permission(session, actor, Permission.NC_DISPOSITION)
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("Hold", hold_id)
    if hold.released_at is not None:
        raise HoldNotActive(hold_id=hold_id)
    if hold.nonconformance_id is not None:
        nc = session.get_one(Nonconformance, hold.nonconformance_id)
        if nc.status == "open":
            raise HoldBlocked(number=nc.number)
    close_hold(session, actor, hold, reason)
    others = active_holds(session, hold.entity, hold.entity_key)
    if others:
        others[0].set_flag = others[0].set_flag or hold.set_flag  # the flag now waits for the next one
    elif hold.set_flag:
        _set_flag(session, actor, hold.entity, hold.entity_key, held=False, reason=reason)
    return hold


def close_hold(session: Session, actor: AuditActor, hold: Hold, reason: str) -> None:
    """Mark a hold released (the caller decides about the production flag)."""
    hold.released_by_id, hold.released_by_name = actor.user_id, actor.user_name
    hold.released_at, hold.release_reason = utcnow(), reason[:500]
    audit(session, actor, "RELEASE_HOLD", hold.entity, hold.entity_key, field="hold", old=hold.id, reason=reason)


def active_holds(session: Session, entity: str, key: str) -> list[Hold]:
    """The holds on that thing not yet released, oldest first."""
    query = select(Hold).where(Hold.entity == entity, Hold.entity_key == key, Hold.released_at.is_(None))
    return list(session.scalars(query.order_by(Hold.id)))


def holds_of(session: Session, entity: str, keys: list[str]) -> list[Hold]:
    """Every hold (active or released) on those things, oldest first."""
    if not keys:
        return []
    query = select(Hold).where(Hold.entity == entity, Hold.entity_key.in_(keys))
    return list(session.scalars(query.order_by(Hold.id)))


def _set_flag(session: Session, actor: AuditActor, entity: str, key: str, held: bool, reason: str) -> bool:
    """Set or clear production's flag; True when it changed."""
    if entity == "unit":
        unit = lock_unit(session, key)
        if not held and session.scalars(select(Nonconformance.id).where(
                Nonconformance.unit_id == unit.id, Nonconformance.status == "open")).first() is not None:
            return False  # an open NC keeps the unit held; its disposition lifts it
        if unit.on_hold == held:
            return False
        audit(session, actor, "UPDATE", "unit", key, field="on_hold", old=unit.on_hold, new=held, reason=reason)
        unit.on_hold = held
        return True
    if entity == "work_order":
        return _work_order_flag(session, actor, lock_work_order(session, key), held, reason)
    return _lot_flag(session, actor, key, held, reason)


def _work_order_flag(session: Session, actor: AuditActor, wo: WorkOrder, held: bool, reason: str) -> bool:
    # Production's own hold/resume carry the rules (which statuses may be held, what resume goes back to).
    from mes.production.workorders import hold_work_order, resume_work_order

    if held and wo.status in ("released", "in_progress"):
        hold_work_order(session, actor, wo.number, reason)
        return True
    if not held and wo.status == "on_hold":
        resume_work_order(session, actor, wo.number, reason)
        return True
    return False


def _lot_flag(session: Session, actor: AuditActor, key: str, held: bool, reason: str) -> bool:
    from mes.production.materials import quarantine_lot, release_lot

    lot = get_by(session, MaterialLot, "Material lot", id=int(key)) if key.isdigit() else None
    if lot is None:
        raise NotFound("Material lot", key)
    if held and lot.status == "released":
        quarantine_lot(session, actor, lot.id, reason)
        return True
    if not held and lot.status == "quarantined":
        release_lot(session, actor, lot.id, reason)
        return True
    return False


def held_units(session: Session, work_order_id: int) -> list[Unit]:
    """The units of a work order on hold now."""
    query = select(Unit).where(Unit.work_order_id == work_order_id, Unit.on_hold)
    return list(session.scalars(query.order_by(Unit.id)))
