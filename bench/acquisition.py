"""Acquisition benchmark of the edge runtime: protocol pipelines against raw clients, result capture
latency with 20 stations, CPU while every PLC is down. Each pair is measured in the same run.

    .venv/bin/python bench/acquisition.py                 # SQLite (temporary file)
    .venv/bin/python bench/acquisition.py --json
    .venv/bin/python bench/acquisition.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/acquisition.py --only protocols --repeat 5   # the ratios' spread on a busy machine

With a PostgreSQL URL the capture latency is measured on SQLite and on a temporary database there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import statistics
import tempfile
from pathlib import Path
from typing import Any

# The helpers sit next to this script (its folder is on sys.path when it runs).
import acquisition_protocols as protocols
from acquisition_rigs import CommitFloor, add_bench_line, free_port, running_plcs, scratch_database, station_specs
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mes.db import session_factory
from mes.edge.runtime import Edge
from mes.edge.settings import EdgeSettings
from mes.models import Equipment

STATIONS = 20
PARTS = ("protocols", "capture", "idle")


def figure(name: str, value: Any, unit: str, target: str = "") -> dict[str, Any]:
    """One figure as printed (table row or JSON object)."""
    return {"name": name, "value": value, "unit": unit, "target": target}


async def protocol_pairs(seconds: float) -> list[dict[str, Any]]:
    """Modbus poll→decode→store vs raw pymodbus; OPC UA subscription ingest vs raw asyncua."""
    with scratch_database(None) as engine, tempfile.TemporaryDirectory() as tmp:
        async with running_plcs(1, 0.5, Path(tmp) / "published.json") as (specs, _published):
            add_bench_line(engine, specs)
            factory = session_factory(engine)
            equipment_id = _equipment_id(factory, specs[0].name)
            raw, pipeline, stored = await protocols.modbus_pair(specs[0], equipment_id, factory, 2 * seconds)
    port = free_port()
    async with protocols.changing_opcua_server(port, variables=100, every_s=0.01) as names:
        ua_raw, ua_pipeline = await protocols.opcua_pair(f"opc.tcp://127.0.0.1:{port}/bench", names, 10, seconds)
    return [
        figure("modbus raw pymodbus loop (2 requests/poll)", round(raw), "polls/s"),
        figure("modbus pipeline poll→decode→store", round(pipeline), "polls/s"),
        figure("modbus pipeline database writes (coalesced)", round(stored / (2 * seconds)), "writes/s"),
        figure("modbus pipeline / raw", round(pipeline / raw, 2), "ratio", ">= 0.8"),
        figure("opcua raw asyncua subscription (100 vars, 10 ms)", round(ua_raw), "notifications/s"),
        figure("opcua adapter subscription ingest", round(ua_pipeline), "notifications/s"),
        figure("opcua adapter / raw", round(ua_pipeline / ua_raw, 2), "ratio", ">= 0.8"),
    ]


def _equipment_id(factory: sessionmaker[Session], code: str) -> int:
    with factory() as session:
        return session.scalars(select(Equipment.id).where(Equipment.code == code)).one()


async def capture_latency(database_url: str | None, seconds: float) -> list[dict[str, Any]]:
    """ResultReady → committed row, 20 stations at 1 cycle/s each, p50 and p99."""
    with scratch_database(database_url) as engine, tempfile.TemporaryDirectory() as tmp:
        kind = engine.dialect.name
        async with running_plcs(STATIONS, 1.0, Path(tmp) / "published.json") as (specs, published):
            add_bench_line(engine, specs)
            edge = Edge(session_factory(engine), "BENCH", EdgeSettings(edge_id="bench", spool_dir=Path(tmp),
                                                                          freeze_heap=True))
            before = _cpu()
            with CommitFloor(engine) as floor:
                await _run_edge_for(edge, seconds)
            busy = (_cpu() - before) / seconds
        latencies = sorted(_latencies(published, edge))
        detect, store = _parts(published, edge)
    if not latencies:
        raise SystemExit("no result was captured")
    return [
        figure(f"capture results ({kind}, {STATIONS} stations, 1 cycle/s)", len(latencies), "results"),
        figure(f"capture latency p50 ({kind})", _ms(_pct(latencies, 0.5)), "ms"),
        figure(f"capture latency p99 ({kind})", _ms(_pct(latencies, 0.99)), "ms", "<= 50"),
        figure(f"  of which ready -> block read p50 / p99 ({kind})",
               f"{_ms(_pct(detect, 0.5))} / {_ms(_pct(detect, 0.99))}", "ms"),
        figure(f"  of which block read -> committed p50 / p99 ({kind})",
               f"{_ms(_pct(store, 0.5))} / {_ms(_pct(store, 0.99))}", "ms"),
        figure(f"edge CPU while capturing ({kind})", round(busy, 2), "CPU s/s"),
        figure(f"  baseline: one-row INSERT + COMMIT, same database, same window p50 / p99 / max ({kind})",
               f"{_ms(_pct(sorted(floor.latencies), 0.5))} / {_ms(_pct(sorted(floor.latencies), 0.99))} / "
               f"{_ms(max(floor.latencies, default=float('nan')))}", "ms"),
    ]


def _pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] if sorted_values else float("nan")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _parts(published: dict[str, dict[str, float]], edge: Edge) -> tuple[list[float], list[float]]:
    """(PLC ready -> block read, block read -> committed) per result, each sorted: where the time goes."""
    detect, store = [], []
    for station in edge.stations:
        times, capture = published[station.device.code], station.capture
        assert capture is not None
        for seq, durable in capture.durable_at.items():
            if str(seq) in times and seq in capture.read_at:
                detect.append(capture.read_at[seq] - times[str(seq)])
                store.append(durable - capture.read_at[seq])
    return sorted(detect), sorted(store)


def _latencies(published: dict[str, dict[str, float]], edge: Edge) -> list[float]:
    found = []
    for station in edge.stations:
        times = published[station.device.code]  # JSON keys: the sequence as text
        assert station.capture is not None
        found += [durable - times[str(seq)] for seq, durable in station.capture.durable_at.items()
                  if str(seq) in times]
    return found


async def idle_cpu(seconds: float) -> list[dict[str, Any]]:
    """CPU seconds the edge uses over `seconds` while all 20 PLCs are down."""
    specs, _block = station_specs(STATIONS)
    with scratch_database(None) as engine, tempfile.TemporaryDirectory() as spool:
        add_bench_line(engine, specs)
        edge = Edge(session_factory(engine), "BENCH", EdgeSettings(edge_id="bench", spool_dir=Path(spool)))
        stop = asyncio.Event()
        task = asyncio.create_task(edge.run(stop))
        await asyncio.sleep(3.0)  # past the first connect failures and the start-up backoff
        before = _cpu()
        await asyncio.sleep(seconds)
        used = _cpu() - before
        stop.set()
        await task
    return [figure(f"edge CPU with {STATIONS} PLCs down for {seconds:g} s", round(used, 3), "CPU s", "near 0")]


async def _run_edge_for(edge: Edge, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(edge.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await task


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every figure asked for, in order."""
    parts = set(args.only or PARTS)
    figures: list[dict[str, Any]] = []
    if "protocols" in parts:
        figures += await repeated_pairs(args.seconds, args.repeat)
    if "capture" in parts:
        figures += await capture_latency(None, args.capture_seconds)
        if args.database_url:
            figures += await capture_latency(args.database_url, args.capture_seconds)
    if "idle" in parts:
        figures += await idle_cpu(10.0)
    return figures


