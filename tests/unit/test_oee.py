"""OEE arithmetic: DOMAIN.md §7's worked example, run time from PackML history, empty denominators."""

from datetime import UTC, datetime, timedelta

import pytest

from mes.domain.oee import oee, planned_time, time_in_state
from mes.domain.packml import PackMLState

EXECUTE, HELD, IDLE = PackMLState.EXECUTE, PackMLState.HELD, PackMLState.IDLE
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_the_worked_example_gives_87_5_90_5_94_7_and_75_percent():
    result = oee(planned_s=480 * 60, run_s=420 * 60, total_count=380, good_count=360, ideal_cycle_s=60)
    assert result.availability == pytest.approx(0.875)
    assert result.performance == pytest.approx(0.9048, abs=5e-5)
    assert result.quality == pytest.approx(0.9474, abs=5e-5)
    assert result.oee == pytest.approx(0.75)
    assert result.oee == pytest.approx(result.availability * result.performance * result.quality)


def test_the_worked_example_from_state_history_counts_only_time_in_execute():
    changes = [(T0 + minutes(100), HELD), (T0 + minutes(160), EXECUTE)]  # 60 min down
    run_s = time_in_state(EXECUTE, changes, T0, T0 + minutes(480))
    assert run_s == 420 * 60
    assert oee(480 * 60, run_s, 380, 360, 60).oee == pytest.approx(0.75)


def test_a_change_before_the_window_only_sets_the_state_at_its_start():
    changes = [(T0 - minutes(30), EXECUTE), (T0 + minutes(10), IDLE)]
    assert time_in_state(None, changes, T0, T0 + minutes(60)) == 10 * 60


def test_an_unknown_state_at_the_start_is_not_run_time():
    assert time_in_state(None, [(T0 + minutes(50), EXECUTE)], T0, T0 + minutes(60)) == 10 * 60


def test_history_given_out_of_order_is_sorted_by_time():
    changes = [(T0 + minutes(20), IDLE), (T0 + minutes(5), EXECUTE)]
    assert time_in_state(IDLE, changes, T0, T0 + minutes(30)) == 15 * 60


def test_changes_after_the_window_end_are_ignored():
    assert time_in_state(EXECUTE, [(T0 + minutes(90), IDLE)], T0, T0 + minutes(60)) == 60 * 60


def test_nothing_made_and_no_run_time_leave_performance_and_quality_undefined():
    result = oee(planned_s=600, run_s=0, total_count=0, good_count=0, ideal_cycle_s=5)
    assert (result.availability, result.performance, result.quality, result.oee) == (0, None, None, 0)


def test_without_an_ideal_cycle_time_performance_and_oee_are_undefined():
    result = oee(planned_s=600, run_s=300, total_count=10, good_count=9, ideal_cycle_s=None)
    assert (result.availability, result.performance, result.quality, result.oee) == (0.5, None, 0.9, None)


def test_a_shift_that_has_not_started_has_no_availability():
    assert oee(0, 0, 0, 0, 5).availability is None


def test_planned_breaks_are_left_out_of_the_planned_time_each_minute_once():
    breaks = [(T0 + minutes(120), T0 + minutes(150)), (T0 + minutes(140), T0 + minutes(160)),  # overlap: 40 min
              (T0 - minutes(10), T0 + minutes(5)),  # began before the shift: 5 min inside
              (T0 + minutes(470), None)]  # still open: runs to the end, 10 min
    assert planned_time(T0, T0 + minutes(480), breaks) == (480 - 40 - 5 - 10) * 60


def test_a_break_outside_the_window_changes_nothing():
    assert planned_time(T0, T0 + minutes(60), [(T0 + minutes(90), T0 + minutes(100))]) == 60 * 60
