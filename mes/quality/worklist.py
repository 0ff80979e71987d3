"""What the quality workspace lists: batches with their open exceptions, active holds, an NC and its unit.

Read-only queries for screens; every count of exceptions comes from mes.quality.exceptions, so a list
and the batch record it leads to can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.models import BatchRelease, ComponentConsumption, Hold, Nonconformance, Product, Unit
from mes.production.common import get_by
from mes.production.genealogy import where_used
from mes.production.workorders import list_work_orders
from mes.quality.exceptions import open_counts

STATUSES = ("planned", "released", "in_progress", "on_hold", "completed", "closed")


@dataclass(frozen=True)
class BatchRow:
    """One line of the batch list."""

    number: str
    lot: str
    product: str
    status: str
    quantity: int
    created_at: datetime
    completed_at: datetime | None
    open_exceptions: int
    quantity_released: int | None


def batch_rows(session: Session, status: str | None = None, limit: int = 50) -> list[BatchRow]:
    """The newest batches (optionally of one status) with their count of open exceptions.

    Every batch is counted, in the same few statements whatever the number of batches (open_counts).
    """
    orders = list_work_orders(session, status if status in STATUSES else None, limit)
    products = {p.id: f"{p.model} {p.revision}".strip() for p in session.scalars(select(Product))}
    released = dict(session.execute(select(BatchRelease.work_order_id, BatchRelease.quantity_released)
                                    .where(BatchRelease.work_order_id.in_([wo.id for wo in orders]))).all())
    counts = open_counts(session, [wo.id for wo in orders])
    return [BatchRow(wo.number, wo.lot_number, products.get(wo.product_id, ""), wo.status, wo.quantity,
                     wo.created_at, wo.completed_at,
                     counts[wo.id], released.get(wo.id))
            for wo in orders]


def active_holds_all(session: Session, limit: int = 500) -> list[Hold]:
    """Every hold not yet released, newest first."""
    query = select(Hold).where(Hold.released_at.is_(None)).order_by(Hold.id.desc()).limit(limit)
    return list(session.scalars(query))


def serial_of_nonconformance(session: Session, number: str) -> str:
    """The serial of the unit an NC is about (NotFound for an unknown NC)."""
    nc = get_by(session, Nonconformance, "Nonconformance", number=number)
    return session.get_one(Unit, nc.unit_id).serial


def serials_of(session: Session, numbers: list[str]) -> dict[str, str]:
    """NC number -> serial of its unit, for a list of NCs."""
    if not numbers:
        return {}
    query = (select(Nonconformance.number, Unit.serial).join(Unit, Unit.id == Nonconformance.unit_id)
             .where(Nonconformance.number.in_(numbers)))
    return dict(session.execute(query).all())


def forward_tree(session: Session, lot_number: str | None = None, serial: str | None = None) -> list[dict[str, Any]]:
    """Where a lot or serial went, as a tree: the units that used it directly, then what used those."""
    found = where_used(session, lot_number=lot_number, serial=serial)
    units = {u["serial"]: {**u, "used_in": []} for u in found["units"]}
    query = (select(Unit.serial, ComponentConsumption.component_serial)
             .join(Unit, Unit.id == ComponentConsumption.unit_id)
             .where(Unit.serial.in_(list(units)), ComponentConsumption.component_serial.in_(list(units))))
    for parent, component in session.execute(query):
        units[component]["used_in"].append(units[parent])
    # The roots are the direct users (depth 1); deeper units hang under what they went into.
    return [u for u in units.values() if u["depth"] == 1]
