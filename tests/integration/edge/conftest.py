"""The demo line seeded on free ports, fast PLC simulators, and an edge running in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters.simulators.runner import SimulatorFleet
from equipment_adapters.simulators.sitefile import load_equipment
from equipment_adapters.tags import DeviceSpec
from mes.db import unit_of_work
from mes.edge.runtime import Edge
from mes.edge.settings import EdgeSettings
from mes.models import Equipment, MachineResult
from mes.services.seed import seed_site
from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import load_site_config
from tests.support.ports import site_file_on_free_ports

FAST = {"cycle_time_s": 0.1, "cycle_jitter": 0.0, "tick_s": 0.01, "acting_time_s": 0.01,
        "defect_rate": 0.1, "fault_rate": 0.0, "recover_after_s": None}


@dataclass
class DemoLine:
    """The demo site's line L1 seeded on free ports, with the simulator blocks to serve it."""

    path: Path
    devices: dict[str, DeviceSpec]
    sims: dict[str, dict[str, Any]]
    factory: sessionmaker[Session]

    def fleet(self, *codes: str, **sim_changes: Any) -> SimulatorFleet:
        """Simulators for `codes` (fast cycles; `sim_changes` override their blocks); not started."""
        devices = [self.devices[code] for code in codes]
        return SimulatorFleet(devices, {code: {**self.sims[code], **FAST, **sim_changes} for code in codes})

    def equipment_id(self, code: str) -> int:
        """The database id of an equipment code."""
        with self.factory() as session:
            return session.scalars(select(Equipment.id).where(Equipment.code == code)).one()

    def recorded(self, code: str) -> list[MachineResult]:
        """The results recorded for a machine, in the order they were inserted."""
        with self.factory() as session:
            return list(session.scalars(select(MachineResult).where(
                MachineResult.equipment_id == self.equipment_id(code)).order_by(MachineResult.id)))

    def with_tags(self, code: str, *tags: Any) -> DeviceSpec:
        """The device with extra tags in its map (for both the simulator and the database row)."""
        spec = dataclasses.replace(self.devices[code], tags=self.devices[code].tags + tags)
        self.devices[code] = spec
        return spec


@pytest.fixture(autouse=True)
async def default_executor_joined() -> AsyncIterator[None]:
    """Join the loop's default executor (asyncua resolves addresses in it) before the leak check."""
    yield
    await asyncio.get_running_loop().shutdown_default_executor()


@pytest.fixture
def demo_line(tmp_path: Path, sessions: sessionmaker[Session]) -> DemoLine:
    """The demo line in the test database, every endpoint on a free loopback port."""
    return seeded_line(tmp_path, sessions)


def seeded_line(tmp_path: Path, sessions: sessionmaker[Session]) -> DemoLine:
    """The demo line seeded into the database behind `sessions`, every endpoint on a free port."""
    path = tmp_path / "site.yaml"
    path.write_text(site_file_on_free_ports(DEFAULT_SITE_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with unit_of_work(sessions) as session:
        seed_site(session, load_site_config(path), None)
    devices, sims = load_equipment(path)
    return DemoLine(path, {d.name: d for d in devices}, sims, sessions)


@pytest.fixture
def edge_settings(tmp_path: Path) -> EdgeSettings:
    """Edge settings for tests: a private spool, quick replay and master-data refresh."""
    return EdgeSettings(edge_id="edge-test", spool_dir=tmp_path / "spool", replay_every_s=0.2,
                        heartbeat_every_s=1.0, master_data_every_s=1.0, db_timeout_s=0.3)


@contextlib.asynccontextmanager
async def running_edge(factory: sessionmaker[Session], settings: EdgeSettings, **options: Any) -> AsyncIterator[Edge]:
    """The edge of line L1 running in this loop until the block ends."""
    edge = Edge(factory, "L1", settings, **options)
    stop = asyncio.Event()
    task = asyncio.create_task(edge.run(stop))
    started = asyncio.create_task(edge.started.wait())
    await asyncio.wait([task, started], return_when=asyncio.FIRST_COMPLETED, timeout=10)
    started.cancel()
    try:
        if task.done():
            task.result()  # raise what stopped it
        yield edge
    finally:
        stop.set()
        await task


async def wait_for(condition: Callable[[], Any], timeout: float = 10.0, step: float = 0.02) -> Any:
    """Poll a plain condition until it is truthy; its value (AssertionError on timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)
    return value


async def plc_books(fleet: SimulatorFleet, code: str, first: int) -> tuple[list[int], list[int]]:
    """(every sequence issued since `first`, those the PLC still holds), after it saw the last ack."""
    await asyncio.sleep(0.05)  # a few PLC scans: an ack written just before the edge stopped is taken
    issued = list(range(first + 1, fleet.machines[code].machine.results.last_seq + 1))
    return issued, unacked(fleet, code)


def unacked(fleet: SimulatorFleet, code: str) -> list[int]:
    """Sequences the PLC still holds: published and queued."""
    results = fleet.machines[code].machine.results
    return ([results.published.seq] if results.published else []) + [r.seq for r in results.pending]
