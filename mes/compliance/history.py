"""Reading the audit trail: a record's history and a filtered search, for people (CLI, UI, API).

`search_audit` is the one query behind the audit browser (web) and /api/v1/audit; it pages by
keyset (`before_id`), newest first, so a page costs the same at entry 10 and at entry 10,000,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from mes.compliance.chain import format_ts
from mes.models import AuditEvent, ElectronicSignature, User

MAX_PAGE = 1000  # one page of the search; a client pages on with before_id


@dataclass(frozen=True)
class AuditPage:
    """One page of search results, newest first; `next_before_id` fetches the next (older) page."""

    events: list[AuditEvent]
    next_before_id: int | None
    limit: int = field(default=100)

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def record_history(session: Session, entity: str, entity_id: str) -> list[AuditEvent]:
    """Every entry about one record, oldest first."""
    query = (select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
             .order_by(AuditEvent.id))
    return list(session.scalars(query))


def search_audit(session: Session, *, user: str | int | None = None, entity: str | None = None,
                 entity_id: str | None = None, action: str | Sequence[str] | None = None,
                 since: datetime | None = None, until: datetime | None = None, limit: int = 100,
                 before_id: int | None = None) -> AuditPage:
    """Entries matching every given filter, newest first, at most `limit` (1..1000) per page.

    user: an account id (int), or text matched against the account's user name (exact, any case)
    and against the printed name recorded in the entry (substring, any case) — failed sign-ins
    carry only the typed name. since/until: UTC-aware datetimes, since inclusive, until exclusive.
    action: one action or several. before_id: the `next_before_id` of the previous page.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    query = select(AuditEvent)
    if user is not None:
        query = query.where(_user_filter(session, user))
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None and entity_id != "":
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if action:
        actions = [action] if isinstance(action, str) else list(action)
        query = query.where(AuditEvent.action.in_([a.upper() for a in actions]))
    if since is not None:
        query = query.where(AuditEvent.ts_utc >= _aware(since))
    if until is not None:
        query = query.where(AuditEvent.ts_utc < _aware(until))
    if before_id is not None:
        query = query.where(AuditEvent.id < int(before_id))
    rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    events = rows[:limit]
    return AuditPage(events, events[-1].id if more else None, limit)


def _user_filter(session: Session, user: str | int) -> ColumnElement[bool]:
    """Account id, or user name / printed name as typed (case-insensitive)."""
    if isinstance(user, int):
        return AuditEvent.user_id == user
    text = user.strip()
    wanted = text.casefold()
    # Accounts are few: match them in Python, whose case folding knows Cyrillic (SQLite's lower() does not).
    account_ids = [account.id for account in session.scalars(select(User))
                   if account.username.casefold() == wanted or wanted in account.display_name.casefold()]
    # Entries without an account (failed sign-ins carry the typed name): the text as typed, or lower case.
    by_name = or_(AuditEvent.user_name.contains(text, autoescape=True),
                  func.lower(AuditEvent.user_name).contains(text.lower(), autoescape=True))
    return or_(AuditEvent.user_id.in_(account_ids), by_name) if account_ids else by_name


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("since/until must be timezone-aware (UTC)")
    return moment


def decode_value(text: str | None) -> Any:
    """An entry's old/new value as the JSON it was written as (None when empty)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # written before values were JSON-encoded: show it as it is
        return text


def event_dict(event: AuditEvent) -> dict[str, Any]:
    """One entry for an API or a page: who, when (UTC), where, what, old → new, why."""
    return {
        "id": event.id, "ts_utc": format_ts(event.ts_utc), "user_id": event.user_id,
        "user_name": event.user_name, "workstation": event.workstation, "action": event.action,
        "entity": event.entity, "entity_id": event.entity_id, "field": event.field,
        "old": decode_value(event.old_value), "new": decode_value(event.new_value), "reason": event.reason,
    }


def signature_dict(sig: ElectronicSignature, manifestation_text: str) -> dict[str, Any]:
    """One signature on a record: signer, meaning, UTC time, reason, its manifestation (§11.50)."""
    return {
        "id": sig.id, "signer_id": sig.signer_id, "signer_name": sig.signer_name,
        "signer_username": sig.signer_username, "meaning": sig.meaning, "signed_at_utc": format_ts(sig.signed_at),
        "reason": sig.reason, "workstation": sig.workstation, "content_hash": sig.content_hash,
        "manifestation": manifestation_text,
    }


def format_event(event: AuditEvent) -> str:
    """One line: when (UTC), who, where, what, and why."""
    who = event.user_name if event.user_id is None else f"{event.user_name} (#{event.user_id})"
    what = event.action if event.field is None else f"{event.action} {event.field}"
    change = f" {event.old_value or '∅'} → {event.new_value or '∅'}" if event.field else (
        f" {event.new_value or event.old_value}" if (event.new_value or event.old_value) else "")
    why = f" — reason: {event.reason}" if event.reason else ""
    return f"#{event.id} {format_ts(event.ts_utc)} {who} @ {event.workstation}: {what}{change}{why}"
