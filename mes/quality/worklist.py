"""What the quality workspace lists: batches with their open exceptions, active holds, an NC and its unit.

Read-only queries for screens; every count of exceptions comes from mes.quality.exceptions, so a list
and the batch record it leads to can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.compliance.dhr import _hold, _nonconformances, _review_refs
from mes.compliance.dhr_parts import header, iso, signature_rows, site_timezone, udi
from mes.models import BatchRelease, ComponentConsumption, Hold, Nonconformance, Product, Unit, WorkOrder
from mes.production.common import get_by
from mes.production.genealogy import where_used
from mes.production.workorders import list_work_orders
from mes.quality.exceptions import batch_exceptions, open_counts
from mes.quality.holds import holds_of
from mes.quality.release import release_content

UNITS_PER_PAGE = 500

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


def batch_review(session: Session, number: str, language: str = "en", units_page: int = 1,
                 per_page: int = UNITS_PER_PAGE) -> dict[str, Any]:
    """What the batch review page shows: the batch record's head, every exception, NCs, holds, signatures,
    the quantities counted in SQL and one page of the units.

    The same parts as mes.compliance.dhr.build_batch_record, less what the page does not show (the per
    operation summary and the consumed components, which read every operation record of the batch), and
    the units a page at a time: its cost follows the exceptions and the page, not the batch's size.
    """
    wo = get_by(session, WorkOrder, "Work order", number=number)
    head = header(session, wo)
    tz = site_timezone(session)
    of_batch = select(Unit.id).where(Unit.work_order_id == wo.id)
    counts = {(status, on_hold): n for status, on_hold, n in session.execute(
        select(Unit.status, Unit.on_hold, func.count()).where(Unit.work_order_id == wo.id)
        .group_by(Unit.status, Unit.on_hold))}
    started = sum(counts.values())
    pages = max(1, -(-started // per_page))
    units_page = min(max(1, units_page), pages)
    units = list(session.execute(select(Unit.id, Unit.serial, Unit.status, Unit.on_hold)
                                 .where(Unit.work_order_id == wo.id).order_by(Unit.id)
                                 .limit(per_page).offset((units_page - 1) * per_page)))
    ncs = _nonconformances(session, of_batch, _serials_of_ncs(session, wo.id))
    exceptions = batch_exceptions(session, wo)
    release = session.scalars(select(BatchRelease).where(BatchRelease.work_order_id == wo.id)).first()
    refs = [("nonconformance", nc["number"], nc.pop("_content")) for nc in ncs]
    refs += _review_refs(session, wo, exceptions)
    if release is not None:
        refs.append(("work_order", wo.number, release_content(wo, release.quantity_released)))
    return {
        **head, "udi": udi(head["product"]["gtin"], wo.lot_number, None),
        "quantities": _quantities(counts, release), "units_started": started,
        "good_units": sum(n for (status, on_hold), n in counts.items() if status == "completed" and not on_hold),
        "units": [{"serial": u.serial, "status": u.status, "on_hold": u.on_hold} for u in units],
        "units_page": units_page, "units_pages": pages, "units_offset": (units_page - 1) * per_page,
        "nonconformances": ncs, "exceptions": [e.as_dict() for e in exceptions],
        "open_exceptions": sum(e.open for e in exceptions),
        "holds": [_hold(h) for h in holds_of(session, "work_order", [wo.number])],
        "release": None if release is None else {
            "quantity_released": release.quantity_released, "released_at": iso(release.released_at)},
        "signatures": signature_rows(session, refs, tz, language), "timezone": tz,
    }


def _serials_of_ncs(session: Session, wo_id: int) -> dict[int, str]:
    """Unit id -> serial of the batch's units that have a nonconformance (not every unit of the batch)."""
    query = (select(Unit.id, Unit.serial).join(Nonconformance, Nonconformance.unit_id == Unit.id)
             .where(Unit.work_order_id == wo_id))
    return dict(session.execute(query).all())


def _quantities(counts: dict[tuple[str, bool], int], release: BatchRelease | None) -> dict[str, int | None]:
    """mes.compliance.dhr's quantities, from unit counts by (status, on hold)."""
    by_status: dict[str, int] = {}
    for (status, _on_hold), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
    manufactured = by_status.get("completed", 0) + by_status.get("consumed", 0)
    return {"started": sum(counts.values()), "manufactured": manufactured,
            "scrapped": by_status.get("scrapped", 0),
            "in_process": by_status.get("allocated", 0) + by_status.get("in_progress", 0),
            "on_hold": sum(n for (_status, on_hold), n in counts.items() if on_hold),
            "released": release.quantity_released if release is not None else None}
