"""Qualifications (training records) and account roles: who may do what, and until when."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import Qualification, User
from mes.production.common import audit
from mes.production.masterdata_errors import InvalidMasterData
from mes.security.permissions import ROLES
from mes.security.users import find_user

QUALIFICATION_CODE = re.compile(r"[a-z][a-z0-9_]{0,59}")


def grant_qualification(session: Session, actor: AuditActor, username: str, code: str, valid_until: date,
                        reason: str | None = None) -> Qualification:
    """Give a person a qualification, or move its expiry date; audited old → new."""
    if not QUALIFICATION_CODE.fullmatch(code):
        raise InvalidMasterData(f"qualification {code!r}: lower-case letters, digits and _",
                                f"квалификация {code!r}: строчные латинские буквы, цифры и _")
    user = find_user(session, username)
    row = session.scalars(select(Qualification).where(Qualification.user_id == user.id,
                                                      Qualification.code == code)).one_or_none()
    old = row.valid_until if row is not None else None
    if row is None:
        row = Qualification(user_id=user.id, code=code, valid_until=valid_until)
        session.add(row)
    row.valid_until = valid_until
    session.flush()
    audit(session, actor, "CREATE" if old is None else "UPDATE", "qualification", f"{user.username}/{code}",
          field="valid_until", old=old, new=valid_until, reason=reason)
    return row


def revoke_qualification(session: Session, actor: AuditActor, username: str, code: str, reason: str) -> None:
    """Withdraw a qualification (the old expiry date stays in the audit trail)."""
    user = find_user(session, username)
    row = session.scalars(select(Qualification).where(Qualification.user_id == user.id,
                                                      Qualification.code == code)).one_or_none()
    if row is None:
        raise InvalidMasterData(f"{username} holds no qualification {code}", f"у {username} нет квалификации {code}")
    audit(session, actor, "DELETE", "qualification", f"{user.username}/{code}", field="valid_until",
          old=row.valid_until, new=None, reason=reason)
    session.delete(row)


def qualifications(session: Session) -> list[Qualification]:
    """Every qualification, by person and code."""
    return list(session.scalars(select(Qualification).order_by(Qualification.user_id, Qualification.code)))


def change_role(session: Session, actor: AuditActor, username: str, role: str, reason: str) -> User:
    """Give an account another role (its permissions change at once); audited old → new with the reason."""
    if role not in ROLES:
        raise InvalidMasterData(f"unknown role {role}", f"неизвестная роль {role}")
    _reason(reason)
    user = find_user(session, username)
    if user.id == actor.user_id:
        raise InvalidMasterData("nobody changes their own role", "нельзя менять собственную роль")
    if user.role != role:
        audit(session, actor, "UPDATE", "app_user", user.id, field="role", old=user.role, new=role, reason=reason)
        user.role = role
    return user


def set_active(session: Session, actor: AuditActor, username: str, active: bool, reason: str) -> User:
    """Deactivate an account (it can no longer sign in or sign; its records keep its name) or reactivate it."""
    _reason(reason)
    user = find_user(session, username)
    if user.id == actor.user_id:
        raise InvalidMasterData("nobody deactivates their own account", "нельзя отключить собственную учётную запись")
    if user.active != active:
        audit(session, actor, "UPDATE", "app_user", user.id, field="active", old=user.active, new=active,
              reason=reason)
        user.active = active
    return user


def _reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidMasterData("say why", "укажите причину")
