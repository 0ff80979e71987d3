"""OEE arithmetic (DOMAIN.md §7): run time from PackML history, then availability × performance × quality."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mes.domain.packml import PackMLState


@dataclass(frozen=True)
class Oee:
    """The three OEE factors and their product; a factor is None when its denominator is zero."""

    planned_s: float
    run_s: float
    total_count: int
    good_count: int
    ideal_cycle_s: float | None
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None


def oee(planned_s: float, run_s: float, total_count: int, good_count: int,
        ideal_cycle_s: float | None) -> Oee:
    """Availability = run/planned; Performance = ideal × total / run; Quality = good/total."""
    availability = run_s / planned_s if planned_s > 0 else None
    performance = ideal_cycle_s * total_count / run_s if ideal_cycle_s and run_s > 0 else None
    quality = good_count / total_count if total_count > 0 else None
    # OEE = good × ideal / planned is the same product, and stays defined when nothing ran yet.
    overall = good_count * ideal_cycle_s / planned_s if ideal_cycle_s and planned_s > 0 else None
    return Oee(planned_s, run_s, total_count, good_count, ideal_cycle_s, availability, performance, quality,
               overall)


def time_in_state(state_at_start: int | None, changes: Iterable[tuple[datetime, int]], start: datetime,
                  end: datetime, state: int = PackMLState.EXECUTE) -> float:
    """Seconds spent in `state` between start and end, given the state at start and the later changes."""
    total = 0.0
    current, since = state_at_start, start
    for at, to_state in sorted(changes, key=lambda change: change[0]):
        at = min(max(at, start), end)  # changes outside the window only set the state at its edge
        if current == state:
            total += (at - since).total_seconds()
        current, since = to_state, at
    if current == state and end > since:
        total += (end - since).total_seconds()
    return total


def planned_time(start: datetime, end: datetime, breaks: Iterable[tuple[datetime, datetime | None]]) -> float:
    """Seconds of [start, end) not covered by planned breaks (an open break runs to `end`); overlaps count once."""
    clipped = sorted((max(b_start, start), min(b_end or end, end)) for b_start, b_end in breaks)
    covered, reach = 0.0, start
    for b_start, b_end in clipped:
        b_start = max(b_start, reach)
        if b_end > b_start:
            covered += (b_end - b_start).total_seconds()
            reach = b_end
    return max(0.0, (end - start).total_seconds() - covered)
