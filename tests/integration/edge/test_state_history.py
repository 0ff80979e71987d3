"""Time in state read from the stored PackML history of a machine."""

from datetime import UTC, datetime, timedelta

from mes.db import unit_of_work
from mes.edge.state_history import time_in_state
from mes.models import StateChange

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_time_in_state_uses_the_state_held_when_the_window_opens(demo_line):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    with unit_of_work(demo_line.factory) as session:
        for seconds, state in ((-50, 4), (20, 6), (80, 11)):
            session.add(StateChange(equipment_id=equipment_id, at=T0 + timedelta(seconds=seconds), to_state=state))
    with demo_line.factory() as session:
        assert time_in_state(session, equipment_id, T0, T0 + timedelta(seconds=100)) == {4: 20.0, 6: 60.0, 11: 20.0}
