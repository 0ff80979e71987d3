"""Electronic signatures (21 CFR 11.50, 11.70, 11.200): execute, link to content, verify, show.

A signature stores the signer, the printed name at signing, the meaning, the UTC time, the reason,
the record reference and the SHA-256 of the record's canonical content (mes.compliance.canonical).
A `seal` hashes all of these together: a signature edited to point at another record, or whose
content changed, no longer verifies. The SIGN audit entry, written in the same transaction, holds
the signature id, meaning, content hash and seal inside the hash-chained trail.

The caller's duties (docs/electronic-signatures.md):
- ask `username_required(...)` and pass the typed `username` when it says so (the first signing of a
  session, or after a break in continuity): sign() cannot see the caller's session, but it checks the
  user name it is given against the signer (empty: UsernameRequired; another's: WrongCredentials,
  audited and counted toward the lockout). Callers never compare user names themselves;
- check the action's permission (or pass `permission=`), and `require_two_persons` where an author
  and an approver must differ;
- on SignatureRefused the caller's transaction is already rolled back: the signed action must not
  happen, and the failure is recorded and committed separately so it counts toward the lockout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.compliance.canonical import canonical_json, content_hash
from mes.compliance.errors import (
    AccountInactive,
    AccountLocked,
    PasswordChangeRequired,
    SignatureRefused,
    SignerNotAuthorized,
    TwoPersonRule,
    UsernameRequired,
    WrongCredentials,
)
from mes.models import ElectronicSignature, User, utcnow
from mes.security.accounts import password_change_required, register_failure, register_success
from mes.security.passwords import verify_password
from mes.security.permissions import Permission, has_permission
from mes.security.policy import AccountPolicy

__all__ = [
    "SignatureMeaning", "content_hash", "manifestation", "require_two_persons", "sign", "signatures_for",
    "username_required", "verify_signature",
]


class SignatureMeaning(StrEnum):
    """What the signer means by signing (§11.50(a)(3))."""

    PERFORMED = "performed"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    RELEASED = "released"
    REJECTED = "rejected"
    DISPOSITIONED = "dispositioned"


MEANING_LABELS = {
    "en": {"performed": "Performed", "reviewed": "Reviewed", "approved": "Approved", "released": "Released",
           "rejected": "Rejected", "dispositioned": "Dispositioned"},
    "ru": {"performed": "Выполнено", "reviewed": "Проверено", "approved": "Утверждено", "released": "Выпущено",
           "rejected": "Отклонено", "dispositioned": "Решение принято"},
}


def username_required(*, signings_in_session: int, last_activity: datetime | None, now: datetime,
                      idle_limit: timedelta) -> bool:
    """§11.200(a): both components (user name + password) unless a continuous session already signed once."""
    if signings_in_session <= 0 or last_activity is None:
        return True
    return now - last_activity > idle_limit


def sign(session: Session, *, signer: User, password: str, meaning: SignatureMeaning | str, entity: str,
         entity_id: str, content: Mapping[str, Any], reason: str | None = None, workstation: str,
         username: str | None = None, permission: Permission | str | None = None,
         policy: AccountPolicy | None = None) -> ElectronicSignature:
    """Execute a signature on the record after re-checking the password (and user name when given)."""
    meaning = SignatureMeaning(meaning)
    policy = policy or AccountPolicy.from_env()
    user = session.get(User, signer.id)
    if user is None:
        raise AccountInactive()
    refusal = _check(user, password, username, permission, policy)
    if refusal is not None:
        _record_refusal(session, user.id, refusal, entity, str(entity_id), meaning, workstation, policy)
        raise refusal
    register_success(user)
    signature = ElectronicSignature(
        signer_id=user.id, signer_name=user.display_name, signer_username=user.username, meaning=meaning.value,
        signed_at=utcnow(), reason=reason, entity=entity, entity_id=str(entity_id),
        workstation=workstation[:100], content_hash=content_hash(content))
    signature.seal = _seal(signature)
    session.add(signature)
    session.flush()
    record_audit(session, actor=AuditActor(user.id, user.display_name, workstation[:100]), action="SIGN",
                 entity=entity, entity_id=str(entity_id), field="signature", reason=reason,
                 new={"signature_id": signature.id, "meaning": meaning.value,
                      "content_hash": signature.content_hash, "seal": signature.seal})
    return signature


def _check(user: User, password: str, username: str | None, permission: Permission | str | None,
           policy: AccountPolicy) -> SignatureRefused | None:
    """The first reason to refuse, or None; the order matters (a locked account learns nothing more)."""
    if not user.active:
        return AccountInactive()
    if user.locked_at is not None:
        return AccountLocked()
    if username is not None and not username.strip():
        return UsernameRequired()
    if username is not None and username.strip().lower() != user.username.lower():
        return WrongCredentials()  # counted toward the lockout like a wrong password
    if not verify_password(user.password_hash, password):
        return WrongCredentials()
    if password_change_required(user, policy):
        return PasswordChangeRequired()
    if permission is not None and not has_permission(user.role, permission):
        return SignerNotAuthorized(permission=str(permission))
    return None


def _record_refusal(session: Session, user_id: int, refusal: SignatureRefused, entity: str, entity_id: str,
                    meaning: SignatureMeaning, workstation: str, policy: AccountPolicy) -> None:
    """Roll back the caller's work, then commit the failure on its own so the lockout counts it."""
    session.rollback()  # also releases the caller's locks (audit chain, SQLite writer) before we write
    with Session(bind=session.get_bind()) as own, own.begin():
        user = own.get(User, user_id)
        assert user is not None  # read a moment ago
        counted = isinstance(refusal, WrongCredentials)
        record_audit(own, actor=AuditActor(user.id, user.display_name, workstation[:100]), action="SIGN_FAIL",
                     entity=entity, entity_id=entity_id, field="signature", new={"meaning": meaning.value},
                     reason=refusal.code)
        if counted:
            register_failure(own, user, what="electronic signature", workstation=workstation[:100], policy=policy)


