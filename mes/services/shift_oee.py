"""OEE of each machine for the current shift, from its PackML state history and its counters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mes.domain.oee import Oee, oee, time_in_state
from mes.models import Equipment, StateChange


def shift_oee(session: Session, equipment: Sequence[Equipment], start: datetime, now: datetime) -> dict[int, Oee]:
    """OEE since `start` for each machine, by equipment id (two queries for the whole line)."""
    ids = [e.id for e in equipment]
    if not ids:
        return {}
    at_start = _states_at(session, ids, start)
    changes: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    rows = session.execute(
        select(StateChange.equipment_id, StateChange.at, StateChange.to_state)
        .where(StateChange.equipment_id.in_(ids), StateChange.at > start, StateChange.at <= now)
    )
    for equipment_id, at, to_state in rows:
        changes[equipment_id].append((at, to_state))
    planned_s = max(0.0, (now - start).total_seconds())
    return {e.id: _machine_oee(e, at_start.get(e.id), changes[e.id], start, now, planned_s) for e in equipment}


def _states_at(session: Session, ids: list[int], instant: datetime) -> dict[int, int]:
    """Each machine's PackML state at an instant: the target of its last change at or before it."""
    # The edge appends changes in time order, so the highest id at or before the instant is the last one.
    last = (
        select(StateChange.equipment_id, func.max(StateChange.id).label("id"))
        .where(StateChange.equipment_id.in_(ids), StateChange.at <= instant)
        .group_by(StateChange.equipment_id)
        .subquery()
    )
    rows = session.execute(
        select(StateChange.equipment_id, StateChange.to_state).join(last, StateChange.id == last.c.id))
    return {equipment_id: state for equipment_id, state in rows}


def _machine_oee(eq: Equipment, state_at_start: int | None, changes: list[tuple[datetime, int]],
                 start: datetime, now: datetime, planned_s: float) -> Oee:
    status = eq.status
    # The history has no "disconnected" entry: a machine that went silent is not counted as running
    # past the last time the edge actually read it.
    known_until = now
    if status is not None and not status.connected:
        known_until = max(start, min(now, status.last_good_at or start))
    run_s = time_in_state(state_at_start, changes, start, known_until)
    values = status.values if status is not None else {}
    good = _count(values.get("good_count"))
    total = good + _count(values.get("bad_count"))
    ideal = (eq.connection or {}).get("ideal_cycle_time_s")
    return oee(planned_s, run_s, total, good, float(ideal) if ideal else None)


def _count(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0