async def repeated_pairs(seconds: float, repeat: int) -> list[dict[str, Any]]:
    """The protocol pairs `repeat` times; with more than one run, each run's ratios and their spread."""
    runs = [await protocol_pairs(seconds) for _ in range(repeat)]
    if repeat == 1:
        return runs[0]
    figures = [{**f, "name": f"{f['name']} #{i}", "target": ""} for i, run in enumerate(runs, 1) for f in run]
    for name in ("modbus pipeline / raw", "opcua adapter / raw"):
        ratios = sorted(f["value"] for run in runs for f in run if f["name"] == name)
        figures += [figure(f"{name}, median of {repeat}", statistics.median(ratios), "ratio", ">= 0.8"),
                    figure(f"{name}, lowest / highest of {repeat}", f"{ratios[0]}-{ratios[-1]}", "ratio")]
    return figures


def main() -> None:
    """Parse the arguments, run, print a table or one JSON object per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--database-url", help="also measure capture latency on this PostgreSQL server")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each protocol measurement")
    parser.add_argument("--capture-seconds", type=float, default=20.0, help="duration of the capture run")
    parser.add_argument("--repeat", type=int, default=1, help="run the protocol pairs this many times (spread)")
    parser.add_argument("--only", action="append", choices=PARTS, help="measure only this part (repeatable)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # devices down on purpose: no log noise in the figures
    for item in asyncio.run(run(args)):
        if args.json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print(f"{item['name']:<58} {item['value']!s:>10} {item['unit']:<16} {item['target']}")


if __name__ == "__main__":
    main()
