"""Shifts in site local time: the calendar (site file `shifts`), the shift running now, a given day's shift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_SHIFT_STARTS = (time(6), time(14), time(22))


def parse_shift_starts(text: str) -> tuple[time, ...]:
    """"06:00,14:00,22:00" → sorted times; raises ValueError on a malformed or empty list."""
    starts = sorted({time.fromisoformat(part.strip()) for part in text.split(",") if part.strip()})
    if not starts:
        raise ValueError(f"no shift start times in {text!r}")
    return tuple(starts)


def shift_start(now: datetime, starts: Sequence[time], zone: ZoneInfo) -> datetime:
    """The start (UTC) of the shift running at `now`: the latest local start time not after now."""
    local_now = now.astimezone(zone)
    candidates = [
        datetime.combine(local_now.date() + timedelta(days=day), start, tzinfo=zone)
        for day in (-1, 0)
        for start in starts
    ]
    # Compare in UTC: around a DST change two local wall-clock times can be the same instant or absent.
    return max(c.astimezone(UTC) for c in candidates if c.astimezone(UTC) <= now.astimezone(UTC))


@dataclass(frozen=True)
class Shift:
    """A shift of the site's calendar: it starts at `start` local time and runs until the next shift starts."""

    code: str
    name: str
    start: time


@dataclass(frozen=True)
class ShiftWindow:
    """One occurrence of a shift: [start, end) in UTC, and the local date it started on."""

    code: str
    name: str
    start: datetime
    end: datetime
    day: date


DEFAULT_SHIFTS = (Shift("1", "Shift 1", time(6)), Shift("2", "Shift 2", time(14)), Shift("3", "Shift 3", time(22)))


def as_shifts(starts: Sequence[time | Shift]) -> tuple[Shift, ...]:
    """Shifts from start times (named 1, 2, 3… in time order) or shifts as they are, sorted by start."""
    ordered = sorted(starts, key=lambda s: s.start if isinstance(s, Shift) else s)
    return tuple(s if isinstance(s, Shift) else Shift(str(n), f"Shift {n}", s) for n, s in enumerate(ordered, 1))


def _occurrences(around: date, shifts: Sequence[Shift], zone: ZoneInfo) -> list[tuple[datetime, Shift, date]]:
    """Every shift start from the day before `around` to the day after, as UTC instants in time order."""
    found = []
    for offset in (-1, 0, 1, 2):
        day = around + timedelta(days=offset)
        for shift in shifts:
            found.append((datetime.combine(day, shift.start, tzinfo=zone).astimezone(UTC), shift, day))
    return sorted(found, key=lambda item: item[0])


def shift_window(now: datetime, shifts: Sequence[Shift], zone: ZoneInfo) -> ShiftWindow:
    """The shift running at `now`: it began at the latest start not after now and ends at the next start."""
    starts = _occurrences(now.astimezone(zone).date(), shifts, zone)
    index = max(i for i, (at, _shift, _day) in enumerate(starts) if at <= now.astimezone(UTC))
    at, shift, day = starts[index]
    return ShiftWindow(shift.code, shift.name, at, starts[index + 1][0], day)


def shift_on(day: date, code: str, shifts: Sequence[Shift], zone: ZoneInfo) -> ShiftWindow:
    """The occurrence of shift `code` that started on local date `day`; KeyError for an unknown code."""
    starts = _occurrences(day, shifts, zone)
    for index, (at, shift, started_on) in enumerate(starts):
        if shift.code == code and started_on == day:
            return ShiftWindow(shift.code, shift.name, at, starts[index + 1][0], day)
    raise KeyError(code)
