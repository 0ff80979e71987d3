"""Production benchmark: serial allocation, operation completions vs raw Core inserts, genealogy traces.

    .venv/bin/python bench/production.py                      # temporary SQLite file
    .venv/bin/python bench/production.py --units 100000 --completions 1000 --json
    .venv/bin/python bench/production.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a temporary database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is scripts, not a package

from benchdb import bench_database
from production_data import ACTOR, BENCH_GTIN, SPECS, prepare_site
from production_traces import bench_traces

from mes.compliance.chain import encode_value
from mes.compliance.chain_store import append_entries, flush_audit
from mes.compliance.verify import verify_chain
from mes.db import create_db_engine, session_factory, unit_of_work
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
from mes.production.common import concurrency_guard
from mes.production.completions import CompletionRequest, ComponentScan, complete_operations
from mes.production.components import consume_component
from mes.production.errors import ConcurrentUpdate
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput
from mes.production.serials import allocate_serials
from mes.production.workorders import create_work_order, release_work_order

SCANS = (ComponentScan("MES1|PN:PART-A|LOT:PART-A-L1"), ComponentScan("MES1|PN:PART-B|LOT:PART-B-L1"))
VALUES = [MeasurementInput(spec.name, 1.0 + i / 10) for i, spec in enumerate(SPECS)]


def main() -> None:
    """Parse the arguments, run every figure, print a table or JSON lines."""
    args = _parser().parse_args()
    with bench_database(args.database_url) as engine:
        prepare_site(engine)
        figures = [_figure("database", engine.dialect.name, "", "")]
        if args.only in (None, "serials"):
            figures += bench_allocation(engine, args.serials)
        if args.only in (None, "completions"):
            figures += bench_completions(engine, args.completions, args.clients)
        if args.only in (None, "traces"):
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


GROUP = 50  # results the edge (or the ERP) records together in one transaction (group commit)


def requests(serials: list[str]) -> list[CompletionRequest]:
    """Each unit through operation 10: start at FT01, two lot scans, ten values, complete."""
    return [CompletionRequest(serial, 10, VALUES, station_code="FT01", scans=SCANS) for serial in serials]


def complete_one(factory: sessionmaker[Session], serial: str) -> None:
    """One unit through operation 10 in one transaction (the batch service with one request)."""
    complete_together(factory, [serial])


def complete_together(factory: sessionmaker[Session], serials: list[str]) -> None:
    """Several units through operation 10 in one transaction: one call of the batch service."""
    with unit_of_work(factory) as s:
        refused = [o for o in complete_operations(s, ACTOR, requests(serials)) if o.error is not None]
        if refused:
            raise RuntimeError(f"{refused[0].request.serial}: {refused[0].error}")


def complete_by_calls(factory: sessionmaker[Session], serial: str) -> None:
    """One unit through operation 10 by the one-at-a-time services (a terminal's calls), one transaction."""
    with unit_of_work(factory) as s:
        start_operation(s, ACTOR, serial, 10, "FT01")
        for scan in SCANS:
            consume_component(s, ACTOR, serial, scan.scan)
        complete_operation(s, ACTOR, serial, 10, VALUES)


def bench_completions(engine: Engine, count: int, clients: int) -> list[dict[str, object]]:
    """Operation completions through the services (batched, one per transaction, by calls, several clients)
    vs raw Core inserts of the same rows, in the same run."""
    factory = session_factory(engine)
    count = max(GROUP, count // GROUP * GROUP)
    first, *warm = _order(engine, GROUP + 1, GROUP + 1)
    single_statements = _count_statements(engine, lambda: complete_one(factory, first))
    batch_statements = _count_statements(engine, lambda: complete_together(factory, warm)) / GROUP
    events_before = _last_audit_id(engine)
    grouped = _order(engine, count, count)
    grouped_s, grouped_cpu = _measured(lambda: [complete_together(factory, grouped[n:n + GROUP])
                                                for n in range(0, count, GROUP)])
    events = (_last_audit_id(engine) - events_before) / count
    raw_grouped = _order(engine, count, count)
    raw_grouped_s, raw_grouped_cpu = _measured(lambda: _raw_core(engine, raw_grouped, round(events), GROUP))
    singles = _order(engine, count, count)
    single_s, single_cpu = _measured(lambda: [complete_one(factory, serial) for serial in singles])
    raw_singles = _order(engine, count, count)
    raw_s, raw_cpu = _measured(lambda: _raw_core(engine, raw_singles, round(events), 1))
    calls = _order(engine, count, count)
    calls_s, calls_cpu = _measured(lambda: [complete_by_calls(factory, serial) for serial in calls])
    parallel = _order(engine, count, count)
    parallel_s = _timed(lambda: _in_parallel(engine, parallel, clients))
    done = select(func.count()).select_from(Unit).where(Unit.serial.in_(parallel + grouped + singles + calls),
                                                        Unit.status == "completed")
    with engine.connect() as conn:
        intact = verify_chain(engine).intact and conn.scalar(done) == 4 * count
    per = f"{GROUP} per transaction"
    return [
        _figure(f"completions, {per} (batch service, 10 meas + 2 scans + audit)", round(count / grouped_s, 1),
                "units/s", ">= 500"),
        _figure(f"completions, {per} (raw Core insert, same rows)", round(count / raw_grouped_s, 1), "units/s", ""),
        _figure(f"batch service vs raw Core, {per} (time ratio)", round(grouped_s / raw_grouped_s, 2), "x", ""),
        # This process's CPU (with SQLite, the database engine's too): what a busy shared machine cannot hide.
        _figure(f"benchmark-process CPU per completion, {per} (service)", _ms(grouped_cpu, count), "ms", ""),
        _figure(f"benchmark-process CPU per completion, {per} (raw Core)", _ms(raw_grouped_cpu, count), "ms", ""),
        # What one free core would do: completions per second of this process's CPU (waits for the disk excluded).
        _figure(f"completions per CPU-second, {per} (service)", round(count / grouped_cpu), "units/s", ">= 500"),
        _figure(f"SQL statements per completion, {per} (service)", round(batch_statements, 2), "statements", ""),
        _figure("completions, 1 per transaction (batch service of one)", round(count / single_s, 1), "units/s", ""),
        _figure("completions, 1 per transaction (raw Core insert, same rows)", round(count / raw_s, 1), "units/s", ""),
        _figure("service vs raw Core, 1 per transaction (time ratio)", round(single_s / raw_s, 2), "x", ""),
        _figure("benchmark-process CPU per completion, 1 per transaction (service)", _ms(single_cpu, count), "ms", ""),
        _figure("benchmark-process CPU per completion, 1 per transaction (raw)", _ms(raw_cpu, count), "ms", ""),
        _figure("SQL statements per completion, 1 per transaction (service)", single_statements, "statements", ""),
        _figure("completions, 1 per transaction, by calls (start, 2 scans, complete)", round(count / calls_s, 1),
                "units/s", ""),
        _figure("benchmark-process CPU per completion, by calls", _ms(calls_cpu, count), "ms", ""),
        _figure("audit events per completion", round(events, 1), "events", ""),
        _figure(f"completions, {clients} clients in parallel, 1 per transaction", round(count / parallel_s, 1),
                "units/s", ""),
        _figure("afterwards: every unit completed, audit chain intact", intact, "", ""),
    ]


def _measured(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and this process's CPU seconds of the action."""
    cpu = time.process_time()
    wall = _timed(action)
    return wall, time.process_time() - cpu


def _ms(seconds: float, count: int) -> float:
    return round(seconds / count * 1000, 2)


def _count_statements(engine: Engine, action: Callable[[], object]) -> int:
    statements = []

    def count(*_args: object) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _last_audit_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.max(AuditEvent.id))) or 0


def _in_parallel(engine: Engine, serials: list[str], clients: int) -> None:
    """`clients` processes (terminals, edges), each completing its share of the units, all at once."""
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(clients + 1)
    workers = [context.Process(target=_client, args=(url, serials[n::clients], ready)) for n in range(clients)]
    for worker in workers:
        worker.start()
    ready.wait()  # the clock starts when every client has connected
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a client failed with exit code {worker.exitcode}")


def _client(url: str, serials: list[str], ready) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(url)
    factory = session_factory(engine)
    with engine.connect():
        pass
    ready.wait()
    for serial in serials:
        for attempt in range(20):  # SQLite: a writer that waited past the busy timeout tries again
            try:
                with concurrency_guard():
                    complete_one(factory, serial)
                break
            except ConcurrentUpdate:
                time.sleep(0.01 * (attempt + 1))
        else:
            raise RuntimeError(f"{serial}: gave up after 20 attempts")
    engine.dispose()


def _raw_core(engine: Engine, serials: list[str], audit_events: int, group: int) -> None:
    """The same rows as a service completion (record, 10 measurements, 2 consumptions, its audit events),
    `group` units per transaction, each table written with one statement per transaction."""
    with engine.connect() as conn:
        station = conn.scalar(select(Station.id).where(Station.code == "FT01"))
        operation = conn.scalar(select(RoutingOperation.id).where(RoutingOperation.seq == 10,
                                                                  RoutingOperation.name == "Bench test"))
        lots = list(conn.scalars(select(MaterialLot.id).where(MaterialLot.part_number.in_(("PART-A", "PART-B")))
                                 .order_by(MaterialLot.part_number)))
    for n in range(0, len(serials), group):
        chunk = serials[n:n + group]
        with engine.begin() as conn:
            units = dict(conn.execute(update(Unit).where(Unit.serial.in_(chunk)).values(
                status="completed", next_seq=None, lock_version=Unit.lock_version + 1)
                .returning(Unit.serial, Unit.id)).all())
            now = utcnow()
            records = list(conn.scalars(insert(OperationRecord).returning(OperationRecord.id,
                                                                         sort_by_parameter_order=True), [
                {"unit_id": units[serial], "routing_operation_id": operation, "seq": 10, "station_id": station,
                 "started_at": now, "completed_at": now, "result": "pass", "retest_count": 0} for serial in chunk]))
            conn.execute(insert(Measurement), [
                {"operation_record_id": record, "name": s.name, "value": 1.0, "unit": s.unit, "low": s.low,
                 "high": s.high, "passed": True, "manual": False, "source_tag": s.source_tag, "taken_at": now}
                for record in records for s in SPECS])
            for lot, qty in zip(lots, (1, 2), strict=True):
                conn.execute(update(MaterialLot).where(MaterialLot.id == lot)
                             .values(quantity_on_hand=MaterialLot.quantity_on_hand - qty * len(chunk)))
            conn.execute(insert(ComponentConsumption), [
                {"unit_id": units[serial], "operation_record_id": record, "part_number": part,
                 "material_lot_id": lot, "quantity": Decimal(qty), "scanned": scan.scan, "consumed_at": now}
                for serial, record in zip(chunk, records, strict=True)
                for part, lot, qty, scan in zip(("PART-A", "PART-B"), lots, (1, 2), SCANS, strict=True)])
            _raw_audit(conn, chunk, audit_events)


def _raw_audit(conn, serials: list[str], count: int) -> None:  # type: ignore[no-untyped-def]
    """Audit rows chained like the real ones, under the same lock (so the figure compares like with like)."""
    entries = [{"user_id": None, "user_name": "bench", "workstation": "bench", "action": "CREATE",
                "entity": "unit", "entity_id": serial, "field": None, "old_value": None,
                "new_value": encode_value(n), "reason": None} for serial in serials for n in range(count)]
    with Session(conn) as s:
        append_entries(s, entries)
        flush_audit(s)


def _cpu(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _figure(name: str, value: object, unit: str, target: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "target": target}


def _row(figure: dict[str, object]) -> str:
    value = figure["value"]
    value = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return f"{figure['name']:<72} {value:>12} {figure['unit']:<8} {figure['target']}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serials", type=int, default=10_000, help="serials allocated in one block")
    parser.add_argument("--completions", type=int, default=300,
                        help="operation completions to time in each way (rounded to whole groups of 50)")
    parser.add_argument("--units", type=int, default=100_000,
                        help="generated units for the trace figures (x10 consumption rows); 1000000 for the target")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (processes) for the parallel figure")
    parser.add_argument("--only", choices=("serials", "completions", "traces"), help="run one group of figures")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    return parser


if __name__ == "__main__":
    main()
