"""What the edge captures from machines: results (the result handshake) and their measured values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mes.models.base import Base, UTCDateTime


class MachineResult(Base):
    """One result a PLC published (result_seq); recorded once per (equipment, sequence), whatever restarts."""

    __tablename__ = "machine_result"
    # The identity of a result is the PLC's sequence number: the database refuses a second copy.
    __table_args__ = (UniqueConstraint("equipment_id", "sequence"),
                      # the dashboard's shift counts per machine (migration 0013)
                      Index("ix_machine_result_equipment_received", "equipment_id", "received_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"))
    sequence: Mapped[int] = mapped_column(BigInteger)  # uint32 on the PLC: above a signed 32-bit int
    serial: Mapped[str] = mapped_column(String(40), index=True)
    passed: Mapped[bool] = mapped_column()
    status_code: Mapped[int] = mapped_column(Integer)  # result_status as sent: 1 pass, 2 fail
    cycle_time_s: Mapped[float | None] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the edge read it from the PLC
    source_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime())  # OPC UA only
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())  # later than received_at when spooled
    spooled: Mapped[bool] = mapped_column(default=False)  # came through the store-and-forward spool
    edge_id: Mapped[str] = mapped_column(String(100))
    # Production link (migration 0011): the operation this result completed, or why it completed none.
    operation_record_id: Mapped[int | None] = mapped_column(ForeignKey("operation_record.id"), index=True)
    production_flag: Mapped[str | None] = mapped_column(String(20))  # unknown_serial, not_at_step, …
    values: Mapped[list[MachineResultValue]] = relationship(order_by="MachineResultValue.id")


class MachineResultValue(Base):
    """One result_* value of a machine result, in its engineering unit (text for string tags)."""

    __tablename__ = "machine_result_value"
    __table_args__ = (UniqueConstraint("machine_result_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    machine_result_id: Mapped[int] = mapped_column(ForeignKey("machine_result.id"))
    name: Mapped[str] = mapped_column(String(80))  # the tag name, e.g. result_torque
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="")
