"""Live status of a line's machines written together: one transaction per round, no state change lost."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from mes.edge.monitor import StatusWriter
from mes.models import EquipmentStatus, StateChange

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


async def test_looks_handed_over_together_are_one_transaction_and_keep_every_state_change(demo_line):
    spindle, leak = demo_line.equipment_id("SCR01-SPINDLE"), demo_line.equipment_id("LEAK01-TESTER")
    engine = demo_line.factory.kw["bind"]
    commits: list[int] = []

    def committed(conn):
        commits.append(1)

    event.listen(engine, "commit", committed)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        writer = StatusWriter.of(demo_line.factory, pool)
        assert StatusWriter.of(demo_line.factory, pool) is writer  # the monitors of one edge share it
        looks = [(spindle, 2, 0), (leak, 6, 1), (spindle, 6, 2), (spindle, 4, 3)]  # (machine, state, second)
        await asyncio.gather(*(writer.store(eq, {"connected": True, "values": {"state": state, "good_count": s},
                                                 "at": T0 + timedelta(seconds=s)})
                               for eq, state, s in looks))
    finally:
        event.remove(engine, "commit", committed)
        pool.shutdown()
    assert len(commits) <= 2  # the first look alone, the three that came meanwhile together
    with demo_line.factory() as session:
        history = session.execute(select(StateChange.equipment_id, StateChange.to_state, StateChange.at)
                                  .order_by(StateChange.id)).all()
        status = session.get_one(EquipmentStatus, spindle)
        latest = (status.packml_state, status.values["good_count"], status.updated_at)
    assert latest == (4, 3, T0 + timedelta(seconds=3))
    assert [(e, s) for e, s, _ in history] == [(spindle, 2), (leak, 6), (spindle, 6), (spindle, 4)]
    assert [at for e, _, at in history if e == spindle] == [T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=3)]
