"""Units ready for a machine: the demo PM-100 started at a station through the production services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mes.db import unit_of_work
from mes.models import Nonconformance, OperationRecord, StationJob, Unit
from mes.production.components import consume_component
from mes.production.execution import start_operation
from mes.production.station_jobs import load_unit
from tests.support.production import ACTOR, SCREWS, battery_scan, finished_board, install, released_order, run_op

# The simulated spindle's recipe that meets the PM-100's plan for operation 10 (torque 1.8-2.2 N·m,
# angle 20-720°); its defaults (1.2 N·m, 600-1500°) would fail every unit.
SPINDLE_RECIPE = {"target_torque": 2.0, "torque_tolerance": 0.1, "angle_min": 100.0, "angle_max": 700.0}


def started_at_scr01(sessions: sessionmaker[Session], battery: str = "BAT0001") -> str:
    """A PM-100 with operation 10 started at SCR01 and its components scanned: ready for the spindle."""
    install(sessions)
    _, (serial,) = released_order(sessions, quantity=1, serials=1)
    board = finished_board(sessions)
    with unit_of_work(sessions) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")
    for scan in (board, battery_scan(battery), SCREWS):
        with unit_of_work(sessions) as s:
            consume_component(s, ACTOR, serial, scan)
    return serial


def started_at_est01(sessions: sessionmaker[Session], battery: str = "BAT0001") -> str:
    """A PM-100 through operation 10 (by hand) with operation 20 started at EST01 (OPC UA)."""
    install(sessions)
    _, (serial,) = released_order(sessions, quantity=1, serials=1)
    run_op(sessions, serial, 10, scans=(finished_board(sessions), battery_scan(battery), SCREWS))
    with unit_of_work(sessions) as s:
        start_operation(s, ACTOR, serial, 20, "EST01")
    return serial


def load(sessions: sessionmaker[Session], station: str, serial: str) -> int:
    """load_unit in its own transaction; the job id."""
    with unit_of_work(sessions) as s:
        return load_unit(s, ACTOR, station, serial).id


def job(sessions: sessionmaker[Session], job_id: int) -> StationJob:
    """The job as stored now."""
    with sessions() as s:
        return s.get_one(StationJob, job_id)


def unit(sessions: sessionmaker[Session], serial: str) -> Unit:
    """The unit as stored now."""
    with sessions() as s:
        return s.scalars(select(Unit).where(Unit.serial == serial)).one()


def records(sessions: sessionmaker[Session], serial: str) -> list[OperationRecord]:
    """The unit's operation records with their measurements, oldest first."""
    with sessions() as s:
        rows = s.scalars(select(OperationRecord).join(Unit).where(Unit.serial == serial)
                         .order_by(OperationRecord.id)).all()
        for row in rows:
            _ = list(row.measurements)
        return list(rows)


def ncs(sessions: sessionmaker[Session], serial: str) -> list[Nonconformance]:
    """The unit's nonconformances, oldest first."""
    with sessions() as s:
        return list(s.scalars(select(Nonconformance).join(Unit, Unit.id == Nonconformance.unit_id)
                              .where(Unit.serial == serial).order_by(Nonconformance.id)))
