"""Nonconformances (ISO 13485 §8.3): open, investigate, disposition with an e-signature.

Production opens an NC itself when an operation fails (out of spec); this adds the other ways in
(a failed label scan-back, a machine fault reported by the edge, by hand), append-only investigation
notes, and the five dispositions, each signed with the meaning "dispositioned".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import SignatureMeaning
from mes.compliance.two_person import check_nc_disposer
from mes.domain.routing import UnitNotInProduction, rework_target, seq_after
from mes.models import Nonconformance, NonconformanceNote, OperationRecord, Unit, utcnow
from mes.production.common import as_steps, audit, get_by, lock_unit, routing_steps, work_order_of
from mes.production.errors import InvalidInput
from mes.production.workorders import update_work_order_progress
from mes.quality.errors import JustificationRequired, NonconformanceClosed, UnknownDisposition
from mes.quality.esign import sign_record
from mes.quality.holds import close_hold, record_hold
from mes.security.permissions import Permission

SOURCES = ("out_of_spec", "label_scan", "machine_fault", "manual")
DISPOSITIONS = ("use_as_is", "rework", "scrap", "return_to_supplier", "concession")


def open_nc(session: Session, actor: AuditActor, serial: str, description: str, source: str = "manual",
            operation_record_id: int | None = None) -> Nonconformance:
    """Open an NC on a unit and hold it (label scan-back failure, machine fault, or by hand)."""
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    if not description or len(description) > 500:
        raise InvalidInput("description must be 1 to 500 characters")
    unit = lock_unit(session, serial)
    if unit.status not in ("allocated", "in_progress", "completed"):
        raise UnitNotInProduction(status=unit.status)
    count = session.scalar(select(func.count()).where(Nonconformance.unit_id == unit.id)) or 0
    nc = Nonconformance(number=f"NC-{serial}-{source[0].upper()}{count + 1}", unit_id=unit.id, source=source,
                        operation_record_id=operation_record_id, description=description, status="open")
    session.add(nc)
    session.flush()
    audit(session, actor, "CREATE", "nonconformance", nc.number, new=f"[{source}] {description}")
    if not unit.on_hold:
        audit(session, actor, "UPDATE", "unit", serial, field="on_hold", old=False, new=True, reason=nc.number)
        unit.on_hold = True
    record_hold(session, actor, "unit", serial, f"{nc.number}: {description}", nc.id)
    return nc


def report_label_scan_failure(session: Session, actor: AuditActor, serial: str, expected: str,
                              scanned: str) -> Nonconformance:
    """The printed label read back differs from what was sent to the printer: NC and hold."""
    text = f"label scan-back mismatch: expected {expected!r}, read {scanned!r}"
    return open_nc(session, actor, serial, text[:500], "label_scan")


def report_machine_fault(session: Session, actor: AuditActor, serial: str, equipment: str,
                         fault: str) -> Nonconformance:
    """A machine fault while the unit was in it (called by the edge runtime): NC and hold."""
    return open_nc(session, actor, serial, f"machine fault on {equipment}: {fault}"[:500], "machine_fault")


def add_note(session: Session, actor: AuditActor, number: str, text: str) -> NonconformanceNote:
    """Append an investigation note (notes are never edited; a correction is another note)."""
    if not text or len(text) > 5000:
        raise InvalidInput("a note must be 1 to 5000 characters")
    nc = get_by(session, Nonconformance, "Nonconformance", number=number)
    note = NonconformanceNote(nonconformance_id=nc.id, text=text, author_id=actor.user_id,
                              author_name=actor.user_name, created_at=utcnow())
    session.add(note)
    session.flush()
    audit(session, actor, "CREATE", "nonconformance_note", f"{number}/{note.id}", new=text)
    return note


def signed_content(nc: Nonconformance, serial: str) -> dict[str, Any]:
    """What a disposition signature covers: changing any of it afterwards invalidates the signature."""
    return {"number": nc.number, "serial": serial, "description": nc.description, "source": nc.source,
            "disposition": nc.disposition, "justification": nc.justification}


def disposition_nc(session: Session, actor: AuditActor, number: str, disposition: str, password: str,
                   justification: str | None = None, username: str | None = None) -> Nonconformance:
    """Decide what happens to the nonconforming unit, signed "dispositioned"; the unit's hold lifts."""
    if disposition not in DISPOSITIONS:
        raise UnknownDisposition(allowed=", ".join(DISPOSITIONS))
    if disposition == "concession" and not (justification or "").strip():
        raise JustificationRequired()
    nc = get_by(session, Nonconformance, "Nonconformance", number=number)
    unit = lock_unit(session, session.get_one(Unit, nc.unit_id).serial)
    session.refresh(nc, with_for_update=True)
    if nc.status != "open":
        raise NonconformanceClosed(number=number)
    check_nc_disposer(session, nc, actor.user_id)  # an NC opened by hand is dispositioned by someone else
    reason = justification or disposition
    nc.disposition, nc.justification = disposition, justification
    signature = sign_record(session, actor, password, SignatureMeaning.DISPOSITIONED, "nonconformance", nc.number,
                            signed_content(nc, unit.serial), Permission.NC_DISPOSITION, reason=reason,
                            username=username)
    audit(session, actor, "UPDATE", "nonconformance", nc.number, field="disposition", new=disposition,
          reason=reason)
    nc.status, nc.closed_at, nc.closed_by_id = "closed", utcnow(), actor.user_id
    nc.dispositioned_by_id, nc.signature_id = actor.user_id, signature.id
    for hold in _nc_holds(session, nc):
        close_hold(session, actor, hold, f"{nc.number} dispositioned: {disposition}")
    _apply(session, actor, unit, nc, disposition, reason)
    return nc


