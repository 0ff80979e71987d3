"""ISA-95 equipment hierarchy: site → area → line → station (work unit) → equipment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mes.models.base import Base, UTCDateTime


class Site(Base):
    """A manufacturing site."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    areas: Mapped[list[Area]] = relationship(back_populates="site", order_by="Area.code")


class Area(Base):
    """An area of a site."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    site: Mapped[Site] = relationship(back_populates="areas")
    lines: Mapped[list[Line]] = relationship(back_populates="area", order_by="Line.code")


class Line(Base):
    """A production line (ISA-95 work center)."""

    __tablename__ = "line"
    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[Area] = relationship(back_populates="lines")
    stations: Mapped[list[Station]] = relationship(back_populates="line", order_by="Station.position")


class Station(Base):
    """A station of a line (ISA-95 work unit), of a station type that routings refer to."""

    __tablename__ = "station"
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("line.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    station_type: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[Line] = relationship(back_populates="stations")
    equipment: Mapped[list[Equipment]] = relationship(back_populates="station", order_by="Equipment.code")


class Equipment(Base):
    """A machine with its protocol, endpoint and tag map (kept as the validated site-file JSON)."""

    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    protocol: Mapped[str] = mapped_column(String(20))
    endpoint: Mapped[str] = mapped_column(String(300))
    connection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tag_map: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    calibration_due: Mapped[date | None] = mapped_column(Date)
    maintenance_due: Mapped[date | None] = mapped_column(Date)  # refused at operation start once past
    station: Mapped[Station | None] = relationship(back_populates="equipment")
    status: Mapped[EquipmentStatus | None] = relationship(back_populates="equipment")


class EquipmentStatus(Base):
    """The live state of one machine as the edge last saw it (one row per machine, overwritten)."""

    __tablename__ = "equipment_status"
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), primary_key=True)
    connected: Mapped[bool] = mapped_column(default=False)
    packml_state: Mapped[int | None] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_good_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    equipment: Mapped[Equipment] = relationship(back_populates="status")


class StateChange(Base):
    """A PackML state transition of a machine, for state history and OEE."""

    __tablename__ = "state_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[int | None] = mapped_column(Integer)
    to_state: Mapped[int] = mapped_column(Integer)
