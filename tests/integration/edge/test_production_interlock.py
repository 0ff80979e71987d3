"""The interlock asks production and compliance: NOK with a reason code for held units, wrong steps,
unknown serials; OK for a unit loaded where its operation was started (answer time printed)."""

from __future__ import annotations

import time

from sqlalchemy import select

from mes.db import unit_of_work
from mes.edge.interlock import Reason
from mes.models import Unit, WorkOrder
from mes.quality.holds import place_hold
from tests.integration.edge.conftest import running_edge, wait_for
from tests.integration.edge.production_support import (
    SPINDLE_RECIPE,
    job,
    load,
    records,
    started_at_est01,
    started_at_scr01,
)
from tests.support.production import ACTOR

CODE = "SCR01-SPINDLE"


def answered(edge):
    """The SCR01 responder's answers so far: [(seq, InterlockAnswer)]."""
    return next(s.interlock for s in edge.stations if s.device.code == CODE).answered


async def nok_for(machine, edge, serial: str) -> Reason:
    """Put a serial into the machine as its scanner would; the reason of the NOK it gets."""
    before = machine.stats["interlock_nok"]
    machine.write("load_serial", serial)
    await wait_for(lambda: machine.stats["interlock_nok"] > before)
    seq, answer = answered(edge)[-1]
    assert seq == machine.interlock.seq and not answer.ok
    assert machine.interlock.last_reason == answer.reason and machine.alarm_code == 901
    return answer.reason


async def test_unknown_wrong_step_not_started_and_held_units_are_refused_with_their_reason(demo_line, edge_settings):
    at_scr = started_at_scr01(demo_line.factory, "BAT0001")
    at_est = started_at_est01(demo_line.factory, "BAT0002")
    async with demo_line.fleet(CODE, serial_source="mes", require_interlock=True) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True) as edge:
        machine = fleet.machines[CODE].machine
        assert await nok_for(machine, edge, "NEVER-MADE-1") == Reason.UNIT_UNKNOWN
        assert await nok_for(machine, edge, at_est) == Reason.WRONG_STEP  # its operation 20 runs at EST01
        with unit_of_work(demo_line.factory) as s:
            place_hold(s, ACTOR, "unit", at_scr, "suspect screw lot")
        assert await nok_for(machine, edge, at_scr) == Reason.UNIT_ON_HOLD
    assert machine.stats["interlock_ok"] == 0 and not machine.results.unacked()
    assert [r.result for r in records(demo_line.factory, at_scr)] == [None]  # nothing ran


async def test_a_work_order_on_hold_refuses_its_units(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    with demo_line.factory() as s:
        number = s.scalar(select(WorkOrder.number).join(Unit, Unit.work_order_id == WorkOrder.id)
                          .where(Unit.serial == serial))
    with unit_of_work(demo_line.factory) as s:
        place_hold(s, ACTOR, "work_order", number, "batch record review")
    async with demo_line.fleet(CODE, serial_source="mes", require_interlock=True) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True) as edge:
        assert await nok_for(fleet.machines[CODE].machine, edge, serial) == Reason.WORK_ORDER_ON_HOLD


async def test_a_loaded_unit_passes_the_interlock_and_its_result_completes_the_operation(
        demo_line, edge_settings, capsys):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    async with demo_line.fleet(CODE, serial_source="mes", require_interlock=True, defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True) as edge:
        machine = fleet.machines[CODE].machine
        machine.params.update(SPINDLE_RECIPE)
        await wait_for(lambda: machine.interlock.requesting or machine.stats["interlock_ok"])
        asked = time.perf_counter()
        await wait_for(lambda: machine.stats["interlock_ok"] == 1, step=0.002)
        answer_ms = (time.perf_counter() - asked) * 1000
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done")
        assert answered(edge)[-1][1].ok
    with capsys.disabled():
        print(f"\n  interlock answer (production check, {demo_line.factory.kw['bind'].dialect.name}): "
              f"≤ {answer_ms:.0f} ms from the PLC's request to the PLC taking the answer")
    assert [r.result for r in records(demo_line.factory, serial)] == ["pass"]


async def test_an_interlock_nok_fails_the_loaded_units_job_with_the_reason(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    with unit_of_work(demo_line.factory) as s:
        place_hold(s, ACTOR, "unit", serial, "held after loading")
    async with demo_line.fleet(CODE, serial_source="mes", require_interlock=True) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        machine = fleet.machines[CODE].machine
        await wait_for(lambda: job(demo_line.factory, job_id).status == "failed" and machine.stats["interlock_nok"])
        assert machine.interlock.last_reason == Reason.UNIT_ON_HOLD
    assert job(demo_line.factory, job_id).reason.startswith("interlock NOK 30: unit")
