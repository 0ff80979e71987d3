"""Account rules shared by sign-in, badge sign-in and signing: failures, lockout with an alert, aging.

Attempted misuse is detected and reported at once (21 CFR 11.300(d)): every failure is audited,
and the failure that reaches the limit locks the account, writes an Alert row for administrators,
an ALERT audit entry and a WARNING log line.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.models import Alert, User, utcnow
from mes.security.policy import AccountPolicy

log = logging.getLogger(__name__)


def register_failure(session: Session, user: User, *, what: str, workstation: str,
                     policy: AccountPolicy) -> bool:
    """Count one failed attempt on an existing account; True when this failure locked it."""
    user.failed_logins += 1
    if user.failed_logins < policy.max_failed_attempts or user.locked_at is not None:
        return False
    lock_account(session, user, workstation=workstation,
                 reason=f"{user.failed_logins} failed {what}s in a row")
    return True


def lock_account(session: Session, user: User, *, workstation: str, reason: str) -> Alert:
    """Lock the account now and alert administrators."""
    user.locked_at = utcnow()
    system = AuditActor.system(workstation)
    record_audit(session, actor=system, action="LOCKOUT", entity="app_user", entity_id=str(user.id),
                 field="locked_at", new=user.locked_at, reason=reason)
    return raise_alert(session, kind="account_locked", subject=user.username,
                       message=f"Account {user.username} ({user.display_name}) locked: {reason}",
                       workstation=workstation)


def raise_alert(session: Session, *, kind: str, subject: str, message: str, workstation: str) -> Alert:
    """An alert row administrators see on their page, audited and logged at WARNING."""
    alert = Alert(created_at=utcnow(), kind=kind, subject=subject[:100], message=message)
    session.add(alert)
    session.flush()
    record_audit(session, actor=AuditActor.system(workstation), action="ALERT", entity="alert",
                 entity_id=str(alert.id), new={"kind": kind, "subject": subject}, reason=message)
    log.warning("ALERT %s: %s", kind, message)
    return alert


def register_success(user: User) -> None:
    """A correct password/PIN ends the run of failures."""
    user.failed_logins = 0


def password_expired(user: User, policy: AccountPolicy, now: datetime | None = None) -> bool:
    """True when the password is older than the policy allows (never when aging is off)."""
    if policy.password_max_age_days <= 0:
        return False
    changed = user.password_changed_at
    if changed is None:  # accounts from before aging existed start their clock at the next change
        return False
    return (now or utcnow()) - changed > timedelta(days=policy.password_max_age_days)


def password_change_required(user: User, policy: AccountPolicy, now: datetime | None = None) -> bool:
    """A one-time password, or an expired one, must be replaced before anything else."""
    return user.must_change_password or password_expired(user, policy, now)
