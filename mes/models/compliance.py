"""Compliance records: the append-only, hash-chained audit trail (21 CFR 11.10(e), Annex 11 §9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mes.models.base import Base, UTCDateTime

# BIGINT in PostgreSQL; on SQLite only "INTEGER PRIMARY KEY" is the fast rowid alias.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """One audit-trail entry; the database refuses UPDATE and DELETE (see migration 0002)."""

    __tablename__ = "audit_event"
    # Assigned by mes.compliance.audit under the chain lock (last id + 1), never by a sequence:
    # a sequence leaves gaps on rollback, and gaps are how a deleted entry is detected.
    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=False)
    ts_utc: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # No foreign key on purpose: the trail is independent of the user table's lifecycle, and
    # failed sign-ins name accounts that may not exist. user_name is the printed-name snapshot.
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100))
    field: Mapped[str | None] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(Text)  # JSON-encoded
    new_value: Mapped[str | None] = mapped_column(Text)  # JSON-encoded
    reason: Mapped[str | None] = mapped_column(Text)
    workstation: Mapped[str] = mapped_column(String(100))
    app_version: Mapped[str] = mapped_column(String(40))
    # Unique: two entries can never claim the same predecessor, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_event_entity_record", "entity", "entity_id"),)
