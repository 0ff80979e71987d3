"""Approving master data: an electronic signature meaning "approved", by another person than the author.

Routings, BOMs and recipe versions are approved the same way (docs/master-data.md): the approver
re-enters the password (and the user name on the session's first signing), the role must hold the
approval permission, and the approver must not be the version's author (two-person rule). The
signature covers the version's canonical content, so a later change shows it as INVALID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import SignatureMeaning, require_two_persons, sign, signatures_for, verify_signature
from mes.models import ElectronicSignature, User
from mes.quality.errors import SignerUnknown
from mes.security.permissions import Permission


def sign_approval(session: Session, actor: AuditActor, *, password: str, entity: str, entity_id: str,
                  content: Mapping[str, Any], permission: Permission, author_id: int | None,
                  reason: str | None = None, username: str | None = None) -> ElectronicSignature:
    """Sign `content` "approved" as the acting user; refuses the author (two-person rule)."""
    if actor.user_id is None:
        raise SignerUnknown()
    require_two_persons(author_id, actor.user_id)
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
