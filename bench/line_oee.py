"""What the line dashboard's shift counts and OEE cost as the history grows (mes.services.line_status).

Seeds the demo site into a fresh SQLite file (or --database-url), adds `--days` of history for every
machine of line L1 (a result every `--cycle` seconds, a state change every 10 minutes), then computes the
line status `--repeat` times and prints statements per call, CPU ms per call (process time, so the
machine's load matters less than for wall time) and wall ms, with the EXPLAIN plan of the counts query.
Usage: .venv/bin/python -m bench.line_oee [--days 30] [--cycle 6] [--repeat 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text

from mes.db import create_db_engine, session_factory, unit_of_work
from mes.migrate import upgrade
from mes.models import Equipment, EquipmentStatus, MachineResult, StateChange, utcnow
from mes.services.line_status import line_status
from mes.services.seed import seed_site
from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import load_site_config


def fill(engine, days: float, cycle_s: float) -> int:  # type: ignore[no-untyped-def]
    """History for every machine: results every cycle_s, Execute/Held alternating every 10 min."""
    now = utcnow()
    start = now - timedelta(days=days)
    total = 0
    with engine.begin() as conn:
        machines = conn.execute(select(Equipment.id)).scalars().all()
        for eq in machines:
            n = int(days * 86400 / cycle_s)
            rows = [{"equipment_id": eq, "sequence": i, "serial": f"B{eq}-{i}", "passed": i % 50 != 0,
                     "status_code": 1, "received_at": start + timedelta(seconds=i * cycle_s),
                     "recorded_at": start + timedelta(seconds=i * cycle_s), "edge_id": "bench", "spooled": False}
                    for i in range(n)]
            for chunk in range(0, n, 20000):
                conn.execute(insert(MachineResult), rows[chunk:chunk + 20000])
            changes = int(days * 144)
            conn.execute(insert(StateChange), [
                {"equipment_id": eq, "at": start + timedelta(minutes=10 * i), "from_state": None,
                 "to_state": 6 if i % 2 else 11} for i in range(changes)])
            conn.execute(insert(EquipmentStatus), [{"equipment_id": eq, "connected": True, "packml_state": 6,
                                                    "values": {}, "updated_at": now, "last_good_at": now,
                                                    "consecutive_failures": 0}])
            total += n
    return total


def measure(engine, repeat: int) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """Statements per call, median CPU ms and median wall ms of line_status over `repeat` calls."""
    sessions = session_factory(engine)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    cpu, wall = [], []
    for _ in range(repeat):
        statements.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        with sessions() as s:
            line_status(s, "L1")
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return len(statements), statistics.median(cpu), statistics.median(wall)


def main() -> None:
    """Parse the options, build the history, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--cycle", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--without-indexes", action="store_true",
                        help="drop migration 0013's two indexes first, to see what they save")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = create_db_engine(url)
        upgrade(engine)
        with unit_of_work(session_factory(engine)) as s:
            seed_site(s, load_site_config(DEFAULT_SITE_FILE), "demo")
        if args.without_indexes:
            with engine.begin() as conn:
                conn.execute(text("DROP INDEX ix_machine_result_equipment_received"))
                conn.execute(text("DROP INDEX ix_operation_record_station_completed"))
        results = fill(engine, args.days, args.cycle)
        count, cpu, wall = measure(engine, args.repeat)
        print(f"load: {os.getloadavg()[0]:.1f}  machine results in the database: {results:,}"
              f"{'  (without the 0014 indexes)' if args.without_indexes else ''}")
        print(f"line_status(L1): {count} statements per call, CPU {cpu:.2f} ms, wall {wall:.2f} ms (median of "
              f"{args.repeat})")
        engine.dispose()


if __name__ == "__main__":
    main()
