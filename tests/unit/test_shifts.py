"""The current shift's start in site local time (default 06:00, 14:00, 22:00)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mes.domain.shifts import (
    DEFAULT_SHIFT_STARTS,
    Shift,
    as_shifts,
    parse_shift_starts,
    shift_on,
    shift_start,
    shift_window,
)

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3, no DST


def test_mid_morning_in_moscow_belongs_to_the_shift_that_began_at_six_local():
    now = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # 10:30 Moscow
    assert shift_start(now, DEFAULT_SHIFT_STARTS, MOSCOW) == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_just_after_midnight_belongs_to_the_night_shift_that_began_the_day_before():
    now = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)  # 00:30 Moscow on the 26th
    assert shift_start(now, DEFAULT_SHIFT_STARTS, MOSCOW) == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)


def test_a_shift_starts_exactly_at_its_start_time():
    now = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # 14:00 Moscow
    assert shift_start(now, DEFAULT_SHIFT_STARTS, MOSCOW) == now


def test_the_night_before_a_dst_change_keeps_the_right_instant():
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 07:00 CEST, the morning clocks went forward
    assert shift_start(now, DEFAULT_SHIFT_STARTS, berlin) == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


def test_shift_starts_are_read_from_a_comma_separated_setting():
    assert parse_shift_starts("22:00, 07:30") == (time(7, 30), time(22, 0))


@pytest.mark.parametrize("text", ["", " , ", "25:00", "six"])
def test_a_malformed_shift_setting_is_refused(text):
    with pytest.raises(ValueError):
        parse_shift_starts(text)


THREE = as_shifts(DEFAULT_SHIFT_STARTS)


def test_the_running_shift_ends_when_the_next_one_starts():
    window = shift_window(datetime(2026, 11, 26, 7, 30, tzinfo=UTC), THREE, MOSCOW)  # 10:30 Moscow
    assert (window.code, window.start, window.end, window.day) == (
        "1", datetime(2026, 11, 26, 3, 0, tzinfo=UTC), datetime(2026, 11, 26, 11, 0, tzinfo=UTC), date(2026, 11, 26))


def test_the_night_shift_runs_past_midnight_and_belongs_to_the_day_it_began():
    window = shift_window(datetime(2026, 11, 25, 23, 0, tzinfo=UTC), THREE, MOSCOW)  # 02:00 Moscow on the 26th
    assert (window.code, window.day) == ("3", date(2026, 11, 25))
    assert window == shift_on(date(2026, 11, 25), "3", THREE, MOSCOW)
    assert window.end - window.start == timedelta(hours=8)


def test_one_shift_a_day_lasts_24_hours_and_an_unknown_shift_code_is_a_key_error():
    day = (Shift("D", "Day", time(7, 30)),)
    window = shift_on(date(2026, 11, 26), "D", day, MOSCOW)
    assert window.end - window.start == timedelta(hours=24)
    with pytest.raises(KeyError):
        shift_on(date(2026, 11, 26), "X", day, MOSCOW)


def test_a_shift_across_the_spring_dst_change_is_an_hour_shorter():
    berlin = ZoneInfo("Europe/Berlin")
    night = shift_on(date(2026, 3, 28), "3", THREE, berlin)  # 22:00 CET to 06:00 CEST
    assert night.end - night.start == timedelta(hours=7)


def test_bare_start_times_become_shifts_numbered_in_time_order():
    assert [(s.code, s.start) for s in as_shifts([time(22), time(6)])] == [("1", time(6)), ("2", time(22))]
