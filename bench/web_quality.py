"""Quality-workspace data and pages for bench/web.py: a batch list of 50 and one batch under review.

The batch under review is bench/quality_records.py's generated batch (default 200 units here: 1 % failed
once and were reworked, so it carries out-of-spec, retest, NC and rework exceptions, all open). The
list around it holds 9 more completed batches awaiting review and 40 released (closed) ones, so the
list page counts open exceptions for 10 batches, as a QA desk with a backlog would see.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from bench.production_data import prepare_site
from bench.quality_records import NUMBER, generate_batch
from mes.db import create_db_engine
from mes.models import WorkOrder, utcnow


def quality_pages(units: int) -> list[tuple[str, str]]:
    """(figure name, path) of the pages measured."""
    return [("batch list (50)", "/quality/"), (f"batch review ({units} units)", f"/quality/batches/{NUMBER}")]


def prepare_quality_data(database_url: str, units: int) -> None:
    """The bench product, one generated batch of `units` units, and 49 more batches in the list."""
    engine = create_db_engine(database_url)
    try:
        prepare_site(engine)  # seeding again changes nothing; it adds the bench product and its lots
        generate_batch(engine, units)
        now = utcnow()
        with engine.begin() as conn:
            product_id, routing_id = conn.execute(select(WorkOrder.product_id, WorkOrder.routing_id)
                                                  .where(WorkOrder.number == NUMBER)).one()
            conn.execute(insert(WorkOrder), [
                {"number": f"WO-BENCH-{i:03d}", "product_id": product_id, "routing_id": routing_id,
                 "quantity": 100, "lot_number": f"BENCH-{i:03d}", "status": "completed" if i < 9 else "closed",
                 "created_at": now, "completed_at": now} for i in range(49)])
    finally:
        engine.dispose()
