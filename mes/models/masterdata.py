"""Recipes (ISA-88 master recipes): versioned parameter sets, approved with an e-signature before use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mes.models.base import Base, UTCDateTime

RECIPE_STATUSES = ("draft", "approved", "superseded")


class Recipe(Base):
    """A recipe for one kind of equipment (station type), optionally for one product."""

    __tablename__ = "recipe"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    equipment_kind: Mapped[str] = mapped_column(String(60))  # a station type, e.g. "screwing"
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    versions: Mapped[list[RecipeVersion]] = relationship(back_populates="recipe", order_by="RecipeVersion.version")


class RecipeVersion(Base):
    """One version of a recipe: draft (editable) → approved (e-signed, downloadable) → superseded."""

    __tablename__ = "recipe_version"
    __table_args__ = (UniqueConstraint("recipe_id", "version"),
                      CheckConstraint("status IN ('draft', 'approved', 'superseded')", name="status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipe.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    note: Mapped[str] = mapped_column(String(500), default="")  # what changed and why
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # the author
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("electronic_signature.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipe: Mapped[Recipe] = relationship(back_populates="versions")
    parameters: Mapped[list[RecipeParameter]] = relationship(
        back_populates="recipe_version", order_by="RecipeParameter.position", cascade="all, delete-orphan")


class RecipeParameter(Base):
    """A set point of a recipe version, written to the machine's `param_<name>` tag on download."""

    __tablename__ = "recipe_parameter"
    __table_args__ = (UniqueConstraint("recipe_version_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_version_id: Mapped[int] = mapped_column(ForeignKey("recipe_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(80))  # as typed; numeric values are checked against min/max
    unit: Mapped[str] = mapped_column(String(20), default="")
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    recipe_version: Mapped[RecipeVersion] = relationship(back_populates="parameters")
