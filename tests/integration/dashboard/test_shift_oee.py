"""Shift counts and OEE of each station from the MES's own records: results, operations, state history."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from mes.db import unit_of_work
from mes.domain.packml import PackMLState
from mes.domain.shifts import Shift
from mes.models import (
    DowntimeEvent,
    Equipment,
    EquipmentStatus,
    MachineResult,
    OperationRecord,
    StateChange,
    Station,
    utcnow,
)
from mes.services.line_status import line_status
from tests.support.production import build_pm100, install, released_order

MOSCOW = ZoneInfo("Europe/Moscow")
SHIFT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 06:00 Moscow
NOW = SHIFT + timedelta(minutes=480)
ONE_SHIFT_A_DAY = (Shift("D", "Day", time(6)),)  # so that 480 minutes in, the same shift is still running


def add_history(sessions, code: str, changes, *, connected=True, plc_good=0, plc_bad=0, last_good_at=NOW):
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        state = None
        for at, to_state in changes:
            s.add(StateChange(equipment_id=eq.id, at=at, from_state=state, to_state=to_state))
            state = to_state
        s.add(EquipmentStatus(equipment_id=eq.id, connected=connected, packml_state=state, updated_at=NOW,
                              last_good_at=last_good_at, values={"good_count": plc_good, "bad_count": plc_bad}))


def add_results(sessions, code: str, good: int, bad: int, at: datetime, first_seq: int = 1) -> None:
    """Machine results as the edge records them, all received at `at`."""
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        s.add_all(MachineResult(equipment_id=eq.id, sequence=first_seq + n, serial=f"X{first_seq + n}",
                                passed=n < good, status_code=1 if n < good else 2, received_at=at,
                                recorded_at=at, edge_id="pytest")
                  for n in range(good + bad))


def status_at(sessions, now=NOW, shifts=ONE_SHIFT_A_DAY):
    with sessions() as s:
        return line_status(s, "L1", now, shift_starts=shifts, zone=MOSCOW)


def station(sessions, code: str):
    status = status_at(sessions)
    assert status.shift_start == SHIFT
    return next(st for st in status.stations if st.code == code)


def set_ideal_cycle(sessions, code: str, seconds: float) -> None:
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        eq.connection = {**eq.connection, "ideal_cycle_time_s": seconds}


def test_the_worked_example_comes_out_of_the_stored_history_and_results(seeded):
    set_ideal_cycle(seeded, "SCR01-SPINDLE", 60)
    add_history(seeded, "SCR01-SPINDLE", [
        (SHIFT - timedelta(hours=2), PackMLState.EXECUTE),  # running since the last shift
        (SHIFT + timedelta(minutes=200), PackMLState.HELD),
        (SHIFT + timedelta(minutes=260), PackMLState.EXECUTE),
    ], plc_good=99999, plc_bad=999)
    add_results(seeded, "SCR01-SPINDLE", 360, 20, SHIFT + timedelta(minutes=30))
    scr01 = station(seeded, "SCR01")
    assert (scr01.good_count, scr01.bad_count) == (360, 20)  # the MES's records, not the PLC's counters
    assert (scr01.plc_good_count, scr01.plc_bad_count) == (99999, 999)
    oee = scr01.oee
    assert (oee.planned_s, oee.run_s, oee.total_count) == (480 * 60, 420 * 60, 380)
    assert oee.availability == pytest.approx(0.875)
    assert oee.performance == pytest.approx(0.905, abs=5e-4)
    assert oee.quality == pytest.approx(0.947, abs=5e-4)
    assert oee.oee == pytest.approx(0.75)


def test_results_of_the_previous_shift_and_of_other_stations_are_not_counted(seeded):
    add_results(seeded, "SCR01-SPINDLE", 5, 1, SHIFT - timedelta(seconds=1))  # the night shift's
    add_results(seeded, "SCR01-SPINDLE", 3, 2, SHIFT, first_seq=100)  # the first instant belongs to this one
    add_results(seeded, "LEAK01-TESTER", 7, 0, SHIFT + timedelta(minutes=5))
    add_results(seeded, "SCR01-SPINDLE", 4, 4, NOW, first_seq=200)  # not yet: the window is [start, now)
    counts = {s.code: (s.good_count, s.bad_count) for s in status_at(seeded).stations}
    assert counts == {"SCR01": (3, 2), "LEAK01": (7, 0), "EST01": (0, 0), "FT01": (0, 0), "MARK01": (0, 0)}


def test_the_next_shift_starts_again_from_zero(seeded):
    add_results(seeded, "SCR01-SPINDLE", 3, 1, SHIFT + timedelta(hours=1))
    three_shifts = (Shift("1", "Morning", time(6)), Shift("2", "Afternoon", time(14)), Shift("3", "Night", time(22)))
    afternoon = status_at(seeded, SHIFT + timedelta(hours=9), three_shifts)
    assert (afternoon.shift.code, afternoon.shift.start, afternoon.shift.end) == (
        "2", SHIFT + timedelta(hours=8), SHIFT + timedelta(hours=16))
    assert next(s for s in afternoon.stations if s.code == "SCR01").good_count == 0


def test_operations_completed_at_the_terminal_count_once_with_their_result(plant_for_counts):
    now = utcnow() + timedelta(seconds=1)
    midnight = (Shift("0", "All day", time(0)),)
    counts = {s.code: (s.good_count, s.bad_count) for s in status_at(plant_for_counts, now, midnight).stations}
    # build_pm100: the board at FT01, then the monitor at SCR01, EST01, FT01 and MARK01 (no machine results)
    assert counts == {"SCR01": (1, 0), "LEAK01": (0, 0), "EST01": (1, 0), "FT01": (2, 0), "MARK01": (1, 0)}


def test_a_result_that_completed_an_operation_is_not_counted_twice(plant_for_counts):
    with unit_of_work(plant_for_counts) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == "MARK01-LASER")).one()
        record = s.scalars(select(OperationRecord).join(Station).where(Station.code == "MARK01")).one()
        s.add(MachineResult(equipment_id=eq.id, sequence=1, serial="X", passed=True, status_code=1,
                            received_at=record.completed_at, recorded_at=record.completed_at, edge_id="pytest",
                            operation_record_id=record.id))
    now = utcnow() + timedelta(seconds=1)
    status = status_at(plant_for_counts, now, (Shift("0", "All day", time(0)),))
    assert next(s for s in status.stations if s.code == "MARK01").good_count == 1


def test_a_planned_break_is_not_planned_production_time_but_a_breakdown_is(seeded):
    set_ideal_cycle(seeded, "SCR01-SPINDLE", 60)
    add_history(seeded, "SCR01-SPINDLE", [
        (SHIFT - timedelta(hours=1), PackMLState.EXECUTE),
        (SHIFT + timedelta(minutes=200), PackMLState.HELD),  # 60 min held: 30 of it the lunch break
        (SHIFT + timedelta(minutes=260), PackMLState.EXECUTE),
    ])
    add_results(seeded, "SCR01-SPINDLE", 360, 20, SHIFT + timedelta(minutes=30))
    with unit_of_work(seeded) as s:
        station_ids = dict(s.execute(select(Station.code, Station.id)).all())
        s.add_all([DowntimeEvent(station_id=station_ids["SCR01"], reason="planned_break", comment="",
                                 started_at=SHIFT + timedelta(minutes=200), ended_at=SHIFT + timedelta(minutes=230)),
                   DowntimeEvent(station_id=station_ids["SCR01"], reason="breakdown", comment="",
                                 started_at=SHIFT + timedelta(minutes=230), ended_at=SHIFT + timedelta(minutes=260)),
                   DowntimeEvent(station_id=station_ids["LEAK01"], reason="planned_break", comment="",
                                 started_at=SHIFT, ended_at=None)])  # another station's break
    oee = station(seeded, "SCR01").oee
    assert (oee.planned_s, oee.run_s) == (450 * 60, 420 * 60)
    assert oee.availability == pytest.approx(420 / 450)
    assert station(seeded, "LEAK01").oee.planned_s == 0  # on a break the whole shift: nothing was planned


def test_a_silent_machine_is_not_counted_as_running_after_its_last_good_read(seeded):
    add_history(seeded, "LEAK01-TESTER", [(SHIFT + timedelta(minutes=10), PackMLState.EXECUTE)],
                connected=False, last_good_at=SHIFT + timedelta(minutes=70))
    oee = station(seeded, "LEAK01").oee
    assert oee.run_s == 60 * 60
    assert oee.ideal_cycle_s == 10.0  # from the demo site file, kept in the equipment's connection JSON


def test_a_station_the_edge_never_heard_from_has_no_run_time_and_no_quality(seeded):
    oee = station(seeded, "FT01").oee
    assert (oee.run_s, oee.availability, oee.quality) == (0, 0, None)


def test_the_whole_line_costs_a_fixed_number_of_statements_however_much_history(seeded, engine):
    for n, code in enumerate(["SCR01-SPINDLE", "LEAK01-TESTER", "EST01-HIPOT", "FT01-ATE", "MARK01-LASER"]):
        add_history(seeded, code, [(SHIFT + timedelta(minutes=m), PackMLState.EXECUTE if m % 2 else
                                    PackMLState.HELD) for m in range(0, 400, 7)])
        add_results(seeded, code, 50, 5, SHIFT + timedelta(minutes=10), first_seq=1000 * n)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        status_at(seeded)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # line, stations, equipment, status (eager loads), then counts, state history, planned breaks: 7 for any size
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 7


@pytest.fixture
def plant_for_counts(seeded):
    """A PM-100 built through every operation at the terminal (operation records, no machine results)."""
    install(seeded)
    _, (serial,) = released_order(seeded, quantity=1, serials=1)
    build_pm100(seeded, serial, "BAT-1")
    return seeded
