"""The simulated machine core: determinism, defect and fault rates, counters, commands, downloads."""

from __future__ import annotations

import pytest

from equipment_adapters.simulators.config import SimulatorConfig, SimulatorConfigError
from equipment_adapters.simulators.machine import UINT32
from equipment_adapters.simulators.packml import Command, State
from tests.unit.simulators.conftest import Bench

KIND_NAMES = ["torque_screwing", "leak_test", "laser_marking", "electrical_safety", "functional_test"]


def results_of(bench: Bench, seconds: float) -> list[dict]:
    blocks = []
    for _ in range(round(seconds / 0.1)):
        bench.clock.now += 0.1
        bench.machine.tick()
        values = bench.machine.values()
        if values["result_ready"]:
            blocks.append({k: v for k, v in values.items() if k.startswith("result_")})
            bench.machine.write("result_ack", values["result_seq"])
    return blocks


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_same_seed_gives_the_same_results(kind):
    first = results_of(Bench(kind, defect_rate=0.3, cycle_jitter=0.1), 20.0)
    second = results_of(Bench(kind, defect_rate=0.3, cycle_jitter=0.1), 20.0)
    assert first and first == second


def test_another_seed_gives_other_measurements():
    assert results_of(Bench(seed=1), 5.0) != results_of(Bench(seed=2), 5.0)


def test_the_defect_rate_sets_the_share_of_failed_units():
    bench = Bench(defect_rate=0.25, cycle_time_s=0.2)
    results_of(bench, 300.0)
    total = bench.machine.good_count + bench.machine.bad_count
    assert total > 500
    assert 0.18 < bench.machine.bad_count / total < 0.32


def test_failed_units_are_counted_bad_and_flagged_fail():
    bench = Bench(defect_rate=1.0)
    blocks = results_of(bench, 5.0)
    assert {b["result_status"] for b in blocks} == {2}
    assert bench.machine.good_count == 0 and bench.machine.bad_count == len(blocks)


def test_the_fault_rate_raises_alarms_and_the_simulated_operator_recovers():
    bench = Bench(fault_rate=0.5, recover_after_s=2.0, cycle_time_s=0.5)
    states, alarms = set(), set()
    for _ in range(600):
        bench.run(0.1)
        states.add(bench.machine.packml.state)
        alarms.add(bench.value("alarm_code"))
        if bench.value("result_ready"):
            bench.machine.write("result_ack", bench.value("result_seq"))
    assert {201, 202} <= alarms  # torque: overcurrent aborts, empty feeder holds
    assert {State.ABORTED, State.HELD, State.EXECUTE} <= states
    assert bench.machine.good_count > 5


def test_without_an_operator_an_aborted_machine_waits_for_the_mes_to_clear_it():
    bench = Bench(auto_start=False)
    bench.machine.raise_alarm(201)
    bench.run(5.0)
    assert bench.machine.packml.state is State.ABORTED and bench.value("alarm_code") == 201
    bench.machine.write("cntrl_cmd", Command.CLEAR)
    bench.run(0.2)
    assert bench.machine.packml.state is State.STOPPED and bench.value("alarm_code") == 0


def test_mes_commands_are_consumed_and_invalid_ones_are_rejected_and_counted():
    bench = Bench(auto_start=False)
    bench.machine.write("cntrl_cmd", Command.START)  # not allowed in Stopped
    bench.run(0.1)
    assert bench.value("cntrl_cmd") == 0 and bench.machine.stats["rejected_commands"] == 1
    assert bench.machine.packml.state is State.STOPPED
    for command in (Command.RESET, Command.START):
        bench.machine.write("cntrl_cmd", command)
        bench.run(0.2)
    assert bench.machine.packml.state is State.EXECUTE


def test_a_stop_from_the_mes_discards_the_unit_in_the_machine_and_keeps_it_stopped():
    bench = Bench()
    bench.run(0.8)
    bench.machine.write("cntrl_cmd", Command.STOP)
    bench.run(3.0)
    assert bench.machine.packml.state is State.STOPPED
    assert bench.machine.cycle is None and bench.machine.good_count == 0


def test_counters_are_uint32_and_roll_over():
    bench = Bench()
    bench.machine.good_count = UINT32 - 1
    bench.run(1.5)
    assert bench.value("good_count") == 0


def test_an_out_of_spec_fault_sends_values_beyond_the_limits_and_a_fail():
    bench = Bench()
    bench.machine.faults.inject("out_of_spec")
    block = results_of(bench, 1.5)[0]
    torque_ok = 1.1 <= block["result_torque"] <= 1.3
    angle_ok = 600 <= block["result_angle"] <= 1500
    assert not (torque_ok and angle_ok)
    assert block["result_status"] == 2


def test_an_out_of_spec_fault_can_play_a_plc_that_reports_pass_anyway():
    bench = Bench()
    bench.machine.faults.inject("out_of_spec", pass_anyway=True)
    assert results_of(bench, 1.5)[0]["result_status"] == 1


def test_with_require_download_no_cycle_runs_until_cycle_enable_is_set():
    bench = Bench(require_download=True)
    bench.run(3.0)
    assert bench.machine.results.last_seq == 0
    bench.machine.write("param_target_torque", 2.0)
    bench.machine.write("cycle_enable", 1)
    block = results_of(bench, 1.5)[0]
    assert 1.9 <= block["result_torque"] <= 2.1  # the downloaded target is what the spindle runs


def test_a_parameter_written_after_enable_withdraws_cycle_enable():
    bench = Bench(require_download=True)
    bench.machine.write("cycle_enable", 1)
    bench.machine.write("param_torque_tolerance", 0.2)
    assert bench.value("cycle_enable") == 0


def test_unknown_inputs_and_keys_are_refused():
    bench = Bench()
    with pytest.raises(KeyError):
        bench.machine.write("state", 6)
    with pytest.raises(SimulatorConfigError):
        SimulatorConfig.from_dict({"kind": "torque_screwing", "cycletime": 1})
    with pytest.raises(SimulatorConfigError):
        SimulatorConfig.from_dict({"kind": "welding"})


def test_a_serial_written_by_the_mes_is_used_for_the_next_unit():
    bench = Bench()
    bench.machine.write("load_serial", "MT260000042")
    assert results_of(bench, 1.5)[0]["result_serial"] == "MT260000042"
    assert bench.value("load_serial") == ""


def test_with_serial_source_mes_the_machine_waits_for_a_serial():
    bench = Bench(serial_source="mes")
    bench.run(3.0)
    assert bench.machine.results.last_seq == 0
    bench.machine.write("load_serial", "NC00000001")
    assert results_of(bench, 1.5)[0]["result_serial"] == "NC00000001"
