"""Quality-records benchmark: the JSON batch record of a 10,000-unit batch, and one unit's DHR as PDF.

    .venv/bin/python bench/quality_records.py                  # temporary SQLite file
    .venv/bin/python bench/quality_records.py --units 2000 --json
    .venv/bin/python bench/quality_records.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The batch is bulk-inserted (Core, no services): each unit has one operation with 10 measurements and two
lot components; 1 % of units failed once, were dispositioned rework and passed on retest, so the record
carries out-of-spec, retest, NC and rework exceptions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is scripts, not a package

from benchdb import bench_database
from compliance import _figure, _row
from production_data import BENCH_GTIN, SPECS, prepare_site

from mes.compliance.dhr import build_batch_record, build_unit_dhr
from mes.compliance.dhr_pdf import batch_record_pdf, unit_dhr_pdf
from mes.models import (
    ComponentConsumption,
    MaterialLot,
    Measurement,
    Nonconformance,
    OperationRecord,
    Product,
    RoutingOperation,
    Station,
    Unit,
    WorkOrder,
    utcnow,
)

BATCH_TARGET_S = 2.0  # JSON batch record of 10,000 units
DHR_PDF_TARGET_S = 1.0
NUMBER = "WO-QR-BENCH"


def main() -> None:
    """Parse the arguments, run the benchmark, print a table or JSON lines."""
    args = _parser().parse_args()
    with bench_database(args.database_url) as engine:
        prepare_site(engine)
        failed = generate_batch(engine, args.units)
        figures = run(engine, args.units, failed)
        engine.dispose()
    for figure in figures:
        print(json.dumps(figure) if args.json else _row(figure))


def run(engine: Engine, units: int, failed_serial: str) -> list[dict[str, object]]:
    """Time the batch record (built and serialized) and one unit's DHR PDF; best of three."""
    batch_s, size = _best(lambda s: len(json.dumps(build_batch_record(s, NUMBER))), engine)
    pdf_s, _ = _best(lambda s: len(unit_dhr_pdf(build_unit_dhr(s, failed_serial))), engine)
    batch_pdf_s, _ = _best(lambda s: len(batch_record_pdf(build_batch_record(s, NUMBER))), engine, runs=1)
    return [
        _figure("database", engine.dialect.name, "", ""),
        _figure("batch units", units, "units", ""),
        _figure("batch record JSON", round(batch_s, 3), "s", f"<= {BATCH_TARGET_S:g} s at 10,000 units"),
        _figure("batch record JSON size", size, "bytes", ""),
        _figure("unit DHR PDF (build+render)", round(pdf_s, 3), "s", f"<= {DHR_PDF_TARGET_S:g} s"),
        _figure("batch record PDF", round(batch_pdf_s, 3), "s", "(no target)"),
    ]


def _best(action, engine: Engine, runs: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(runs):
        with Session(engine) as s:
            started = time.perf_counter()
            result = action(s)
            best = min(best, time.perf_counter() - started)
    return best, result


def generate_batch(engine: Engine, units: int) -> str:
    """A completed work order of `units` units with their records; returns a serial that failed once."""
    now = utcnow()
    with engine.begin() as conn, Session(conn) as s:
        product = s.scalars(select(Product).where(Product.gtin == BENCH_GTIN)).one()
        op_id = s.scalar(select(RoutingOperation.id).where(RoutingOperation.routing_id == product.routing_id))
        station_id = s.scalar(select(Station.id).where(Station.station_type == "functional_test"))
        lots = list(s.scalars(select(MaterialLot.id).order_by(MaterialLot.id)))
        wo_id = conn.execute(insert(WorkOrder).values(
            number=NUMBER, product_id=product.id, routing_id=product.routing_id, quantity=units,
            lot_number="QR-LOT-1", status="completed", created_at=now, completed_at=now)).inserted_primary_key[0]
        conn.execute(insert(Unit), [{"serial": f"QR{i:08d}", "work_order_id": wo_id, "status": "completed",
                                     "created_at": now, "completed_at": now, "lock_version": 0, "on_hold": False}
                                    for i in range(units)])
        unit_ids = list(s.scalars(select(Unit.id).where(Unit.work_order_id == wo_id).order_by(Unit.id)))
        failing = set(unit_ids[::100])
        records = [{"unit_id": uid, "routing_operation_id": op_id, "seq": 10, "station_id": station_id,
                    "started_at": now, "completed_at": now + timedelta(seconds=30), "result": result,
                    "retest_count": retest}
                   for uid in unit_ids
                   for result, retest in ((("fail", 0), ("pass", 1)) if uid in failing else (("pass", 0),))]
        conn.execute(insert(OperationRecord), records)
        rows = list(conn.execute(select(OperationRecord.id, OperationRecord.unit_id, OperationRecord.result)
                                 .join(Unit, Unit.id == OperationRecord.unit_id).where(Unit.work_order_id == wo_id)))
        conn.execute(insert(Measurement), [
            {"operation_record_id": rid, "name": spec.name, "value": 12.0 if result == "fail" and n == 0 else 5.0,
             "unit": spec.unit, "low": spec.low, "high": spec.high, "passed": not (result == "fail" and n == 0),
             "manual": False, "source_tag": spec.source_tag, "taken_at": now}
            for rid, _, result in rows for n, spec in enumerate(SPECS)])
        conn.execute(insert(Nonconformance), [
            {"number": f"NC-QR-{rid}", "unit_id": uid, "operation_record_id": rid, "description": "m00 out of limits",
             "status": "closed", "disposition": "rework", "source": "out_of_spec", "opened_at": now, "closed_at": now}
            for rid, uid, result in rows if result == "fail"])
        conn.execute(insert(ComponentConsumption), [
            {"unit_id": uid, "part_number": part, "material_lot_id": lot, "quantity": Decimal(1),
             "scanned": "generated", "consumed_at": now}
            for uid in unit_ids for part, lot in zip(("PART-A", "PART-B"), lots, strict=False)])
        return s.scalar(select(Unit.serial).where(Unit.id == min(failing)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000, help="units in the batch (default 10,000)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    return parser


if __name__ == "__main__":
    main()
