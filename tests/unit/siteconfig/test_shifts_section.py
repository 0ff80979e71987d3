"""The site file's `shifts` section: the calendar OEE and the downtime report use, validated like the rest."""

from datetime import time
from pathlib import Path

import pytest

from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import SiteConfigError, load_site_config, parse_site_config

DEMO_TEXT = DEFAULT_SITE_FILE.read_text(encoding="utf-8")
DEMO_SHIFTS = """shifts:
  - {code: "1", name: Morning shift, start: "06:00"}
  - {code: "2", name: Afternoon shift, start: "14:00"}
  - {code: "3", name: Night shift, start: "22:00"}
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(SiteConfigError) as caught:
        parse_site_config(text, Path("site.yaml"))
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_demo_site_has_three_eight_hour_shifts_from_six_in_the_morning():
    calendar = load_site_config(DEFAULT_SITE_FILE).shift_calendar()
    assert [(s.code, s.name, s.start) for s in calendar] == [
        ("1", "Morning shift", time(6)), ("2", "Afternoon shift", time(14)), ("3", "Night shift", time(22))]


def test_a_site_file_without_shifts_gets_three_shifts_from_six():
    site = parse_site_config(DEMO_TEXT.replace(DEMO_SHIFTS, ""), Path("site.yaml"))
    assert [s.start for s in site.shift_calendar()] == [time(6), time(14), time(22)]


def test_shifts_are_given_in_time_order_whatever_the_file_order():
    text = DEMO_TEXT.replace(DEMO_SHIFTS, 'shifts:\n  - {code: N, name: Night, start: "19:30"}\n'
                                          '  - {code: D, name: Day, start: "07:30"}\n')
    assert [s.code for s in parse_site_config(text, Path("site.yaml")).shift_calendar()] == ["D", "N"]


def test_an_impossible_start_time_is_refused_with_its_file_line_and_field():
    text = DEMO_TEXT.replace('start: "14:00"', 'start: "25:00"')
    [(line, field, message)] = problems(text)
    assert (line, field) == (line_of(text, "25:00"), "shifts[1].start")
    assert "pattern" in message


def test_two_shifts_starting_at_the_same_time_are_refused():
    text = DEMO_TEXT.replace('start: "14:00"', 'start: "06:00"')
    [(line, field, message)] = problems(text)
    assert (line, field, message) == (line_of(text, "shifts:"), "shifts", "shift starts repeat: 06:00")


def test_an_unknown_key_in_a_shift_is_refused():
    text = DEMO_TEXT.replace('name: Night shift, start: "22:00"', 'name: Night shift, start: "22:00", hours: 8')
    [(_line, field, _message)] = problems(text)
    assert field == "shifts[2].hours"


def test_an_empty_shift_list_is_refused():
    [(_line, field, _message)] = problems(DEMO_TEXT.replace(DEMO_SHIFTS, "shifts: []\n"))
    assert field == "shifts"
