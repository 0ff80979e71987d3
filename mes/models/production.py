"""Production (ISA-95 material and performance): BOMs, material lots, work orders, units and their records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mes.models.base import Base, UTCDateTime, utcnow

Qty = Numeric(14, 4)


class MeasurementSpec(Base):
    """One item of an operation's data collection plan: what is measured, in what unit, within which limits."""

    __tablename__ = "measurement_spec"
    __table_args__ = (UniqueConstraint("routing_operation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    routing_operation_id: Mapped[int] = mapped_column(ForeignKey("routing_operation.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(20))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    source_tag: Mapped[str | None] = mapped_column(String(80))  # equipment tag; None = entered by hand
    required: Mapped[bool] = mapped_column(default=True)


class Bom(Base):
    """A version of a product's bill of materials."""

    __tablename__ = "bom"
    __table_args__ = (UniqueConstraint("product_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    version: Mapped[int] = mapped_column(Integer)
    approved: Mapped[bool] = mapped_column(default=False)
    # Master data (migration 0008): the author, and the approver's e-signature (two-person rule).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("electronic_signature.id"))
    lines: Mapped[list[BomLine]] = relationship(back_populates="bom", order_by="BomLine.position")


class BomLine(Base):
    """A component of a BOM; critical lines are captured by lot or by serial at the given operation."""

    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("bom_id", "position"),
                      CheckConstraint("capture IN ('none', 'lot', 'serial')", name="capture"))
    id: Mapped[int] = mapped_column(primary_key=True)
    bom_id: Mapped[int] = mapped_column(ForeignKey("bom.id"))
    position: Mapped[int] = mapped_column(Integer)
    part_number: Mapped[str] = mapped_column(String(60))  # a subassembly made here: its product GTIN
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[Decimal] = mapped_column(Qty)
    capture: Mapped[str] = mapped_column(String(10), default="none")  # critical: "lot" or "serial"
    operation_seq: Mapped[int | None] = mapped_column(Integer)  # consumed at this operation
    substitutes: Mapped[str] = mapped_column(String(500), default="")  # approved alternates, comma-separated
    bom: Mapped[Bom] = relationship(back_populates="lines")

    def accepts(self, part_number: str) -> bool:
        """True for the line's own part number or one of its approved substitutes."""
        return part_number == self.part_number or part_number in self.substitute_list()

    def substitute_list(self) -> list[str]:
        """The approved substitutes as a list."""
        return [p.strip() for p in self.substitutes.split(",") if p.strip()]


class MaterialLot(Base):
    """A received lot of a part (ISA-95 MaterialLot); only a released, unexpired lot may be consumed."""

    __tablename__ = "material_lot"
    __table_args__ = (UniqueConstraint("part_number", "lot_number"),
                      CheckConstraint("status IN ('quarantined', 'released', 'rejected')", name="status"),
                      CheckConstraint("quantity_on_hand >= 0", name="on_hand_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(String(60))
    lot_number: Mapped[str] = mapped_column(String(40), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    country_of_origin: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2 (ПП 719 evidence)
    expiry: Mapped[date | None] = mapped_column(Date)
    quantity_received: Mapped[Decimal] = mapped_column(Qty)
    quantity_on_hand: Mapped[Decimal] = mapped_column(Qty)
    status: Mapped[str] = mapped_column(String(12), default="quarantined")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkOrder(Base):
    """A work order / batch: a quantity of one product, one lot number, a fixed routing and BOM version."""

    __tablename__ = "work_order"
    __table_args__ = (CheckConstraint(
        "status IN ('planned', 'released', 'in_progress', 'on_hold', 'completed', 'closed')", name="status"),
        CheckConstraint("quantity > 0", name="quantity_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    bom_id: Mapped[int | None] = mapped_column(ForeignKey("bom.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    lot_number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NumberCounter(Base):
    """The last sequence number handed out per brand and kind ("serial", "lot"): never goes back."""

    __tablename__ = "number_counter"
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Unit(Base):
    """A serialized unit; `next_seq` is the operation it must do next, `open_seq` the one in progress."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(
        "status IN ('allocated', 'in_progress', 'completed', 'scrapped', 'consumed')", name="status"),
        # "does the order still have units to build?" on every completion, without counting them all
        Index("ix_unit_work_order_status", "work_order_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # unique site-wide, never reused
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="allocated")
    next_seq: Mapped[int | None] = mapped_column(Integer)
    open_seq: Mapped[int | None] = mapped_column(Integer)
    on_hold: Mapped[bool] = mapped_column(default=False)
    parent_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)  # bumped first in every write: a row lock
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    work_order: Mapped[WorkOrder] = relationship()


class OperationRecord(Base):
    """One execution of a routing operation on a unit: where, with what, by whom, when, and the result."""

    __tablename__ = "operation_record"
    __table_args__ = (Index("ix_operation_record_unit_seq", "unit_id", "seq"),
                      # the dashboard's shift counts per station (migration 0013)
                      Index("ix_operation_record_station_completed", "station_id", "completed_at"),
                      CheckConstraint("result IN ('pass', 'fail')", name="result"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    routing_operation_id: Mapped[int] = mapped_column(ForeignKey("routing_operation.id"))
    seq: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(4))
    retest_count: Mapped[int] = mapped_column(Integer, default=0)
    measurements: Mapped[list[Measurement]] = relationship(order_by="Measurement.id")


class Measurement(Base):
    """A measured value with the limits in force when it was taken, and whether it passed."""

    __tablename__ = "measurement"
    id: Mapped[int] = mapped_column(primary_key=True)
    operation_record_id: Mapped[int] = mapped_column(ForeignKey("operation_record.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column()
    manual: Mapped[bool] = mapped_column(default=False)  # typed by a person, not read from equipment
    source_tag: Mapped[str | None] = mapped_column(String(80))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ComponentConsumption(Base):
    """Genealogy: a unit consumed a quantity of a material lot and/or one serialized component."""

    __tablename__ = "component_consumption"
    __table_args__ = (
        # A serialized component goes into one unit only: the database refuses the second, whatever races.
        UniqueConstraint("component_unit_id"),
        UniqueConstraint("part_number", "component_serial"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # where-used of a purchased serialized part, which is known by its serial alone
        Index("ix_component_consumption_component_serial", "component_serial"),
        # where-used of a lot: the consuming units read from the index alone (migration 0012)
        Index("ix_component_consumption_lot_unit", "material_lot_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_record_id: Mapped[int | None] = mapped_column(ForeignKey("operation_record.id"))
    bom_line_id: Mapped[int | None] = mapped_column(ForeignKey("bom_line.id"))
    part_number: Mapped[str] = mapped_column(String(60))
    material_lot_id: Mapped[int | None] = mapped_column(ForeignKey("material_lot.id"))
    component_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    component_serial: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(Qty)
    scanned: Mapped[str] = mapped_column(String(200))  # the raw scan, for the record
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Nonconformance(Base):
    """A nonconformance (ISO 13485 §8.3): opened on a failure, holds the unit until dispositioned."""

    __tablename__ = "nonconformance"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_record_id: Mapped[int | None] = mapped_column(ForeignKey("operation_record.id"))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="open")
    disposition: Mapped[str | None] = mapped_column(String(20))  # see mes.quality.nonconformance.DISPOSITIONS
    # How it was opened: out_of_spec, label_scan, machine_fault, manual (mes.quality.nonconformance).
    source: Mapped[str] = mapped_column(String(20), default="out_of_spec", server_default="out_of_spec")
    justification: Mapped[str | None] = mapped_column(String(1000))  # required for a concession
    dispositioned_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int | None] = mapped_column(Integer)  # the e-signature (meaning dispositioned)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
