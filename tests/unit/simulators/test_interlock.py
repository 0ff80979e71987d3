"""The PLC side of the interlock handshake, driven scan by scan with a fake clock."""

from __future__ import annotations

from equipment_adapters.simulators.machine import ALARM_INTERLOCK_NOK, ALARM_INTERLOCK_TIMEOUT
from tests.unit.simulators.conftest import Bench


def answer(bench: Bench, verdict: int, reason: int = 0, seq: int | None = None) -> None:
    bench.machine.write("interlock_answer", verdict)
    bench.machine.write("interlock_reason", reason)
    bench.machine.write("interlock_answer_seq", bench.value("interlock_seq") if seq is None else seq)


def test_the_plc_asks_before_a_cycle_and_runs_it_only_on_ok():
    bench = Bench(require_interlock=True)
    bench.run(0.5)
    assert bench.value("interlock_request") == 1
    assert bench.value("interlock_serial") == "SCR01-000001"
    bench.run(1.0)
    assert bench.machine.results.last_seq == 0  # no answer yet: no cycle
    answer(bench, 1)
    bench.run(0.1)
    assert bench.value("interlock_request") == 0
    bench.run(1.2)
    assert bench.value("result_ready") == 1 and bench.value("result_serial") == "SCR01-000001"


def test_a_nok_unloads_the_unit_unprocessed_and_raises_a_warning_alarm():
    bench = Bench(require_interlock=True)
    bench.run(0.5)
    answer(bench, 2, reason=17)
    bench.run(0.1)
    assert bench.value("interlock_request") == 0
    assert bench.value("alarm_code") == ALARM_INTERLOCK_NOK
    assert bench.machine.interlock.last_reason == 17
    assert bench.machine.stats["interlock_nok"] == 1
    bench.run(0.4)
    assert bench.value("interlock_serial") == "SCR01-000002"  # the next unit asks
    assert bench.machine.results.last_seq == 0


def test_an_answer_for_another_sequence_is_ignored():
    bench = Bench(require_interlock=True)
    bench.run(0.5)
    answer(bench, 1, seq=bench.value("interlock_seq") + 5)
    bench.run(0.5)
    assert bench.value("interlock_request") == 1


def test_no_answer_within_the_timeout_withdraws_the_request_alarms_and_asks_again_for_the_same_unit():
    bench = Bench(require_interlock=True, interlock_timeout_s=2.0)
    bench.run(0.5)
    first_seq = bench.value("interlock_seq")
    bench.run(2.0)
    assert bench.value("interlock_request") == 0
    assert bench.value("alarm_code") == ALARM_INTERLOCK_TIMEOUT
    bench.run(0.5)
    assert bench.value("interlock_request") == 1
    assert bench.value("interlock_seq") == first_seq + 1
    assert bench.value("interlock_serial") == "SCR01-000001"
    answer(bench, 1)
    bench.run(0.1)
    assert bench.value("alarm_code") == 0  # the accepted unit clears the warning
