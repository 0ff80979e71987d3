"""Genealogy trace figures for bench/production.py: 1M units / 10M consumptions, backward and forward.

Each trace runs in its own session, as an API request does, through the service functions the API
calls (`trace_backward`, `where_used`): wall time p50 and p95 over many serials and lots, this
process's CPU time, the SQL statements sent, the answer's size and, on PostgreSQL, the server's own
execution time and the buffers it touched (EXPLAIN (ANALYZE, BUFFERS) of the statement the service
sent) — figures the load of other processes on the machine does not distort.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from production_data import generate_genealogy
from sqlalchemy import Engine, event, func, select

from mes.db import session_factory
from mes.models import ComponentConsumption
from mes.production.genealogy import trace_backward, where_used

SERIALS, LOTS, EXPLAINED = 50, 10, 5  # traces timed of each kind; of those, statements explained on PostgreSQL


def bench_traces(engine: Engine, units: int) -> list[dict[str, object]]:
    """Generate `units` units (x10 consumptions), then time backward traces of serials, forward of chip lots."""
    started = time.perf_counter()
    generated = generate_genealogy(engine, units)
    load_s = time.perf_counter() - started
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(ComponentConsumption))
    rnd = random.Random(1)
    serials = rnd.sample(generated["devices"], min(SERIALS, len(generated["devices"])))
    lots = rnd.sample(generated["chip_lots"], min(LOTS, len(generated["chip_lots"])))
    factory = session_factory(engine)

    def backward(serial: str) -> dict[str, Any]:
        with factory() as s:
            return trace_backward(s, serial)

    def forward(lot: str) -> dict[str, Any]:
        with factory() as s:
            return where_used(s, lot_number=lot)

    backward(serials[0]), forward(lots[0])  # warm the connection pool and the statement caches
    back, fwd = _runs(engine, backward, serials), _runs(engine, forward, lots)
    answer = forward(lots[0])
    size = f"{units:,} units, {rows:,} consumptions"
    figures = [
        _figure(f"trace data generated ({size})", round(load_s, 1), "s", ""),
        _figure(f"backward trace of one serial ({size})", round(back["p50"], 2), "ms", "<= 20"),
        _figure("backward trace, wall p95", round(back["p95"], 2), "ms", ""),
        _figure(f"forward trace of one chip lot -> {len(answer['finished_units']):,} devices", round(fwd["p50"], 1),
                "ms", "<= 100"),
        _figure("forward trace, wall p95", round(fwd["p95"], 1), "ms", ""),
        _figure("backward trace answer: components, through subassemblies (median)", back["size"], "", ""),
        _figure("forward trace answer: finished devices · units · batches (median over the lots)",
                f"{fwd['devices']:,} · {fwd['size']:,} · {fwd['batches']}", "", ""),
        # On a CPU-starved shared machine wall time is mostly waiting for a core; this process's CPU time
        # (with SQLite, the database engine's too) is what a trace costs when it gets one.
        _figure("backward trace, benchmark-process CPU", round(back["cpu"], 2), "ms", ""),
        _figure("forward trace, benchmark-process CPU", round(fwd["cpu"], 1), "ms", ""),
        _figure("SQL statements per trace, backward · forward", f"{back['statements']} · {fwd['statements']}", "", ""),
    ]
    if engine.dialect.name == "postgresql":
        for name, trace, keys in (("backward", backward, serials), ("forward", forward, lots)):
            execution, buffers = _server(engine, trace, keys[:EXPLAINED])
            figures += [_figure(f"{name} trace, PostgreSQL execution (EXPLAIN ANALYZE)", round(execution, 2), "ms", ""),
                        _figure(f"{name} trace, PostgreSQL buffers touched", buffers, "", "")]
    return figures


def _runs(engine: Engine, trace: Callable[[str], dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    """Each key traced once: wall p50 and p95, CPU p50 (ms), statements per trace, answer size p50."""
    walls, cpus, counts, sizes, devices, batches = [], [], [], [], [], []
    sent = [0]

    def count(*_args: object) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for key in keys:
            sent[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            answer = trace(key)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            counts.append(sent[0])
            sizes.append(_size(answer))
            devices.append(len(answer.get("finished_units", ())))
            batches.append(len(answer.get("work_orders", ())))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    walls.sort()
    return {"p50": statistics.median(walls), "p95": walls[max(0, round(len(walls) * 0.95) - 1)],
            "cpu": statistics.median(cpus), "statements": max(counts),
            "size": int(statistics.median(sizes)), "devices": int(statistics.median(devices)),
            "batches": int(statistics.median(batches))}


def _size(answer: dict[str, Any]) -> int:
    """Units a forward answer names, or components a backward tree lists at every level."""
    if "units" in answer:
        return len(answer["units"])
    return sum(1 + _size(c["unit"]) if "unit" in c else 1 for c in answer["components"])


def _server(engine: Engine, trace: Callable[[str], object], keys: list[str]) -> tuple[float, int]:
    """PostgreSQL's execution time (ms) and buffers touched for the trace's recursive statement, medians.

    TIMING OFF: the per-node clock reads of plain ANALYZE would add their own cost to thousands of
    index lookups; the total execution time is still measured.
    """
    sent: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "RECURSIVE" in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for key in keys:
            trace(key)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    times, buffers = [], []
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("SET LOCAL jit = off")  # as the service does
        for statement, parameters in sent:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]
            times.append(plan["Execution Time"])
            buffers.append(plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0))
    return statistics.median(times), int(statistics.median(buffers))


def _figure(name: str, value: object, unit: str, target: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "target": target}
