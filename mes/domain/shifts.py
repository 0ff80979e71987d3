"""Shifts in site local time: when did the current shift start."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
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
