"""Gating an operation start: qualified operator, calibrated and maintained equipment, or a signed override.

A refused check passes only through an Override a line lead granted for that unit and operation,
with an e-signature and a reason (`grant_override`); each override lets one start through and is
kept for review by exception (`overrides_for`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.compliance.errors import MaintenanceDue, NotQualified, ReasonRequired
from mes.compliance.signatures import SignatureMeaning, sign
from mes.domain.errors import DomainError
from mes.models import Equipment, OperationRecord, Override, Qualification, RoutingOperation, User, utcnow
from mes.production.errors import CalibrationExpired
from mes.security.permissions import Permission
from mes.security.policy import AccountPolicy

OVERRIDABLE = ("calibration_expired", "maintenance_due", "not_qualified")


def qualified(valid_until: date | None, today: date) -> bool:
    """A qualification counts through its last valid day."""
    return valid_until is not None and valid_until >= today


def check_start_allowed(session: Session, actor: AuditActor, serial: str, seq: int, operation: RoutingOperation,
                        equipment_id: int | None, today: date) -> list[Override]:
    """Raise the first refusal no override covers; return the overrides this start uses up."""
    refusals: list[tuple[str, str, DomainError]] = []
    if operation.required_qualification:
        refusal = _qualification_refusal(session, actor, operation.required_qualification, today)
        if refusal:
            refusals.append(refusal)
    equipment = session.get(Equipment, equipment_id) if equipment_id is not None else None
    if equipment is not None and equipment.calibration_due is not None and equipment.calibration_due < today:
        refusals.append(("calibration_expired", equipment.code,
                         CalibrationExpired(equipment=equipment.code, due=equipment.calibration_due.isoformat())))
    if equipment is not None and equipment.maintenance_due is not None and equipment.maintenance_due < today:
        refusals.append(("maintenance_due", equipment.code,
                         MaintenanceDue(equipment=equipment.code, due=equipment.maintenance_due.isoformat())))
    used = []
    for check, subject, error in refusals:
        override = _open_override(session, check, subject, serial, seq)
        if override is None:
            raise error
        override.used_at = utcnow()
        used.append(override)
    return used


def link_overrides(overrides: list[Override], record: OperationRecord) -> None:
    """Name the operation record each used override let through (call after the record is flushed)."""
    for override in overrides:
        override.used_by_record_id = record.id


def _qualification_refusal(session: Session, actor: AuditActor, code: str,
                           today: date) -> tuple[str, str, DomainError] | None:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    name = user.username if user else actor.user_name
    valid_until = None if user is None else session.scalar(
        select(Qualification.valid_until).where(Qualification.user_id == user.id, Qualification.code == code))
    if qualified(valid_until, today):
        return None
    return "not_qualified", name, NotQualified(user=name, qualification=code)


def _open_override(session: Session, check: str, subject: str, serial: str, seq: int) -> Override | None:
    return session.scalars(select(Override).where(
        Override.check == check, Override.subject == subject, Override.serial == serial, Override.seq == seq,
        Override.used_at.is_(None)).order_by(Override.id)).first()


def grant_override(session: Session, *, lead: User, password: str, check: str, subject: str, serial: str,
                   seq: int, reason: str, workstation: str, username: str | None = None,
                   policy: AccountPolicy | None = None) -> Override:
    """A line lead lets one refused start through, signing (meaning approved) with a reason."""
    if check not in OVERRIDABLE:
        raise ValueError(f"not an overridable check: {check}")
    if not reason or not reason.strip():
        raise ReasonRequired()
    content = {"check": check, "subject": subject, "serial": serial, "seq": seq, "reason": reason}
    signature = sign(session, signer=lead, password=password, meaning=SignatureMeaning.APPROVED, entity="override",
                     entity_id=f"{serial}/{seq}/{check}", content=content, reason=reason, workstation=workstation,
                     username=username, permission=Permission.CALIBRATION_OVERRIDE, policy=policy)
    override = Override(check=check, subject=subject, serial=serial, seq=seq, reason=reason,
                        granted_by_id=signature.signer_id, signature_id=signature.id, granted_at=signature.signed_at)
    session.add(override)
    session.flush()
    record_audit(session, actor=AuditActor(signature.signer_id, signature.signer_name, workstation[:100]),
                 action="CREATE", entity="override", entity_id=str(override.id), new=content, reason=reason)
    return override


def overrides_for(session: Session, serials: list[str] | None = None) -> list[Override]:
    """Overrides (for review by exception), optionally of some units only, oldest first."""
    query = select(Override).order_by(Override.id)
    if serials is not None:
        query = query.where(Override.serial.in_(serials))
    return list(session.scalars(query))
