"""Time in state from the PackML history: each interval goes to the state it was in."""

from datetime import UTC, datetime, timedelta

from mes.edge.state_history import durations

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_each_interval_is_counted_for_the_state_it_was_in():
    changes = [(at(10), 6), (at(70), 11), (at(100), 6)]  # Execute, Held, Execute
    assert durations(changes, at(0), at(160), state_at_start=4) == {4: 10.0, 6: 120.0, 11: 30.0}


def test_time_before_the_first_known_state_is_left_out():
    assert durations([(at(30), 6)], at(0), at(60)) == {6: 30.0}


def test_changes_after_the_window_do_not_count():
    assert durations([(at(5), 6), (at(90), 2)], at(0), at(60), state_at_start=4) == {4: 5.0, 6: 55.0}
