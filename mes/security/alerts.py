"""Alerts for administrators (locked accounts and other attempted misuse): listed until acknowledged."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, record_audit
from mes.models import Alert, utcnow


def recent_alerts(session: Session, limit: int = 200) -> list[Alert]:
    """Alerts newest first, unacknowledged ones before the rest."""
    query = select(Alert).order_by(Alert.acknowledged_at.is_not(None), Alert.id.desc()).limit(limit)
    return list(session.scalars(query))


def acknowledge(session: Session, actor: AuditActor, alert_id: int) -> Alert | None:
    """Mark an alert as seen by the acting administrator (audited); None when there is no such alert."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at, alert.acknowledged_by_id = utcnow(), actor.user_id
    record_audit(session, actor=actor, action="ACKNOWLEDGE", entity="alert", entity_id=str(alert.id))
    return alert
