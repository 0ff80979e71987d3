"""Reading the audit trail: a record's history, for people (CLI, review screens, printouts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.chain import format_ts
from mes.models import AuditEvent


def record_history(session: Session, entity: str, entity_id: str) -> list[AuditEvent]:
    """Every entry about one record, oldest first."""
    query = (select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
             .order_by(AuditEvent.id))
    return list(session.scalars(query))


def format_event(event: AuditEvent) -> str:
    """One line: when (UTC), who, where, what, and why."""
    who = event.user_name if event.user_id is None else f"{event.user_name} (#{event.user_id})"
    what = event.action if event.field is None else f"{event.action} {event.field}"
    change = f" {event.old_value or '∅'} → {event.new_value or '∅'}" if event.field else (
        f" {event.new_value or event.old_value}" if (event.new_value or event.old_value) else "")
    why = f" — reason: {event.reason}" if event.reason else ""
    return f"#{event.id} {format_ts(event.ts_utc)} {who} @ {event.workstation}: {what}{change}{why}"
