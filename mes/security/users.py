"""Account administration (21 CFR 11.300): create, reset, unlock, badges; password changes by the user.

Administrators never set or learn a usable password: create and reset issue a random one-time
password that must be changed at the next sign-in. Every change is audited; secrets never are.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.domain.errors import DomainError
from mes.models import User, utcnow
from mes.security.badges import badge_key, keyed_badge_hash, keyed_scheme, legacy_badge_hash
from mes.security.passwords import hash_password, verify_password
from mes.security.permissions import ROLES
from mes.security.policy import AccountPolicy


class AccountError(DomainError):
    code = "account_error"
    kind = "invalid"
    message_en = "{problem}"
    message_ru = "{problem_ru}"


def one_time_password() -> str:
    """A random 16-character password for first use only (about 95 bits)."""
    return secrets.token_urlsafe(12)


def badge_hash(badge: str) -> str:
    """Gone: badge numbers are stored keyed since migration 0010 and the key comes with the database.

    Look a badge up with `mes.security.badges.find_badge_holder(session, badge)` (`.user`, and
    `.needs_reassignment` for a badge stored before keys), or hash with `keyed_badge_hash(badge, badge_key(session))`.
    """
    raise RuntimeError("mes.security.users.badge_hash is gone (badges are keyed, migration 0010): use "
                       "mes.security.badges.find_badge_holder(session, badge).user")


def find_user(session: Session, username: str) -> User:
    """The account with that user name, or AccountError."""
    user = session.scalars(select(User).where(User.username == username.strip().lower())).one_or_none()
    if user is None:
        raise AccountError(problem=f"no user {username}", problem_ru=f"нет пользователя {username}")
    return user


def create_user(session: Session, actor: AuditActor, *, username: str, display_name: str, role: str,
                language: str = "ru") -> tuple[User, str]:
    """A new account with a one-time password, returned once for handing over in person."""
    if role not in ROLES:
        raise AccountError(problem=f"unknown role {role}", problem_ru=f"неизвестная роль {role}")
    username = username.strip().lower()
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(problem=f"user {username} exists", problem_ru=f"пользователь {username} уже есть")
    password = one_time_password()
    user = User(username=username, display_name=display_name, role=role, language=language,
                password_hash=hash_password(password), must_change_password=True, password_changed_at=utcnow())
    session.add(user)
    session.flush()
    record_audit(session, actor=actor, action="CREATE", entity="app_user", entity_id=str(user.id),
                 new={"username": username, "display_name": display_name, "role": role})
    return user, password


def reset_password(session: Session, actor: AuditActor, username: str, reason: str) -> str:
    """Replace a forgotten password with a one-time one (which also unlocks the account)."""
    user = find_user(session, username)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    record_audit(session, actor=actor, action="PASSWORD_RESET", entity="app_user", entity_id=str(user.id),
                 reason=reason)
    _unlock(session, actor, user, reason)
    return password


def unlock(session: Session, actor: AuditActor, username: str, reason: str) -> User:
    """Lift a lockout after the administrator has checked why it happened."""
    user = find_user(session, username)
    _unlock(session, actor, user, reason)
    return user


def _unlock(session: Session, actor: AuditActor, user: User, reason: str) -> None:
    if user.locked_at is None and user.failed_logins == 0:
        return
    record_audit(session, actor=actor, action="UNLOCK", entity="app_user", entity_id=str(user.id),
                 field="locked_at", old=user.locked_at, new=None, reason=reason)
    user.locked_at = None
    user.failed_logins = 0


def assign_badge(session: Session, actor: AuditActor, username: str, badge: str, pin: str,
                 policy: AccountPolicy) -> None:
    """Bind a badge and the user's PIN to the account (the user types the PIN, not the administrator)."""
    if len(pin) < policy.min_pin_length or not pin.isdigit():
        raise AccountError(problem=f"the PIN must be at least {policy.min_pin_length} digits",
                           problem_ru=f"PIN должен содержать не менее {policy.min_pin_length} цифр")
    if not badge.strip():
        raise AccountError(problem="the badge number is empty", problem_ru="номер пропуска пуст")
    user = find_user(session, username)
    key = badge_key(session)
    hashed = keyed_badge_hash(badge, key)
    # The same badge may still be on record unkeyed (before migration 0010) for someone else.
    holders = session.scalars(select(User).where(User.badge_hash.in_([hashed, legacy_badge_hash(badge)])))
    if any(holder.id != user.id for holder in holders):
        raise AccountError(problem="the badge belongs to another user: revoke it there first",
                           problem_ru="пропуск выдан другому пользователю: сначала отзовите его там")
    user.badge_hash, user.pin_hash, user.badge_scheme = hashed, hash_password(pin), keyed_scheme(key)
    record_audit(session, actor=actor, action="BADGE_ASSIGN", entity="app_user", entity_id=str(user.id))


def revoke_badge(session: Session, actor: AuditActor, username: str, reason: str) -> None:
    """Deauthorise a lost or stolen badge at once (§11.300(c))."""
    user = find_user(session, username)
    user.badge_hash, user.pin_hash, user.badge_scheme = None, None, None
    record_audit(session, actor=actor, action="BADGE_REVOKE", entity="app_user", entity_id=str(user.id),
                 reason=reason)


def password_problem(user: User, current: str, new: str, repeat: str, policy: AccountPolicy) -> str | None:
    """Why a new password is not accepted (English message key), or None."""
    if not verify_password(user.password_hash, current):
        return "The current password is wrong."
    if new != repeat:
        return "The new passwords do not match."
    if len(new) < policy.min_password_length:
        return "The new password is too short."
    if new == current or new.lower() == user.username.lower():
        return "Choose a password different from the old one and from the user name."
    return None


def change_password(session: Session, actor: AuditActor, user: User, new: str) -> None:
    """Set the password the user chose (after password_problem said yes)."""
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    record_audit(session, actor=actor, action="PASSWORD_CHANGE", entity="app_user", entity_id=str(user.id))
