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
from mes.compliance.errors import (
    MaintenanceDue,
    NotOverridable,
    NotQualified,
    OverrideAlreadyOpen,
    OverrideSubjectUnknown,
    ReasonRequired,
    WrongCredentials,
)
from mes.compliance.signatures import SignatureMeaning, sign
from mes.domain.errors import DomainError
from mes.models import (
    Equipment,
    OperationRecord,
    Override,
    Qualification,
    RoutingOperation,
    Unit,
    User,
    WorkOrder,
    utcnow,
)
from mes.production.errors import CalibrationExpired, InvalidInput, NotFound
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
    """A line lead lets one refused start through, signing (meaning approved) with a reason.

    What is signed is checked first (a known check, unit, operation and subject; no unused override
    already covering it), so a signature never covers a request that could not be honoured.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    _check_override_request(session, check, subject, serial, seq)
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


def override_signer(session: Session, actor: AuditActor, username: str | None) -> User:
    """Who signs an override: the named account (a lead signing at an operator's terminal), else the actor.

    An unknown name is refused like a wrong password (nothing is revealed) and the attempt is audited
    (SIGN_FAIL, committed on its own because the caller's transaction rolls back).
    """
    name = (username or "").strip().lower()
    if not name:
        if actor.user_id is None:
            raise WrongCredentials()
        return session.get_one(User, actor.user_id)
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    if user is None:
        session.rollback()
        with Session(bind=session.get_bind()) as own, own.begin():
            record_audit(own, actor=AuditActor(None, name[:60], actor.workstation[:100]), action="SIGN_FAIL",
                         entity="override", entity_id=name[:60], field="signature",
                         reason="unknown or inactive account")
        raise WrongCredentials()
    return user


def override_content(override: Override) -> dict[str, object]:
    """What the lead's signature covers (to verify it against the override as stored)."""
    return {"check": override.check, "subject": override.subject, "serial": override.serial, "seq": override.seq,
            "reason": override.reason}


def _check_override_request(session: Session, check: str, subject: str, serial: str, seq: int) -> None:
    """Refuse an override that names no overridable check, unit, operation or subject, or is already open."""
    if check not in OVERRIDABLE:
        raise NotOverridable(allowed=", ".join(OVERRIDABLE))
    unit = session.scalars(select(Unit).where(Unit.serial == serial)).one_or_none()
    if unit is None:
        raise NotFound("Unit", serial)
    routing_id = session.scalar(select(WorkOrder.routing_id).where(WorkOrder.id == unit.work_order_id))
    if session.scalar(select(RoutingOperation.id).where(RoutingOperation.routing_id == routing_id,
                                                        RoutingOperation.seq == seq)) is None:
        raise InvalidInput(f"unit {serial} has no operation {seq}")
    if check == "not_qualified":
        known = session.scalar(select(User.id).where(User.username == subject)) is not None
        expected = ("a user name", "имени пользователя")
    else:
        known = session.scalar(select(Equipment.id).where(Equipment.code == subject)) is not None
        expected = ("an equipment code", "кода оборудования")
    if not known:
        raise OverrideSubjectUnknown(check=check, expected=expected[0], expected_ru=expected[1], subject=subject)
    already = _open_override(session, check, subject, serial, seq)
    if already is not None:
        raise OverrideAlreadyOpen(override_id=already.id)


def overrides_for(session: Session, serials: list[str] | None = None, *, work_order: str | None = None,
                  unused_only: bool = False, limit: int | None = None) -> list[Override]:
    """Overrides (for review by exception), optionally of some units or one work order, oldest first."""
    query = select(Override).order_by(Override.id)
    if serials is not None:
        query = query.where(Override.serial.in_(serials))
    if work_order is not None:
        query = query.where(Override.serial.in_(
            select(Unit.serial).join(WorkOrder, WorkOrder.id == Unit.work_order_id)
            .where(WorkOrder.number == work_order)))
    if unused_only:
        query = query.where(Override.used_at.is_(None))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
