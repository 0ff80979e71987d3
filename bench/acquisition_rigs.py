"""Rigs for bench/acquisition.py: a scratch database, simulated stations, a bench line, an OPC UA server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from benchdb import bench_database
from sqlalchemy import Engine, select, text

from equipment_adapters.simulators.handshake import ResultChannel
from equipment_adapters.simulators.runner import build_simulator
from equipment_adapters.simulators.sitefile import load_equipment
from equipment_adapters.simulators.station import SimulatorServer
from equipment_adapters.tags import DeviceSpec
from mes.db import session_factory, unit_of_work
from mes.models import Equipment, Line, Station
from mes.services.seed import seed_site
from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import load_site_config

TEMPLATE = "SCR01-SPINDLE"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[Engine]:
    """A migrated, seeded database: a temporary SQLite file, or a temporary database on `server_url`."""
    with bench_database(server_url) as engine:
        yield _prepared(engine)


def _prepared(engine: Engine) -> Engine:
    with unit_of_work(session_factory(engine)) as session:
        seed_site(session, load_site_config(DEFAULT_SITE_FILE), None)
    return engine


def station_specs(count: int, ports: list[int] | None = None) -> tuple[list[DeviceSpec], dict[str, Any]]:
    """`count` copies of the demo torque spindle, each on its own (free) port, and its simulator block."""
    devices, sims = load_equipment(DEFAULT_SITE_FILE)
    template = next(d for d in devices if d.name == TEMPLATE)
    ports = ports or [free_port() for _ in range(count)]
    specs = [dataclasses.replace(template, name=f"BENCH{i:02d}-SPINDLE", endpoint=f"127.0.0.1:{ports[i]}")
             for i in range(count)]
    return specs, sims[TEMPLATE]


def add_bench_line(engine: Engine, specs: list[DeviceSpec], code: str = "BENCH") -> None:
    """A line `code` with one station and one equipment per spec, tag maps copied from the template."""
    with unit_of_work(session_factory(engine)) as session:
        template = session.scalars(select(Equipment).where(Equipment.code == TEMPLATE)).one()
        l1 = session.scalars(select(Line).where(Line.code == "L1")).one()
        line = Line(area_id=l1.area_id, code=code, name="Benchmark line")
        session.add(line)
        for position, spec in enumerate(specs, start=1):
            station = Station(line=line, code=spec.name.split("-")[0], name=spec.name,
                              station_type="screwdriving", position=position)
            session.add(Equipment(station=station, code=spec.name, name=spec.name, protocol=template.protocol,
                                  endpoint=spec.endpoint, connection=template.connection,
                                  tag_map=template.tag_map, calibration_due=template.calibration_due))


class TimedResults(ResultChannel):
    """The PLC's result channel, noting when each result is published (result_ready goes to 1)."""

    def __init__(self, last_seq: int, queue_size: int) -> None:
        super().__init__(last_seq, queue_size)
        self.published_at: dict[int, float] = {}

    def tick(self, ack: int) -> None:
        """As the PLC scan does; remember the perf_counter of each new publication."""
        before = self.published
        super().tick(ack)
        if self.published is not None and self.published is not before:
            self.published_at[self.published.seq] = time.perf_counter()


class PlcsNotStarted(RuntimeError):
    """The simulator process did not come up, usually a port another process took after free_port()."""


@asynccontextmanager
async def running_plcs(count: int, cycle_s: float, out: Path, attempts: int = 3
                       ) -> AsyncIterator[tuple[list[DeviceSpec], dict[str, dict[str, float]]]]:
    """`count` simulated spindles on fresh free ports in a child process: (specs, publication times)."""
    for attempt in range(1, attempts + 1):
        specs, _block = station_specs(count)
        try:
            async with plc_process(specs, cycle_s, out) as published:
                yield specs, published
                return
        except PlcsNotStarted:
            if attempt == attempts:
                raise


@asynccontextmanager
async def plc_process(specs: list[DeviceSpec], cycle_s: float, out: Path) -> AsyncIterator[dict[str, dict[str, float]]]:
    """The specs' simulators in a child process; yields a dict filled with publication times at the end."""
    ports = [spec.endpoint.rsplit(":", 1)[1] for spec in specs]
    script = Path(__file__).with_name("acquisition_plc.py")
    child = await asyncio.create_subprocess_exec(sys.executable, str(script), str(out), str(cycle_s), *ports,
                                                 stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert child.stdout is not None and child.stdin is not None
    published: dict[str, dict[str, float]] = {}
    try:
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
        if line.strip() != b"ready":
            raise PlcsNotStarted("the PLC simulators did not start (a port taken meanwhile?)")
        yield published
    finally:
        child.stdin.close()
        await child.wait()
    published.update(json.loads(out.read_text()))


@asynccontextmanager
async def simulators(specs: list[DeviceSpec], block: dict[str, Any], **changes: Any
                     ) -> AsyncIterator[list[SimulatorServer]]:
    """Started simulators for the specs (timed result channels), stopped at the end."""
    servers = [build_simulator(spec, {**block, **changes}) for spec in specs]
    for server in servers:
        results = server.machine.results
        server.machine.results = TimedResults(results.last_seq, results.queue_size)
    started: list[SimulatorServer] = []
    try:
        for server in servers:
            await server.start()
            started.append(server)
        yield servers
    finally:
        await asyncio.gather(*(s.stop() for s in started))


class CommitFloor:
    """One-row INSERT + COMMIT every `every_s` in a thread of its own, during the capture run.

    The floor under any durable write on that database in the same window: a result cannot be
    committed faster than the database makes one row durable (on PostgreSQL, a WAL fsync).
    """

    def __init__(self, engine: Engine, every_s: float = 0.1) -> None:
        self.engine = engine
        self.every_s = every_s
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-commit-floor")

    def __enter__(self) -> CommitFloor:
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_commit_floor (id INTEGER PRIMARY KEY, note VARCHAR(8))"))
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.every_s):
            n += 1
            started = time.perf_counter()
            with self.engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_commit_floor (id, note) VALUES (:id, 'x')"), {"id": n})
            self.latencies.append(time.perf_counter() - started)
