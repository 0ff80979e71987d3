"""Writes of the edge: live equipment status and PackML state history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mes.db import unit_of_work
from mes.domain.packml import PackMLState
from mes.models import Equipment, EquipmentStatus, Line, StateChange, Station, utcnow


@dataclass(frozen=True)
class EdgeDevice:
    """An equipment row as the edge needs it."""

    equipment_id: int
    code: str
    protocol: str
    endpoint: str
    connection: dict[str, Any]
    tag_map: list[dict[str, Any]]
    calibration_due: date | None = None


def devices_of_line(factory: sessionmaker[Session], line_code: str) -> list[EdgeDevice]:
    """The equipment serving the stations of a line, in station order."""
    with factory() as session:
        line = session.scalars(select(Line).where(Line.code == line_code)).one_or_none()
        if line is None:
            raise LookupError(f"no line {line_code!r} in the database: run `mes seed` first")
        rows = session.scalars(
            select(Equipment).join(Station).where(Station.line_id == line.id).order_by(Station.position)
        )
        return [EdgeDevice(e.id, e.code, e.protocol, e.endpoint, e.connection, e.tag_map, e.calibration_due)
                for e in rows]


def record_status(factory: sessionmaker[Session], equipment_id: int, *, connected: bool,
                  values: dict[str, Any] | None = None, error: str | None = None,
                  consecutive_failures: int = 0) -> None:
    """Store what the edge saw of a machine; a PackML state change also goes to the history."""
    record_statuses(factory, [(equipment_id, {"connected": connected, "values": values, "error": error,
                                              "consecutive_failures": consecutive_failures})])


def record_statuses(factory: sessionmaker[Session], statuses: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """record_status for several machines (or several looks at one, each with its `at`) in one transaction."""
    now = utcnow()
    with unit_of_work(factory) as session:
        ids = {equipment_id for equipment_id, _ in statuses}
        rows = {row.equipment_id: row for row in session.scalars(
            select(EquipmentStatus).where(EquipmentStatus.equipment_id.in_(ids)).with_for_update())}
        for equipment_id, status in statuses:
            row = rows.get(equipment_id)
            if row is None:
                row = rows[equipment_id] = EquipmentStatus(equipment_id=equipment_id, values={},
                                                           consecutive_failures=0)
                session.add(row)
            _apply(session, row, now, **status)


def _apply(session: Session, status: EquipmentStatus, now: datetime, *, connected: bool,
           values: dict[str, Any] | None = None, error: str | None = None, consecutive_failures: int = 0,
           at: datetime | None = None) -> None:
    now = at or now  # when the edge saw it, if it says so: a write that waited keeps the true time
    was_connected = status.connected
    status.connected = connected
    status.updated_at = now
    status.consecutive_failures = consecutive_failures
    status.last_error = error[:500] if error else None
    if values is None:
        return
    status.last_good_at = now
    status.values = {**(status.values or {}), **values}
    state = values.get("state")
    if state is not None and state != status.packml_state:
        session.add(StateChange(equipment_id=status.equipment_id, at=now, from_state=status.packml_state,
                                to_state=state))
        status.packml_state = state
    elif state == PackMLState.EXECUTE and connected and not was_connected:
        # Back online and already producing: no change of state to record (it was Execute when the
        # link dropped), yet the stop an operator recorded meanwhile has ended. Imported here: the
        # edge's import graph stays as it was.
        from mes.production.downtime import close_on_execute

        close_on_execute(session, status.equipment_id, now)
