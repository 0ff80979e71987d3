"""Time in each PackML state, computed from the state history the edge stores on every change.

Also the hook on that history: when a machine's new state is Execute, the open stop of its station
closes at that instant, in the same transaction as the state change (mes.production.downtime).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mes.domain.packml import PackMLState
from mes.models import StateChange


def durations(changes: Iterable[tuple[datetime, int]], start: datetime, end: datetime,
              state_at_start: int | None = None) -> dict[int, float]:
    """Seconds spent in each state within [start, end) from (at, to_state) changes in time order."""
    totals: dict[int, float] = {}
    state, since = state_at_start, start
    for at, to_state in changes:
        if at >= end:
            break
        if at > since and state is not None:
            totals[state] = totals.get(state, 0.0) + (at - since).total_seconds()
        state, since = to_state, max(at, start)
    if state is not None and end > since:
        totals[state] = totals.get(state, 0.0) + (end - since).total_seconds()
    return totals


def time_in_state(session: Session, equipment_id: int, start: datetime, end: datetime) -> dict[int, float]:
    """Seconds a machine spent in each PackML state between start and end (unknown time is left out)."""
    before = session.scalars(
        select(StateChange.to_state).where(StateChange.equipment_id == equipment_id, StateChange.at <= start)
        .order_by(StateChange.at.desc(), StateChange.id.desc()).limit(1)).first()
    rows = session.execute(
        select(StateChange.at, StateChange.to_state)
        .where(StateChange.equipment_id == equipment_id, StateChange.at > start, StateChange.at < end)
        .order_by(StateChange.at, StateChange.id))
    return durations(((row.at, row.to_state) for row in rows), start, end, before)


@event.listens_for(Session, "before_flush")
def _close_stops_on_execute(session: Session, _context: Any, _instances: Any) -> None:
    """A state change to Execute being written closes the station's open stop (see the module docstring)."""
    resumed = [c for c in session.new if isinstance(c, StateChange) and c.to_state == PackMLState.EXECUTE
               and c.from_state != PackMLState.EXECUTE]
    if not resumed:
        return
    from mes.compliance.chain_store import flush_audit  # imported here: the edge's import graph stays as it was
    from mes.production.downtime import close_on_execute

    closed = [stop for change in resumed for stop in close_on_execute(session, change.equipment_id, change.at)]
    if closed:
        # This flush may be the one inside commit, after the audit trail's before_commit append has run:
        # append the closing entries now so they commit with the change (the chain lock is held till then).
        flush_audit(session)
