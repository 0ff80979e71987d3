"""Machine results drive units through their routing: a loaded unit's operation completed by its result,
exactly once (also across an edge restart between commit and ack), failures as NCs and holds, machine faults."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import func, select

from equipment_adapters import create_adapter
from mes.db import unit_of_work
from mes.edge.result_store import Recorded
from mes.edge.results import read_block
from mes.edge.sink import ResultSink
from mes.edge.spool import Spool
from mes.models import AuditEvent, MachineResult
from mes.production.execution import complete_operation, start_operation
from mes.production.machine_results import NOT_AT_STEP, UNKNOWN_SERIAL, ResultApplier
from mes.production.quality import rework_unit
from tests.integration.edge.conftest import running_edge, unacked, wait_for
from tests.integration.edge.production_support import (
    SPINDLE_RECIPE,
    job,
    load,
    ncs,
    records,
    started_at_est01,
    started_at_scr01,
    unit,
)
from tests.support.production import ACTOR, run_op, values

CODE = "SCR01-SPINDLE"


def machine_results(sessions, serial: str) -> list[MachineResult]:
    with sessions() as s:
        rows = list(s.scalars(select(MachineResult).where(MachineResult.serial == serial).order_by(MachineResult.id)))
        for row in rows:
            _ = list(row.values)
        return rows


def spindle(fleet):
    machine = fleet.machines[CODE].machine
    machine.params.update(SPINDLE_RECIPE)
    return machine


async def test_a_loaded_unit_is_completed_by_the_machine_result_once_with_its_measurements(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        spindle(fleet)
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done")
        await wait_for(lambda: not unacked(fleet, CODE))
    done = job(demo_line.factory, job_id)
    (result,) = machine_results(demo_line.factory, serial)
    (record,) = records(demo_line.factory, serial)
    assert (record.seq, record.result, record.equipment_id) == (10, "pass", demo_line.equipment_id(CODE))
    assert result.operation_record_id == record.id and result.production_flag is None
    assert done.machine_result_id == result.id and done.sent_at is not None
    by_name = {m.name: m for m in record.measurements}
    assert set(by_name) == {"torque", "angle"}
    torque = next(v for v in result.values if v.name == "result_torque")
    assert by_name["torque"].value == torque.value and not by_name["torque"].manual
    assert (by_name["torque"].source_tag, by_name["torque"].low, by_name["torque"].high) == ("result_torque", 1.8, 2.2)
    moved = unit(demo_line.factory, serial)
    assert (moved.next_seq, moved.open_seq, moved.on_hold) == (20, None, False)


async def test_an_edge_restarted_between_commit_and_ack_completes_the_operation_only_once(
        demo_line, edge_settings, tmp_path):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    equipment_id = demo_line.equipment_id(CODE)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0, result_queue_size=0) as fleet:
        machine = spindle(fleet)
        # First life of the edge: writes the serial, records the result with production, dies before the ack.
        adapter = create_adapter(demo_line.devices[CODE], supervise=False)
        await adapter.connect()
        try:
            await adapter.write("load_serial", serial)
            await wait_for(lambda: machine.results.published is not None)
            seq = machine.results.published.seq
            block = await read_block(adapter, equipment_id, seq)
        finally:
            await adapter.close()
        spool = Spool(tmp_path / "first-life.sqlite3")
        first = ResultSink(demo_line.factory, spool, "edge-first-life", ResultApplier("edge-first-life"))
        assert first.store(block) is Recorded.NEW
        spool.close()
        assert job(demo_line.factory, job_id).status == "done" and unacked(fleet, CODE) == [seq]
        # Restarted: the PLC still presents it; recorded already, so acked and nothing applied again.
        async with running_edge(demo_line.factory, edge_settings, production=True) as edge:
            await wait_for(lambda: seq not in unacked(fleet, CODE))
            assert edge.sink.counts[Recorded.DUPLICATE] == 1
    assert len(machine_results(demo_line.factory, serial)) == 1
    (record,) = records(demo_line.factory, serial)
    assert record.result == "pass" and len(record.measurements) == 2
    with demo_line.factory() as s:
        completions = s.scalar(select(func.count()).where(
            AuditEvent.entity == "operation_record", AuditEvent.entity_id == str(record.id),
            AuditEvent.field == "result"))
    assert completions == 1


async def test_a_failing_machine_result_fails_the_operation_opens_an_nc_and_holds_the_unit(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        spindle(fleet)
        fleet.machines[CODE].inject("out_of_spec")
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done")
    (record,) = records(demo_line.factory, serial)
    (result,) = machine_results(demo_line.factory, serial)
    assert record.result == "fail" and not result.passed and result.operation_record_id == record.id
    (nc,) = ncs(demo_line.factory, serial)
    assert nc.status == "open" and nc.operation_record_id == record.id
    held = unit(demo_line.factory, serial)
    assert held.on_hold and held.next_seq == 10 and held.open_seq is None
    assert job(demo_line.factory, job_id).reason == "operation 10: fail"


async def test_after_rework_the_retest_through_the_machine_passes_and_counts_as_a_retest(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    first = load(demo_line.factory, "SCR01", serial)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        spindle(fleet)
        fleet.machines[CODE].inject("out_of_spec")
        await wait_for(lambda: job(demo_line.factory, first).status == "done")
        fleet.machines[CODE].clear_faults()
        with unit_of_work(demo_line.factory) as s:
            rework_unit(s, ACTOR, serial, "screws re-seated")
        with unit_of_work(demo_line.factory) as s:
            start_operation(s, ACTOR, serial, 10, "SCR01")
        again = load(demo_line.factory, "SCR01", serial)
        await wait_for(lambda: job(demo_line.factory, again).status == "done")
    assert [(r.seq, r.result, r.retest_count) for r in records(demo_line.factory, serial)] == [
        (10, "fail", 0), (10, "pass", 1)]
    assert unit(demo_line.factory, serial).next_seq == 20 and len(machine_results(demo_line.factory, serial)) == 2


async def test_results_for_unknown_serials_or_units_not_at_this_step_are_recorded_and_flagged(
        demo_line, edge_settings, caplog):
    at_est = started_at_est01(demo_line.factory)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        machine = spindle(fleet)
        machine.write("load_serial", "STRANGER-1")  # a unit the MES never made
        await wait_for(lambda: machine_results(demo_line.factory, "STRANGER-1"))
        machine.write("load_serial", at_est)  # a real unit, but its operation runs at EST01
        await wait_for(lambda: machine_results(demo_line.factory, at_est))
        machine.write("load_serial", "STRANGER-1")  # the same stranger again: flagged, warned once
        await wait_for(lambda: len(machine_results(demo_line.factory, "STRANGER-1")) == 2)
    assert {r.production_flag for r in machine_results(demo_line.factory, "STRANGER-1")} == {UNKNOWN_SERIAL}
    (wrong,) = machine_results(demo_line.factory, at_est)
    assert wrong.production_flag == NOT_AT_STEP and wrong.operation_record_id is None
    assert [r.result for r in records(demo_line.factory, at_est)] == ["pass", None]  # op 20 still open at EST01
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "STRANGER-1" in r.getMessage()]
    assert len(warnings) == 1, warnings


async def test_a_machine_fault_with_the_unit_inside_opens_an_nc_and_fails_the_job(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0, cycle_time_s=3.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        machine = spindle(fleet)
        await wait_for(lambda: machine.cycle is not None and machine.cycle.serial == serial)
        fleet.machines[CODE].inject("alarm", code=201)  # spindle overcurrent: Abort
        await wait_for(lambda: job(demo_line.factory, job_id).status == "failed")
    failed = job(demo_line.factory, job_id)
    assert failed.reason.startswith("machine fault: state Abort") and "201" in failed.reason
    (nc,) = ncs(demo_line.factory, serial)
    assert nc.source == "machine_fault" and "SCR01-SPINDLE" in nc.description and nc.status == "open"
    assert unit(demo_line.factory, serial).on_hold
    assert machine_results(demo_line.factory, serial) == []
    assert [(r.seq, r.result) for r in records(demo_line.factory, serial)] == [(10, None)]  # never completed


async def test_machines_running_on_serials_of_their_own_still_take_a_loaded_unit_next(demo_line, edge_settings):
    # The demo's set-up (serial_source: auto): the spindle keeps cycling on units it names itself.
    serial = started_at_scr01(demo_line.factory)
    async with demo_line.fleet(CODE, defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        machine = spindle(fleet)
        await wait_for(lambda: len(demo_line.recorded(CODE)) >= 2)  # running on its own serials
        job_id = load(demo_line.factory, "SCR01", serial)
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done")
        await wait_for(lambda: demo_line.recorded(CODE)[-1].serial != serial)  # and on it goes by itself
        assert machine.packml.state.name == "EXECUTE"
    own = [r for r in demo_line.recorded(CODE) if r.serial != serial]
    assert own and {r.production_flag for r in own} == {UNKNOWN_SERIAL}
    assert [r.result for r in records(demo_line.factory, serial)] == ["pass"]


async def test_a_label_scan_back_mismatch_at_the_laser_opens_a_label_nc(demo_line, edge_settings):
    laser = "MARK01-LASER"
    serial = started_at_scr01(demo_line.factory)
    with unit_of_work(demo_line.factory) as s:
        complete_operation(s, ACTOR, serial, 10, values(10))
    for seq in (20, 30):
        run_op(demo_line.factory, serial, seq)
    with unit_of_work(demo_line.factory) as s:
        start_operation(s, ACTOR, serial, 40, "MARK01")
    job_id = load(demo_line.factory, "MARK01", serial)
    async with demo_line.fleet(laser, serial_source="mes") as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        fleet.machines[laser].machine.params["min_grade"] = 0  # a defect is then always a misread mark
        fleet.machines[laser].inject("out_of_spec")
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done")
    sources = {nc.source: nc for nc in ncs(demo_line.factory, serial)}
    assert set(sources) == {"out_of_spec", "label_scan"}  # the failed operation, and what the verifier read
    assert f"21{serial}" in sources["label_scan"].description and "read" in sources["label_scan"].description
    assert records(demo_line.factory, serial)[-1].result == "fail" and unit(demo_line.factory, serial).on_hold


async def test_a_job_for_a_machine_that_cannot_be_reached_fails_with_the_reason(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    settings = dataclasses.replace(edge_settings, job_send_timeout_s=0.5)
    async with running_edge(demo_line.factory, settings, production=True):  # no simulator: nothing listens
        await wait_for(lambda: job(demo_line.factory, job_id).status == "failed")
    failed = job(demo_line.factory, job_id)
    assert failed.reason == "machine SCR01-SPINDLE not reachable" and failed.sent_at is None
    assert unit(demo_line.factory, serial).open_seq == 10  # the operation stays started: load it again


async def test_a_serial_the_machine_has_not_taken_yet_is_never_overwritten(demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    async with demo_line.fleet(CODE, serial_source="mes", auto_start=False) as fleet:  # Idle: takes no unit
        machine = fleet.machines[CODE].machine
        machine.write("load_serial", "OTHER-UNIT-7")
        job_id = load(demo_line.factory, "SCR01", serial)
        async with running_edge(demo_line.factory, edge_settings, production=True):
            await wait_for(lambda: job(demo_line.factory, job_id).status == "pending")
            await asyncio.sleep(0.6)  # three polls of the job loop
            assert machine.inputs["load_serial"] == "OTHER-UNIT-7"
            assert job(demo_line.factory, job_id).status == "pending"
            machine.write("load_serial", "")  # the PLC took it
            await wait_for(lambda: job(demo_line.factory, job_id).status == "sent")
            # The edge's read-back sees the register at once; the PLC takes it into its inputs on its next scan.
            await wait_for(lambda: machine.inputs["load_serial"] == serial)


async def test_over_opc_ua_a_unit_loaded_at_the_electrical_safety_tester_is_completed_by_its_result(
        demo_line, edge_settings):
    hipot = "EST01-HIPOT"
    serial = started_at_est01(demo_line.factory)
    job_id = load(demo_line.factory, "EST01", serial)
    async with demo_line.fleet(hipot, serial_source="mes", defect_rate=0.0) as fleet, \
            running_edge(demo_line.factory, edge_settings, production=True):
        await wait_for(lambda: job(demo_line.factory, job_id).status == "done", timeout=20)
        await wait_for(lambda: not unacked(fleet, hipot))
    record = records(demo_line.factory, serial)[-1]
    assert (record.seq, record.result) == (20, "pass")
    assert {m.name: m.source_tag for m in record.measurements} == {
        "pe_resistance": "result_pe_resistance", "touch_current": "result_touch_current"}
    (result,) = machine_results(demo_line.factory, serial)
    assert result.operation_record_id == record.id and len(result.values) == 4  # hipot values stay on the result


async def test_a_sent_job_whose_result_never_comes_fails_after_the_result_timeout_and_frees_the_station(
        demo_line, edge_settings):
    serial = started_at_scr01(demo_line.factory)
    job_id = load(demo_line.factory, "SCR01", serial)
    settings = dataclasses.replace(edge_settings, job_result_timeout_s=1.0)
    async with demo_line.fleet(CODE, serial_source="mes", defect_rate=0.0, cycle_time_s=60.0) as fleet, \
            running_edge(demo_line.factory, settings, production=True):
        machine = spindle(fleet)  # a cycle far longer than the timeout: it hangs, as far as the MES can tell
        await wait_for(lambda: job(demo_line.factory, job_id).status == "sent")
        await wait_for(lambda: job(demo_line.factory, job_id).status == "failed", timeout=5)
        assert machine.cycle is not None and machine.cycle.serial == serial  # the unit is still inside
    failed = job(demo_line.factory, job_id)
    assert failed.reason == "no result from SCR01-SPINDLE within 1 s of sending the serial"
    assert ncs(demo_line.factory, serial) == [] and not unit(demo_line.factory, serial).on_hold
    assert unit(demo_line.factory, serial).open_seq == 10  # still started: the operator decides what it was
    assert load(demo_line.factory, "SCR01", serial) != job_id  # the station takes a job again
