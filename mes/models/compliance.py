"""Compliance records: the append-only, hash-chained audit trail (21 CFR 11.10(e), Annex 11 §9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
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

    # (user_id, id): the audit search by person pages newest first without scanning the whole trail.
    __table_args__ = (Index("ix_audit_event_entity_record", "entity", "entity_id"),
                      Index("ix_audit_event_user_id_id", "user_id", "id"))


class ElectronicSignature(Base):
    """A signature executed on a record (21 CFR 11.50, 11.70); never updated (see migration 0006)."""

    __tablename__ = "electronic_signature"
    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    signer_name: Mapped[str] = mapped_column(String(200))  # printed name as it was at signing
    signer_username: Mapped[str] = mapped_column(String(60))
    meaning: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100))
    workstation: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the canonical JSON of the signed content (mes.compliance.signatures.content_hash).
    content_hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 over the fields above: editing the entity reference (moving the signature) breaks it.
    seal: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_electronic_signature_record", "entity", "entity_id"),)


class Override(Base):
    """A refused check let through once by a line lead, with an e-signature and a reason."""

    __tablename__ = "override"
    id: Mapped[int] = mapped_column(primary_key=True)
    check: Mapped[str] = mapped_column(String(40))  # the refusal's error code, e.g. calibration_expired
    subject: Mapped[str] = mapped_column(String(100))  # what was refused: equipment code, username…
    serial: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int] = mapped_column(ForeignKey("electronic_signature.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # one override lets one start through
    used_by_record_id: Mapped[int | None] = mapped_column(ForeignKey("operation_record.id"))

    __table_args__ = (Index("ix_override_serial_seq", "serial", "seq"),)


class Alert(Base):
    """Something an administrator must see at once (a locked account); acknowledged, never deleted."""

    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
