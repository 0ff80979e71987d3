"""API tokens: created for a user and shown once; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.models import ApiToken, User

TOKEN_PREFIX = "mes_"


def hash_token(token: str) -> str:
    """SHA-256 of the token: a 256-bit random secret needs no slow hash, only a one-way one."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, actor: AuditActor, username: str, name: str = "api") -> str:
    """A new token for the user; the plain text is returned once and never stored."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        raise LookupError(f"no active user {username!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    record_audit(session, actor=actor, action="CREATE", entity="api_token", entity_id=str(row.id),
                 new=f"{name} for {username}")
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active, unlocked user a valid, unrevoked token belongs to."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    query = (select(User).join(ApiToken, ApiToken.user_id == User.id)
             .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)))
    user = session.scalars(query).one_or_none()
    if user is None or not user.active or user.locked_at is not None:
        return None
    return user
