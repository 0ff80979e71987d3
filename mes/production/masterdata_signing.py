"""Approving master data: an electronic signature meaning "approved", by another person than the author.

Routings, BOMs and recipe versions are approved the same way (docs/master-data.md): the approver
re-enters the password (and the user name on the session's first signing), the role must hold the
approval permission, and the approver must not be the version's author (two-person rule). The
signature covers the version's canonical content, so a later change shows it as INVALID.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import SignatureMeaning, require_two_persons, sign, signatures_for, verify_signature
from mes.models import AuditEvent, ElectronicSignature, User
from mes.quality.errors import SignerUnknown
from mes.security.permissions import Permission


def sign_approval(session: Session, actor: AuditActor, *, password: str, entity: str, entity_id: str,
                  content: Mapping[str, Any], permission: Permission, author_id: int | None,
                  reason: str | None = None, username: str | None = None,
                  editors: Collection[int] = ()) -> ElectronicSignature:
    """Sign `content` "approved" as the acting user; refuses the author and anyone who edited the draft
    (two-person rule: nobody approves content they wrote)."""
    if actor.user_id is None:
        raise SignerUnknown()
    for person in {author_id, *editors}:
        require_two_persons(person, actor.user_id)
    signer = session.get_one(User, actor.user_id)
    return sign(session, signer=signer, password=password, meaning=SignatureMeaning.APPROVED, entity=entity,
                entity_id=entity_id, content=content, reason=reason, workstation=actor.workstation,
                username=username, permission=permission)


def approval_status(session: Session, entity: str, entity_id: str, signature_id: int | None,
                    content: Mapping[str, Any]) -> tuple[ElectronicSignature | None, bool]:
    """The approval signature of a record and whether it still verifies against the current content."""
    if signature_id is None:
        return None, False
    signature = next((s for s in signatures_for(session, entity, entity_id) if s.id == signature_id), None)
    return signature, signature is not None and verify_signature(signature, content)


def editors_of(session: Session, records: Mapping[str, Collection[str]]) -> set[int]:
    """The people whose changes are in the audit trail of these records (entity → ids): a draft's editors."""
    if not any(records.values()):
        return set()
    matches = [and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(list(ids)))
               for entity, ids in records.items() if ids]
    query = select(AuditEvent.user_id).where(or_(*matches), AuditEvent.user_id.is_not(None)).distinct()
    return {user_id for user_id in session.scalars(query) if user_id is not None}
