"""Counts and OEE of each station for a shift, from the MES's own records (not the PLC's counters).

Good and bad: the results the machines sent (machine_result) plus the operations completed at the
station without a machine result (manual stations, results entered at the terminal); a unit tested
twice counts twice, as a machine cycle does. Run time: time in Execute from the PackML state history.
Planned time: the shift so far less the station's stops recorded as a planned break. Ideal cycle time:
the machine's nameplate minimum from the site file. Three statements for a whole line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from mes.domain.oee import Oee, oee, planned_time, time_in_state
from mes.models import DowntimeEvent, Equipment, MachineResult, OperationRecord, StateChange, Station


@dataclass(frozen=True)
class StationShift:
    """One station's shift: units made good and bad, and its OEE (None without a machine)."""

    good: int
    bad: int
    oee: Oee


def shift_oee(session: Session, stations: Sequence[Station], start: datetime, now: datetime,
              ) -> dict[int, StationShift]:
    """Counts and OEE from `start` to `now` for each station, by station id."""
    if not stations:
        return {}
    machines = [s.equipment[0] for s in stations if s.equipment]
    counts = _counts(session, [s.id for s in stations], [e.id for e in machines], start, now)
    history = _history(session, [e.id for e in machines], start, now)
    breaks = _planned_breaks(session, [s.id for s in stations], start, now)
    result = {}
    for station in stations:
        good, bad = counts.get((station.id, True), 0), counts.get((station.id, False), 0)
        machine = station.equipment[0] if station.equipment else None
        planned_s = planned_time(start, now, breaks.get(station.id, ())) if now > start else 0.0
        run_s, ideal = _run_and_ideal(machine, history, start, now)
        # A machine left running through a planned break adds no availability beyond the planned time.
        result[station.id] = StationShift(good, bad, oee(planned_s, min(run_s, planned_s), good + bad, good, ideal))
    return result


def _planned_breaks(session: Session, station_ids: list[int], start: datetime, now: datetime,
                    ) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """Each station's stops with reason planned_break overlapping [start, now): not planned production time."""
    # Downtime is rare (a few stops a shift): the station index (station_id, ended_at) narrows it enough.
    rows = session.execute(
        select(DowntimeEvent.station_id, DowntimeEvent.started_at, DowntimeEvent.ended_at)
        .where(DowntimeEvent.station_id.in_(station_ids), DowntimeEvent.reason == "planned_break",
               DowntimeEvent.started_at < now,
               (DowntimeEvent.ended_at.is_(None)) | (DowntimeEvent.ended_at > start)))
    breaks: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for station_id, started, ended in rows:
        breaks[station_id].append((started, ended))
    return breaks


def _counts(session: Session, station_ids: list[int], equipment_ids: list[int], start: datetime,
            now: datetime) -> dict[tuple[int, bool], int]:
    """(station id, passed) -> how many results in [start, now): one statement for the whole line."""
    # Filtered on machine_result's own columns so the (equipment_id, received_at) index reads only the shift.
    by_machine = (
        select(Equipment.station_id.label("station_id"), MachineResult.passed.label("passed"))
        .join(Equipment, Equipment.id == MachineResult.equipment_id)
        .where(MachineResult.equipment_id.in_(equipment_ids), MachineResult.received_at >= start,
               MachineResult.received_at < now)
    )
    # An operation completed by a machine result is already counted above.
    from_machine = exists().where(MachineResult.operation_record_id == OperationRecord.id)
    by_hand = (
        select(OperationRecord.station_id.label("station_id"),
               (OperationRecord.result == literal("pass")).label("passed"))
        .where(OperationRecord.station_id.in_(station_ids), OperationRecord.completed_at >= start,
               OperationRecord.completed_at < now, OperationRecord.result.is_not(None), ~from_machine)
    )
    both = union_all(by_machine, by_hand).subquery()
    rows = session.execute(select(both.c.station_id, both.c.passed, func.count()).group_by(both.c.station_id,
                                                                                          both.c.passed))
    return {(station_id, bool(passed)): n for station_id, passed, n in rows}


def _history(session: Session, ids: list[int], start: datetime, now: datetime,
             ) -> dict[int, tuple[int | None, list[tuple[datetime, int]]]]:
    """Each machine's state at `start` and its changes until `now`, in one statement."""
    if not ids:
        return {}
    # The edge appends changes in time order: the highest id at or before the start is the state then.
    last = (select(func.max(StateChange.id)).where(StateChange.equipment_id.in_(ids), StateChange.at <= start)
            .group_by(StateChange.equipment_id))
    rows = session.execute(
        select(StateChange.equipment_id, StateChange.at, StateChange.to_state, StateChange.at <= start)
        .where(StateChange.equipment_id.in_(ids),
               (StateChange.id.in_(last)) | and_(StateChange.at > start, StateChange.at <= now))
        .order_by(StateChange.id))
    history: dict[int, tuple[int | None, list[tuple[datetime, int]]]] = defaultdict(lambda: (None, []))
    for equipment_id, at, to_state, before in rows:
        at_start, changes = history[equipment_id]
        if before:
            at_start = to_state
        else:
            changes.append((at, to_state))
        history[equipment_id] = (at_start, changes)
    return history


def _run_and_ideal(machine: Equipment | None, history: dict[int, tuple[int | None, list[tuple[datetime, int]]]],
                   start: datetime, now: datetime) -> tuple[float, float | None]:
    """Seconds in Execute and the ideal cycle time of a station's machine (0 and None without one)."""
    if machine is None:
        return 0.0, None
    status = machine.status
    # The history has no "disconnected" entry: a machine that went silent is not counted as running
    # past the last time the edge actually read it.
    known_until = now
    if status is not None and not status.connected:
        known_until = max(start, min(now, status.last_good_at or start))
    at_start, changes = history.get(machine.id, (None, []))
    ideal = (machine.connection or {}).get("ideal_cycle_time_s")
    return time_in_state(at_start, changes, start, known_until), float(ideal) if ideal else None
