"""Audit-trail benchmark: bulk-generate a correctly chained trail, then time verify_chain over it.

    .venv/bin/python bench/compliance.py                       # 1,000,000 events, temporary SQLite file
    .venv/bin/python bench/compliance.py --events 100000 --json
    .venv/bin/python bench/compliance.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a temporary database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import timedelta

from benchdb import bench_database
from sqlalchemy import Engine, insert

from mes.compliance import verify_chain
from mes.compliance.chain import GENESIS_HASH, chain, encode_value
from mes.models import AuditEvent, utcnow

VERIFY_TARGET_S = 10.0  # for 1,000,000 events
INSERT_BATCH = 20_000


def main() -> None:
    """Parse the arguments, run the benchmark, print a table or JSON lines."""
    args = _parser().parse_args()
    with bench_database(args.database_url) as engine:
        figures = run(engine, args.events, args.batch_size)
        engine.dispose()
    for figure in figures:
        print(json.dumps(figure) if args.json else _row(figure))


def run(engine: Engine, events: int, batch_size: int) -> list[dict[str, object]]:
    """Generate `events` entries, verify them, and return the figures."""
    started = time.perf_counter()
    generate(engine, events)
    generated = time.perf_counter() - started
    engine.dispose()  # verify from a cold connection, as `mes audit verify` would
    started, cpu_started = time.perf_counter(), time.process_time()
    report = verify_chain(engine, batch_size=batch_size)
    verified, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if not report.intact or report.events != events:
        raise SystemExit(f"the generated chain did not verify: {report.summary()}")
    target = VERIFY_TARGET_S * events / 1_000_000
    return [
        _figure("database", engine.dialect.name, "", ""),
        _figure("events", events, "events", ""),
        _figure("generate (chain + bulk insert)", round(generated, 2), "s", ""),
        _figure("generate rate", round(events / generated), "events/s", ""),
        _figure("verify_chain", round(verified, 2), "s", f"<= {target:g}"),
        _figure("verify_chain CPU time", round(cpu, 2), "s", f"<= {target:g}"),
        _figure("verify rate", round(events / verified), "events/s", ">= 100000"),
        _figure("load average (1 min) at the end", round(os.getloadavg()[0], 2), "", f"< {os.cpu_count()}"),
    ]


def generate(engine: Engine, events: int) -> None:
    """Append `events` chained entries with Core bulk inserts (hashes computed here, in Python)."""
    last_id, last_hash = 0, GENESIS_HASH
    start = utcnow()
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # the two unique hash indexes take random inserts: keep them in memory
            conn.exec_driver_sql("PRAGMA cache_size = -524288")
        for first in range(0, events, INSERT_BATCH):
            size = min(INSERT_BATCH, events - first)
            rows = list(chain((_entry(start, first + n) for n in range(size)), last_id, last_hash))
            conn.execute(insert(AuditEvent), rows)
            last_id, last_hash = rows[-1]["id"], rows[-1]["row_hash"]


def _entry(start, n: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A realistic entry: a measured value recorded on a unit, now and then a sign-in."""
    return {
        "ts_utc": start + timedelta(milliseconds=n), "user_id": n % 40 + 1, "user_name": f"Operator {n % 40 + 1}",
        "action": "UPDATE" if n % 50 else "LOGIN", "entity": "unit", "entity_id": f"SN{n // 8:010d}",
        "field": f"step_{n % 8}", "old_value": None, "new_value": encode_value({"value": n % 997 / 10, "ok": True}),
        "reason": None, "workstation": f"L1-ST{n % 5 + 1:02d}", "app_version": "0.1.0",
    }


def _figure(name: str, value: object, unit: str, target: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "target": target}


def _row(figure: dict[str, object]) -> str:
    value = f"{figure['value']:,}" if isinstance(figure["value"], int) else str(figure["value"])
    return f"{figure['name']:<32} {value:>14} {figure['unit']:<9} {figure['target']}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="entries to generate (default 1,000,000)")
    parser.add_argument("--batch-size", type=int, default=20_000, help="verify_chain batch size")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    return parser


if __name__ == "__main__":
    main()