def _nc_holds(session: Session, nc: Nonconformance) -> list[Any]:
    from mes.models import Hold

    query = select(Hold).where(Hold.nonconformance_id == nc.id, Hold.released_at.is_(None))
    return list(session.scalars(query))


def _apply(session: Session, actor: AuditActor, unit: Unit, nc: Nonconformance, disposition: str,
           reason: str) -> None:
    """What the disposition does to the unit."""
    if disposition in ("scrap", "return_to_supplier"):
        # Out of this site's production either way; the NC says which (returned units count as scrapped).
        audit(session, actor, "UPDATE", "unit", unit.serial, field="status", old=unit.status, new="scrapped",
              reason=reason)
        unit.status, unit.next_seq, unit.open_seq = "scrapped", None, None
    elif nc.operation_record_id is not None and unit.status == "in_progress":
        record = session.get_one(OperationRecord, nc.operation_record_id)
        steps = as_steps(routing_steps(session, work_order_of(session, unit).routing_id))
        # rework repeats from the routing's rework target; use-as-is/concession accept the result and move on
        target = rework_target(steps, record.seq) if disposition == "rework" else seq_after(steps, record.seq)
        if target != unit.next_seq:
            audit(session, actor, "UPDATE", "unit", unit.serial, field="next_seq", old=unit.next_seq, new=target,
                  reason=reason)
            unit.next_seq = target
        if target is None:
            unit.status, unit.completed_at = "completed", utcnow()
    open_left = session.scalars(select(Nonconformance.id).where(
        Nonconformance.unit_id == unit.id, Nonconformance.status == "open", Nonconformance.id != nc.id)).first()
    if open_left is None and unit.on_hold and not _other_holds(session, unit.serial):
        audit(session, actor, "UPDATE", "unit", unit.serial, field="on_hold", old=True, new=False, reason=reason)
        unit.on_hold = False
    session.flush()
    update_work_order_progress(session, actor, work_order_of(session, unit))


def _other_holds(session: Session, serial: str) -> bool:
    from mes.quality.holds import active_holds

    return bool(active_holds(session, "unit", serial))


def list_ncs(session: Session, status: str | None = None, limit: int = 100) -> list[Nonconformance]:
    """The newest NCs, optionally open or closed only."""
    query = select(Nonconformance).order_by(Nonconformance.id.desc()).limit(max(1, min(limit, 1000)))
    if status:
        query = query.where(Nonconformance.status == status)
    return list(session.scalars(query))
