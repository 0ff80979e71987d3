"""Station jobs: a unit put into a station's machine; the edge writes its serial to the PLC (load_serial)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from mes.models.base import Base, UTCDateTime, utcnow

ACTIVE_STATUSES = ("pending", "sent")
_ACTIVE = text("status IN ('pending', 'sent')")


class StationJob(Base):
    """pending (waiting for the edge) → sent (load_serial written and read back) → done or failed (reason)."""

    __tablename__ = "station_job"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'done', 'failed')", name="status"),
        # One active job per station, whatever two terminals do at the same moment.
        Index("uq_station_job_active_station", "station_id", unique=True, sqlite_where=_ACTIVE,
              postgresql_where=_ACTIVE),
        Index("ix_station_job_station_status", "station_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))  # the machine that gets the serial
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    serial: Mapped[str] = mapped_column(String(40))
    operation_record_id: Mapped[int] = mapped_column(ForeignKey("operation_record.id"))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    reason: Mapped[str | None] = mapped_column(String(500))  # why it failed (or a note on how it ended)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_by_name: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    machine_result_id: Mapped[int | None] = mapped_column(ForeignKey("machine_result.id"))  # what finished it

    @property
    def active(self) -> bool:
        """True while the job waits for the edge or for the machine's result."""
        return self.status in ACTIVE_STATUSES
