"""Writing the audit trail: one hash-chained entry per action, in the caller's transaction.

Why explicit calls and not a ``before_flush`` listener: a use case knows who acts, from which
workstation and why (Annex 11 §9 reason); a listener would need that as ambient state and would
also audit technical tables (status caches, telemetry). Services call ``record_audit`` for an
action and ``audit_changes`` for an edited ORM object, then commit once: the entries commit or
roll back with the business change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from mes.compliance.chain import encode_value
from mes.compliance.chain_store import append_entries
from mes.models import AuditEvent

ACTION_PATTERN = re.compile(r"[A-Z][A-Z_]{1,29}")
REDACTED = "<redacted>"  # secrets: the trail shows that they changed, never what to


@dataclass(frozen=True)
class AuditActor:
    """Who acts and where: user id (None for the system or an edge process), printed name, workstation."""

    user_id: int | None
    user_name: str
    workstation: str

    @classmethod
    def system(cls, workstation: str = "server") -> AuditActor:
        """The MES itself acting (scheduled jobs, edge runtime), with no signed-in user."""
        return cls(None, "system", workstation)


def record_audit(session: Session, *, actor: AuditActor, action: str, entity: str, entity_id: str,
                 field: str | None = None, old: Any = None, new: Any = None,
                 reason: str | None = None) -> AuditEvent:
    """Append one entry in the session's transaction (flushed, not committed); old/new are JSON-encoded."""
    entry = _entry(actor, action, entity, entity_id, field, old, new, reason)
    return append_entries(session, [entry])[0]


def record_audits(session: Session, *, actor: AuditActor, action: str, entity: str,
                  items: Sequence[tuple[str, Any]]) -> list[AuditEvent]:
    """record_audit for many records at once, (entity_id, new) each: one chain append, one lock, one head."""
    entries = [_entry(actor, action, entity, entity_id, None, None, new, None) for entity_id, new in items]
    return append_entries(session, entries) if entries else []


def audit_changes(session: Session, actor: AuditActor, obj: object, action: str,
                  reason: str | None = None) -> list[AuditEvent]:
    """One entry per changed column of an ORM object; call it before the next flush or query.

    CREATE records every non-null column after flushing the object (so its id is known);
    DELETE records one entry holding the whole row as old value; any other action records
    the columns whose history shows a change since the last flush (a flush resets history).
    """
    if action == "CREATE":
        changes = _created(session, obj)
    elif action == "DELETE":
        changes = [(None, _snapshot(obj), None)]
    else:
        changes = _changed(obj)
    entity, entity_id = _identify(obj)
    entries = [_entry(actor, action, entity, entity_id, field, old, new, reason)
               for field, old, new in changes]
    return append_entries(session, entries) if entries else []


def _entry(actor: AuditActor, action: str, entity: str, entity_id: str, field: str | None,
           old: Any, new: Any, reason: str | None) -> dict[str, Any]:
    if not ACTION_PATTERN.fullmatch(action):
        raise ValueError(f"audit action must be UPPER_CASE, 2-30 characters: {action!r}")
    if not actor.user_name or not actor.workstation:
        raise ValueError("an audit actor needs a printed name and a workstation")
    return {
        "user_id": actor.user_id, "user_name": actor.user_name, "workstation": actor.workstation,
        "action": str(action), "entity": entity, "entity_id": str(entity_id), "field": field,
        "old_value": encode_value(old), "new_value": encode_value(new), "reason": reason,
    }


def _columns(obj: object) -> list[tuple[str, bool]]:
    """(attribute key, redacted?) for every mapped column."""
    return [(prop.key, _is_secret(prop.key, prop.columns[0].info)) for prop in inspect(obj).mapper.column_attrs]


SECRET_MARKERS = ("password", "secret", "token")  # in a column name; or mark it info={"audit": "redact"}


def _is_secret(key: str, info: dict[str, Any]) -> bool:
    return any(marker in key for marker in SECRET_MARKERS) or info.get("audit") == "redact"


def _changed(obj: object) -> list[tuple[str | None, Any, Any]]:
    changes: list[tuple[str | None, Any, Any]] = []
    for key, secret in _columns(obj):
        history = get_history(obj, key)
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        changes.append((key, REDACTED, REDACTED) if secret else (key, old, new))
    return changes


def _created(session: Session, obj: object) -> list[tuple[str | None, Any, Any]]:
    if inspect(obj).transient:
        session.add(obj)
    session.flush()  # assigns the primary key and column defaults
    return [(key, None, REDACTED if secret else getattr(obj, key))
            for key, secret in _columns(obj) if getattr(obj, key) is not None]


def _snapshot(obj: object) -> dict[str, Any]:
    return {key: REDACTED if secret else getattr(obj, key) for key, secret in _columns(obj)}


def _identify(obj: object) -> tuple[str, str]:
    state = inspect(obj)
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    if identity is None or any(part is None for part in identity):
        raise ValueError(f"{type(obj).__name__} has no primary key yet: add and flush it first")
    return str(state.mapper.persist_selectable.name), "/".join(str(part) for part in identity)
