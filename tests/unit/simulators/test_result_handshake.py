"""The PLC side of the result handshake, driven scan by scan with a fake clock."""

from __future__ import annotations

from equipment_adapters.simulators.handshake import ResultChannel, ResultStatus, next_sequence
from tests.unit.simulators.conftest import Bench


def test_a_result_stays_ready_until_the_mes_acks_its_sequence(bench: Bench):
    bench.run(1.5)
    assert bench.value("result_ready") == 1
    seq = bench.value("result_seq")
    assert bench.value("result_serial") == "SCR01-000001"
    assert bench.value("result_status") == ResultStatus.PASS
    bench.machine.write("result_ack", seq - 1)  # a stale ack changes nothing
    bench.run(0.5)
    assert bench.value("result_ready") == 1 and bench.value("result_seq") == seq
    bench.machine.write("result_ack", seq)
    bench.run(0.1)
    assert bench.value("result_ready") == 0


def test_ready_is_low_for_at_least_one_scan_before_the_next_result_is_published(bench: Bench):
    bench.run(4.0)  # three results made, the first one published
    first = bench.value("result_seq")
    bench.machine.write("result_ack", first)
    bench.run(0.1)
    assert bench.value("result_ready") == 0
    bench.run(0.1)
    assert bench.value("result_ready") == 1
    assert bench.value("result_seq") == first + 1
    assert bench.value("result_serial") == "SCR01-000002"


def test_every_result_gets_its_own_consecutive_sequence_number(bench: Bench):
    acked = bench.ack_all(10.0)
    assert len(acked) >= 7
    assert acked == list(range(acked[0], acked[0] + len(acked)))


def test_a_full_result_queue_blocks_further_cycles_until_acks_arrive():
    bench = Bench(result_queue_size=2)
    bench.run(10.0)
    assert bench.machine.results.unacked() == 3  # one published, two queued
    assert bench.machine.good_count == 3
    bench.ack_all(5.0)
    assert bench.machine.good_count > 3


def test_queue_size_zero_behaves_like_a_plc_that_blocks_the_next_cycle():
    bench = Bench(result_queue_size=0)
    bench.run(5.0)
    assert bench.machine.good_count == 1


def test_sequence_numbers_wrap_past_uint32_to_one_never_to_zero():
    assert next_sequence(0xFFFF_FFFF) == 1
    channel = ResultChannel(last_seq=0xFFFF_FFFE)
    assert [channel.issue("A", ResultStatus.PASS, {}).seq for _ in range(3)] == [0xFFFF_FFFF, 1, 2]


def test_the_sequence_continues_from_the_retained_value_given_at_start():
    bench = Bench()
    bench.machine.results.last_seq = 41
    bench.run(1.5)
    assert bench.value("result_seq") == 42
