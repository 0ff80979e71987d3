"""The current shift's start in site local time (default 06:00, 14:00, 22:00)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from mes.domain.shifts import DEFAULT_SHIFT_STARTS, parse_shift_starts, shift_start

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