def _seal(sig: ElectronicSignature) -> str:
    fields = {
        "signer_id": sig.signer_id, "signer_name": sig.signer_name, "signer_username": sig.signer_username,
        "meaning": sig.meaning, "signed_at": sig.signed_at, "reason": sig.reason, "entity": sig.entity,
        "entity_id": sig.entity_id, "workstation": sig.workstation, "content_hash": sig.content_hash,
    }
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def verify_signature(sig: ElectronicSignature, current_content: Mapping[str, Any]) -> bool:
    """True while the record's content and the signature itself are as signed; show False as INVALID."""
    return sig.content_hash == content_hash(current_content) and sig.seal == _seal(sig)


def require_two_persons(author_id: int | None, approver_id: int | None) -> None:
    """Two-person rule: the approver must be another person than the author."""
    if author_id is not None and author_id == approver_id:
        raise TwoPersonRule()


def manifestation(sig: ElectronicSignature, tz: tzinfo | str, language: str = "en") -> str:
    """§11.50: "Printed Name — Meaning — 2026-11-26 10:15:03 MSK (07:15:03 UTC)", for screens and exports."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = sig.signed_at.astimezone(zone)
    utc = sig.signed_at.astimezone(UTC)
    label = MEANING_LABELS.get(language, MEANING_LABELS["en"]).get(sig.meaning, sig.meaning)
    return (f"{sig.signer_name} — {label} — {local:%Y-%m-%d %H:%M:%S} {local.tzname()} "
            f"({utc:%H:%M:%S} UTC)")


def signatures_for(session: Session, entity: str, entity_id: str) -> list[ElectronicSignature]:
    """Every signature executed on a record, oldest first."""
    return list(session.scalars(select(ElectronicSignature).where(
        ElectronicSignature.entity == entity, ElectronicSignature.entity_id == str(entity_id))
        .order_by(ElectronicSignature.id)))
