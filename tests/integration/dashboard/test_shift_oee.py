"""Shift OEE of each station from the state history and counters stored in the database."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.domain.packml import PackMLState
from mes.models import Equipment, EquipmentStatus, StateChange
from mes.services.line_status import line_status

MOSCOW = ZoneInfo("Europe/Moscow")
SHIFT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 06:00 Moscow
NOW = SHIFT + timedelta(minutes=480)
ONE_SHIFT_A_DAY = (time(6),)  # so that 480 minutes in, the same shift is still running


def add_history(sessions, code: str, changes, *, connected=True, good=0, bad=0, last_good_at=NOW):
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        state = None
        for at, to_state in changes:
            s.add(StateChange(equipment_id=eq.id, at=at, from_state=state, to_state=to_state))
            state = to_state
        s.add(EquipmentStatus(equipment_id=eq.id, connected=connected, packml_state=state, updated_at=NOW,
                              last_good_at=last_good_at, values={"good_count": good, "bad_count": bad}))


def station(sessions, code: str):
    with sessions() as s:
        status = line_status(s, "L1", NOW, shift_starts=ONE_SHIFT_A_DAY, zone=MOSCOW)
    assert status.shift_start == SHIFT
    return next(st for st in status.stations if st.code == code)


def set_ideal_cycle(sessions, code: str, seconds: float) -> None:
    with unit_of_work(sessions) as s:
        eq = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        eq.connection = {**eq.connection, "ideal_cycle_time_s": seconds}


def test_the_worked_example_comes_out_of_the_stored_history(seeded):
    set_ideal_cycle(seeded, "SCR01-SPINDLE", 60)
    add_history(seeded, "SCR01-SPINDLE", [
        (SHIFT - timedelta(hours=2), PackMLState.EXECUTE),  # running since the last shift
        (SHIFT + timedelta(minutes=200), PackMLState.HELD),
        (SHIFT + timedelta(minutes=260), PackMLState.EXECUTE),
    ], good=360, bad=20)
    oee = station(seeded, "SCR01").oee
    assert (oee.planned_s, oee.run_s, oee.total_count) == (480 * 60, 420 * 60, 380)
    assert oee.availability == pytest.approx(0.875)
    assert oee.performance == pytest.approx(0.905, abs=5e-4)
    assert oee.quality == pytest.approx(0.947, abs=5e-4)
    assert oee.oee == pytest.approx(0.75)


def test_a_silent_machine_is_not_counted_as_running_after_its_last_good_read(seeded):
    add_history(seeded, "LEAK01-TESTER", [(SHIFT + timedelta(minutes=10), PackMLState.EXECUTE)],
                connected=False, last_good_at=SHIFT + timedelta(minutes=70))
    oee = station(seeded, "LEAK01").oee
    assert oee.run_s == 60 * 60
    assert oee.ideal_cycle_s == 10.0  # from the demo site file, kept in the equipment's connection JSON


def test_a_station_the_edge_never_heard_from_has_no_run_time_and_no_quality(seeded):
    oee = station(seeded, "FT01").oee
    assert (oee.run_s, oee.availability, oee.quality) == (0, 0, None)
