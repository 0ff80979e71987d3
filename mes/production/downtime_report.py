"""The downtime report: stops per station and reason over a window (a shift or dates), in Pareto order.

A stop counts for the part of it inside the window; a stop still open counts until now. One query
reads every stop of the window; the sums and the Pareto order are computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from mes.models import DowntimeEvent, Line, Station, User, utcnow
from mes.production.downtime import REASONS, UnknownDowntimeReason
from mes.production.errors import InvalidInput

MAX_WINDOW_DAYS = 92  # a quarter: a report longer than that is an export job, not a page


@dataclass(frozen=True)
class Stop:
    """One stop as the report lists it; `seconds` is its part inside the window."""

    id: int
    station: str
    reason: str
    comment: str
    machine_state: str | None
    started_at: datetime
    ended_at: datetime | None
    seconds: float
    reported_by: str | None
    ended_by: str | None  # None while open; "system" when the machine's return to Execute closed it


@dataclass(frozen=True)
class Total:
    """The stops of one station (or of every station, station None) for one reason."""

    station: str | None
    reason: str
    stops: int
    seconds: float
    share: float  # of all downtime in the report
    cumulative: float  # Pareto: this row's share plus every row above it


@dataclass(frozen=True)
class DowntimeReport:
    """Stops of a window, totals per station and reason and per reason, each in Pareto order."""

    start: datetime
    end: datetime
    stops: list[Stop]
    by_station_reason: list[Total]
    by_reason: list[Total]
    total_seconds: float


def downtime_report(session: Session, start: datetime, end: datetime, *, line: str | None = None,
                    stations: Sequence[str] = (), reasons: Sequence[str] = (),
                    now: datetime | None = None) -> DowntimeReport:
    """Stops overlapping [start, end), filtered by line, station codes and reason codes."""
    _check_window(start, end)
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise UnknownDowntimeReason(reason=", ".join(unknown))
    now = now or utcnow()
    stops = _stops(session, start, end, now, line, stations, reasons)
    total = sum(s.seconds for s in stops)
    return DowntimeReport(start, end, stops, _pareto(stops, total, per_station=True),
                          _pareto(stops, total, per_station=False), total)


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("the report window needs times with their time zone")
    if end <= start:
        raise InvalidInput("the end of the report window must be after its start")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise InvalidInput(f"the report window is longer than {MAX_WINDOW_DAYS} days")


def _stops(session: Session, start: datetime, end: datetime, now: datetime, line: str | None,
           stations: Sequence[str], reasons: Sequence[str]) -> list[Stop]:
    reporter, ender = aliased(User), aliased(User)
    query = (
        select(DowntimeEvent, Station.code, reporter.display_name, ender.display_name)
        .join(Station, Station.id == DowntimeEvent.station_id)
        .outerjoin(reporter, reporter.id == DowntimeEvent.reported_by_id)
        .outerjoin(ender, ender.id == DowntimeEvent.ended_by_id)
        .where(DowntimeEvent.started_at < end,
               or_(DowntimeEvent.ended_at.is_(None), DowntimeEvent.ended_at > start))
        .order_by(DowntimeEvent.started_at, DowntimeEvent.id)
    )
    if line:
        query = query.join(Line, Line.id == Station.line_id).where(Line.code == line)
    if stations:
        query = query.where(Station.code.in_(list(stations)))
    if reasons:
        query = query.where(DowntimeEvent.reason.in_(list(reasons)))
    return [_stop(event, code, reported, ended, start, end, now)
            for event, code, reported, ended in session.execute(query)]


def _stop(event: DowntimeEvent, station: str, reported: str | None, ended: str | None, start: datetime,
          end: datetime, now: datetime) -> Stop:
    until = min(event.ended_at or now, end)
    seconds = max(0.0, (until - max(event.started_at, start)).total_seconds())
    ended_by = None if event.ended_at is None else (ended or "system")
    return Stop(event.id, station, event.reason, event.comment, event.machine_state, event.started_at,
                event.ended_at, seconds, reported, ended_by)


def _pareto(stops: list[Stop], total: float, *, per_station: bool) -> list[Total]:
    """Totals per (station, reason) or per reason, largest first, with each row's and the running share."""
    sums: dict[tuple[str | None, str], list[float]] = {}
    for stop in stops:
        entry = sums.setdefault((stop.station if per_station else None, stop.reason), [0, 0.0])
        entry[0] += 1
        entry[1] += stop.seconds
    rows, running = [], 0.0
    for (station, reason), (count, seconds) in sorted(sums.items(), key=lambda item: (-item[1][1], item[0][1],
                                                                                        item[0][0] or "")):
        share = seconds / total if total else 0.0
        running += share
        rows.append(Total(station, reason, int(count), seconds, share, min(running, 1.0)))
    return rows
