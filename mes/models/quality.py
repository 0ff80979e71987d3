"""Quality records (ISO 13485 §8.3, §7.5.1): holds, NC investigation notes, exception reviews, batch release."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mes.models.base import Base, UTCDateTime, utcnow


class Hold(Base):
    """A hold on a unit, work order or material lot: who placed it and why, who released it and when.

    The production flags (unit.on_hold, work order status on_hold, lot status quarantined) are what
    production checks; a Hold row is the record of why the flag is set, and the flag clears only
    when the last active hold of that thing is released.
    """

    __tablename__ = "hold"
    __table_args__ = (CheckConstraint("entity IN ('unit', 'work_order', 'material_lot')", name="entity"),
                      Index("ix_hold_entity_key", "entity", "entity_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_key: Mapped[str] = mapped_column(String(60))  # serial, work order number or material lot id
    reason: Mapped[str] = mapped_column(String(500))
    nonconformance_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformance.id"))
    # True when this hold set the production flag: only then does releasing it clear the flag again, so a
    # lot quarantined since receipt, or an order held by production, is not released by a quality hold.
    set_flag: Mapped[bool] = mapped_column(default=False)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    held_by_name: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    released_by_name: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_reason: Mapped[str | None] = mapped_column(String(500))


class NonconformanceNote(Base):
    """An investigation note on an NC; append-only: notes are added, never edited."""

    __tablename__ = "nonconformance_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformance_id: Mapped[int] = mapped_column(ForeignKey("nonconformance.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExceptionReview(Base):
    """A QA decision on one exception of a batch record (review by exception), e-signed "reviewed"."""

    __tablename__ = "exception_review"
    __table_args__ = (UniqueConstraint("work_order_id", "exception_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    exception_key: Mapped[str] = mapped_column(String(120))  # stable id of the exception, e.g. "retest:123"
    decision: Mapped[str] = mapped_column(String(1000))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int | None] = mapped_column(Integer)  # the electronic signature (meaning reviewed)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BatchRelease(Base):
    """QA release of a work order for distribution: the released quantity and the e-signature."""

    __tablename__ = "batch_release"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    quantity_released: Mapped[int] = mapped_column(Integer)
    released_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int | None] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
