"""Production benchmark: serial allocation, operation completions vs raw Core inserts, genealogy traces.

    .venv/bin/python bench/production.py                      # temporary SQLite file
    .venv/bin/python bench/production.py --units 100000 --completions 1000 --json
    .venv/bin/python bench/production.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a temporary database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is scripts, not a package

from benchdb import bench_database
from production_data import ACTOR, BENCH_GTIN, SPECS, generate_genealogy, prepare_site

from mes.compliance.chain import encode_value
from mes.compliance.chain_store import append_entries
from mes.db import session_factory, unit_of_work
from mes.models import (
    AuditEvent,
    ComponentConsumption,
    MaterialLot,
    Measurement,
    OperationRecord,
    RoutingOperation,
    Station,
    Unit,
    utcnow,
)
from mes.production.components import consume_component
from mes.production.execution import complete_operation, start_operation
from mes.production.genealogy import trace_backward, where_used
from mes.production.measurements import MeasurementInput
from mes.production.serials import allocate_serials
from mes.production.workorders import create_work_order, release_work_order

SCANS = ("MES1|PN:PART-A|LOT:PART-A-L1", "MES1|PN:PART-B|LOT:PART-B-L1")


def main() -> None:
    """Parse the arguments, run every figure, print a table or JSON lines."""
    args = _parser().parse_args()
    with bench_database(args.database_url) as engine:
        prepare_site(engine)
        figures = [_figure("database", engine.dialect.name, "", "")]
        figures += bench_allocation(engine, args.serials)
        figures += bench_completions(engine, args.completions)
        figures += bench_traces(engine, args.units)
        engine.dispose()
    for figure in figures:
        print(json.dumps(figure) if args.json else _row(figure))


def _order(engine: Engine, quantity: int, serials: int) -> list[str]:
    with unit_of_work(session_factory(engine)) as s:
        number = create_work_order(s, ACTOR, BENCH_GTIN, quantity).number
        release_work_order(s, ACTOR, number)
    if not serials:
        return []
    with unit_of_work(session_factory(engine)) as s:
        return allocate_serials(s, ACTOR, number, serials)


def bench_allocation(engine: Engine, count: int) -> list[dict[str, object]]:
    """Allocate `count` serials in one transaction (commit included)."""
    _order(engine, 1, 1)  # warm the counter row and the caches
    with unit_of_work(session_factory(engine)) as s:
        number = create_work_order(s, ACTOR, BENCH_GTIN, count).number
        release_work_order(s, ACTOR, number)
    elapsed = _timed(lambda: _allocate(engine, number, count))
    return [_figure(f"allocate {count:,} serials", round(elapsed, 3), "s", "<= 1" if count == 10_000 else "")]


def _allocate(engine: Engine, number: str, count: int) -> None:
    with unit_of_work(session_factory(engine)) as s:
        allocate_serials(s, ACTOR, number, count)


def bench_completions(engine: Engine, count: int) -> list[dict[str, object]]:
    """Operation completions through the services vs raw Core inserts of the same rows."""
    serials = _order(engine, count, count)
    values = [MeasurementInput(spec.name, 1.0 + i / 10) for i, spec in enumerate(SPECS)]
    factory = session_factory(engine)

    def through_services() -> None:
        for serial in serials:  # one transaction per machine result, as the edge records it
            with unit_of_work(factory) as s:
                start_operation(s, ACTOR, serial, 10, "FT01")
                for scan in SCANS:
                    consume_component(s, ACTOR, serial, scan)
                complete_operation(s, ACTOR, serial, 10, values)

    service_s = _timed(through_services)
    with factory() as s:
        audit_rows = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    raw_serials = _order(engine, count, count)
    raw_s = _timed(lambda: _raw_core(engine, raw_serials))
    return [
        _figure("completions (services, 10 meas + 2 scans + audit)", round(count / service_s, 1), "units/s", ""),
        _figure("completions (raw Core insert, same rows)", round(count / raw_s, 1), "units/s", ""),
        _figure("service overhead vs raw Core", round(service_s / raw_s, 2), "x", ""),
        _figure("audit events in the trail", audit_rows or 0, "events", ""),
    ]


def _raw_core(engine: Engine, serials: list[str]) -> None:
    """The same rows as a service completion (record, 10 measurements, 2 consumptions, 5 audit events)."""
    with engine.connect() as conn:
        station = conn.scalar(select(Station.id).where(Station.code == "FT01"))
        operation = conn.scalar(select(RoutingOperation.id).where(RoutingOperation.seq == 10,
                                                                  RoutingOperation.name == "Bench test"))
        lots = list(conn.scalars(select(MaterialLot.id).where(MaterialLot.part_number.in_(("PART-A", "PART-B")))
                                 .order_by(MaterialLot.part_number)))
    for serial in serials:
        with engine.begin() as conn:
            unit_id = conn.scalar(update(Unit).where(Unit.serial == serial).values(
                status="completed", next_seq=None, lock_version=Unit.lock_version + 1).returning(Unit.id))
            now = utcnow()
            record = conn.execute(insert(OperationRecord).values(
                unit_id=unit_id, routing_operation_id=operation, seq=10, station_id=station, started_at=now,
                completed_at=now, result="pass", retest_count=0)).inserted_primary_key[0]
            conn.execute(insert(Measurement), [
                {"operation_record_id": record, "name": s.name, "value": 1.0, "unit": s.unit, "low": s.low,
                 "high": s.high, "passed": True, "manual": False, "source_tag": s.source_tag, "taken_at": now}
                for s in SPECS])
            for lot, qty in zip(lots, (1, 2), strict=True):
                conn.execute(update(MaterialLot).where(MaterialLot.id == lot)
                             .values(quantity_on_hand=MaterialLot.quantity_on_hand - qty))
            conn.execute(insert(ComponentConsumption), [
                {"unit_id": unit_id, "operation_record_id": record, "part_number": part, "material_lot_id": lot,
                 "quantity": Decimal(qty), "scanned": scan, "consumed_at": now}
                for part, lot, qty, scan in zip(("PART-A", "PART-B"), lots, (1, 2), SCANS, strict=True)])
            _raw_audit(conn, serial, 5)


def _raw_audit(conn, serial: str, count: int) -> None:  # type: ignore[no-untyped-def]
    """Audit rows chained like the real ones, under the same lock (so the figure compares like with like)."""
    entries = [{"user_id": None, "user_name": "bench", "workstation": "bench", "action": "CREATE",
                "entity": "unit", "entity_id": serial, "field": None, "old_value": None,
                "new_value": encode_value(n), "reason": None} for n in range(count)]
    with Session(conn) as s:
        append_entries(s, entries)


def bench_traces(engine: Engine, units: int) -> list[dict[str, object]]:
    """Backward and forward trace times on `units` generated devices with board subassemblies."""
    generated = generate_genealogy(engine, units)
    rnd = random.Random(1)
    factory = session_factory(engine)
    with factory() as s:
        sample = rnd.sample(generated["devices"], min(100, units))
        backward = _timed(lambda: [trace_backward(s, serial) for serial in sample]) / len(sample)
        lot = generated["chip_lots"][0]
        forward_lot = _timed(lambda: where_used(s, lot_number=lot))
        affected = len(where_used(s, lot_number=lot)["finished_units"])
        forward_all = _timed(lambda: where_used(s, lot_number="SCREW-000"))
    return [
        _figure(f"backward trace (of {units:,} devices)", round(backward * 1000, 2), "ms", "<= 100"),
        _figure(f"forward trace, 1 chip lot -> {affected:,} devices", round(forward_lot * 1000, 1), "ms", "<= 1000"),
        _figure(f"forward trace, 1 screw lot -> {units:,} devices", round(forward_all * 1000, 1), "ms", ""),
    ]


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _figure(name: str, value: object, unit: str, target: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "target": target}


def _row(figure: dict[str, object]) -> str:
    value = f"{figure['value']:,}" if isinstance(figure["value"], int) else str(figure["value"])
    return f"{figure['name']:<52} {value:>12} {figure['unit']:<8} {figure['target']}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serials", type=int, default=10_000, help="serials allocated in one block")
    parser.add_argument("--completions", type=int, default=300, help="operation completions to time")
    parser.add_argument("--units", type=int, default=10_000, help="generated devices for the trace figures")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    return parser


if __name__ == "__main__":
    main()
