"""Brands, products and versioned routings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mes.models.base import Base, UTCDateTime


class Brand(Base):
    """A brand producing on the site, with its GS1 prefix and numbering schemes."""

    __tablename__ = "brand"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    gs1_company_prefix: Mapped[str] = mapped_column(String(12))
    serial_scheme: Mapped[str] = mapped_column(String(80))
    lot_scheme: Mapped[str] = mapped_column(String(80))
    label_template_set: Mapped[str] = mapped_column(String(80))
    products: Mapped[list[Product]] = relationship(back_populates="brand", order_by="Product.gtin")


class Routing(Base):
    """A version of a routing: the ordered operations a unit goes through."""

    __tablename__ = "routing"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    # Work orders are released only on an approved routing version (production, migration 0003).
    approved: Mapped[bool] = mapped_column(default=False, server_default=false())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Master data (migration 0008): the author, and the approver's e-signature (two-person rule).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("electronic_signature.id"))
    operations: Mapped[list[RoutingOperation]] = relationship(
        back_populates="routing", order_by="RoutingOperation.seq"
    )


class RoutingOperation(Base):
    """One operation of a routing, done at a station of the given type."""

    __tablename__ = "routing_operation"
    __table_args__ = (UniqueConstraint("routing_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    station_type: Mapped[str] = mapped_column(String(60))
    # A unit failing this operation is reworked from this (earlier or same) operation; None = retest here.
    rework_target_seq: Mapped[int | None] = mapped_column(Integer)
    # The operator starting it must hold this qualification, valid today (compliance, migration 0006).
    required_qualification: Mapped[str | None] = mapped_column(String(60))
    # The recipe whose approved version the machine runs for this operation (master data, migration 0008).
    recipe_id: Mapped[int | None] = mapped_column(ForeignKey("recipe.id"))
    routing: Mapped[Routing] = relationship(back_populates="operations")


class Product(Base):
    """A device model of a brand, identified by its GTIN (UDI-DI)."""

    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"))
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    model: Mapped[str] = mapped_column(String(200))
    revision: Mapped[str] = mapped_column(String(20))
    registration_number: Mapped[str | None] = mapped_column(String(60))
    registration_date: Mapped[date | None] = mapped_column(Date)
    routing_id: Mapped[int | None] = mapped_column(ForeignKey("routing.id"))
    brand: Mapped[Brand] = relationship(back_populates="products")
    routing: Mapped[Routing | None] = relationship()
