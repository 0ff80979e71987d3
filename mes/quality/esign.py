"""The one place quality records call the electronic-signature service (mes.compliance.signatures)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import SignatureMeaning, sign
from mes.models import ElectronicSignature, User
from mes.quality.errors import SignerUnknown
from mes.security.permissions import Permission


def sign_record(session: Session, actor: AuditActor, password: str, meaning: SignatureMeaning, entity: str,
                entity_id: str, content: Mapping[str, Any], permission: Permission,
                reason: str | None = None, username: str | None = None) -> ElectronicSignature:
    """Sign `content` as the acting user, re-authenticated by password (and user name) and checked for the permission.

    `username` is the typed user name: pass it whenever the signer was asked for it (§11.200(a)(1)(i), the
    first signing of a session); sign() refuses one that is not the signer's own, audits the refusal and
    counts it toward the lockout like a wrong password. On refusal sign() has already rolled the caller's
    transaction back: the signed action never happens.
    """
    if actor.user_id is None:
        raise SignerUnknown()
    signer = session.get_one(User, actor.user_id)
    return sign(session, signer=signer, password=password, meaning=meaning, entity=entity, entity_id=entity_id,
                content=content, reason=reason, workstation=actor.workstation, permission=permission,
                username=username)


def require_permission(session: Session, actor: AuditActor, permission: Permission) -> None:
    """Refuse a person whose role lacks the permission (the system actor, e.g. the edge, passes)."""
    from mes.compliance.errors import PermissionDenied
    from mes.security.permissions import has_permission

    if actor.user_id is None:
        return
    if not has_permission(session.get_one(User, actor.user_id).role, permission):
        raise PermissionDenied(permission=permission.value)
