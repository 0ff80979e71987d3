"""Routing enforcement and measurement limits as pure rules."""

import math

import pytest

from mes.domain.limits import BadLimits, BadMeasurement, Limits, within_limits
from mes.domain.routing import (
    BadRework,
    OperationAlreadyStarted,
    OperationNotStarted,
    OutOfSequence,
    Step,
    UnitNotInProduction,
    UnitOnHold,
    UnitState,
    WrongStationType,
    check_can_complete,
    check_can_start,
    first_seq,
    rework_target,
    seq_after,
)

STEPS = [Step(10, "screwdriving"), Step(20, "electrical_safety"), Step(30, "functional_test", 10)]


def state(next_seq=10, open_seq=None, status="in_progress", on_hold=False):
    return UnitState(status=status, on_hold=on_hold, next_seq=next_seq, open_seq=open_seq)


def test_the_next_operation_at_a_station_of_its_type_may_start():
    assert check_can_start(STEPS, state(20), 20, "electrical_safety").seq == 20


def test_skipping_an_operation_is_out_of_sequence_and_names_the_expected_one():
    with pytest.raises(OutOfSequence) as raised:
        check_can_start(STEPS, state(10), 20, "electrical_safety")
    assert "10" in raised.value.message("en")
    assert "10" in raised.value.message("ru")


def test_the_wrong_station_type_is_refused():
    with pytest.raises(WrongStationType):
        check_can_start(STEPS, state(10), 10, "leak_test")


def test_a_held_unit_cannot_start_anything():
    with pytest.raises(UnitOnHold):
        check_can_start(STEPS, state(10, on_hold=True), 10, "screwdriving")


@pytest.mark.parametrize("status", ["completed", "scrapped", "consumed"])
def test_a_finished_scrapped_or_consumed_unit_cannot_start_anything(status):
    with pytest.raises(UnitNotInProduction):
        check_can_start(STEPS, state(None, status=status), 10, "screwdriving")


def test_an_operation_in_progress_cannot_be_started_twice_nor_another_one_completed():
    with pytest.raises(OperationAlreadyStarted):
        check_can_start(STEPS, state(10, open_seq=10), 10, "screwdriving")
    with pytest.raises(OperationNotStarted):
        check_can_complete(state(20, open_seq=None), 20)
    check_can_complete(state(20, open_seq=20), 20)


def test_sequence_helpers_walk_the_routing_in_order():
    assert first_seq(STEPS) == 10
    assert seq_after(STEPS, 10) == 20
    assert seq_after(STEPS, 30) is None


def test_rework_goes_to_the_defined_earlier_operation_or_else_retests_the_same_one():
    assert rework_target(STEPS, 30) == 10
    assert rework_target(STEPS, 20) == 20


def test_a_rework_target_after_the_failed_operation_is_refused():
    with pytest.raises(BadRework):
        rework_target([Step(10, "a", 20), Step(20, "b")], 10)


def test_limits_are_inclusive_and_open_sides_are_unbounded():
    limits = Limits(1.0, 2.0)
    assert within_limits(1.0, limits) and within_limits(2.0, limits)
    assert not within_limits(0.999, limits) and not within_limits(2.001, limits)
    assert within_limits(1e9, Limits(low=1.0))
    assert within_limits(-1e9, Limits(high=1.0))


def test_nan_infinity_and_non_numbers_are_not_measurements():
    for value in (math.nan, math.inf, "1.0", None, True):
        with pytest.raises(BadMeasurement):
            within_limits(value, Limits(0, 1))


def test_crossed_limits_are_refused():
    with pytest.raises(BadLimits):
        Limits(2.0, 1.0)
