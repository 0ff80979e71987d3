"""Operator terminals: the station a terminal is bound to, work instructions, and downtime events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mes.models.base import Base, UTCDateTime, utcnow


class Terminal(Base):
    """A shop-floor screen registered to one station; the browser keeps only a random token (stored hashed)."""

    __tablename__ = "terminal"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    # SHA-256 of the token in the terminal's cookie: a copied database row cannot impersonate a terminal.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    language: Mapped[str] = mapped_column(String(5), default="ru")  # before anyone signs in
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkInstruction(Base):
    """The instruction text of a routing operation, shown on the terminal when the operation starts."""

    __tablename__ = "work_instruction"
    id: Mapped[int] = mapped_column(primary_key=True)
    routing_operation_id: Mapped[int] = mapped_column(ForeignKey("routing_operation.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InstructionDocument(Base):
    """An image or PDF attached to an operation's instruction, kept in the database (any web process serves it)."""

    __tablename__ = "instruction_document"
    __table_args__ = (CheckConstraint("content_type IN ('image/png', 'image/jpeg', 'application/pdf')",
                                      name="content_type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    routing_operation_id: Mapped[int] = mapped_column(ForeignKey("routing_operation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DowntimeEvent(Base):
    """A stop of a station with the reason an operator gave; open until the station runs again."""

    __tablename__ = "downtime_event"
    __table_args__ = (Index("ix_downtime_event_station_open", "station_id", "ended_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"))
    reason: Mapped[str] = mapped_column(String(40))  # a code of mes.production.downtime.REASONS
    comment: Mapped[str] = mapped_column(String(500), default="")
    machine_state: Mapped[str | None] = mapped_column(String(30))  # what the machine showed when it stopped
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
