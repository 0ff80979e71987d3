"""The edge's due-soon job: calibrations, maintenance and qualifications due soon become admin alerts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from mes.db import unit_of_work
from mes.models import Alert, Equipment, utcnow
from tests.integration.edge.conftest import running_edge, wait_for


def alerts(sessions) -> list[Alert]:
    with sessions() as s:
        return list(s.scalars(select(Alert).where(Alert.kind == "due_soon").order_by(Alert.id)))


async def test_maintenance_due_soon_is_alerted_at_start_once_until_acknowledged(demo_line, edge_settings, caplog):
    with unit_of_work(demo_line.factory) as s:
        s.execute(update(Equipment).where(Equipment.code == "LEAK01-TESTER")
                  .values(maintenance_due=utcnow().date() + timedelta(days=3)))
    async with demo_line.fleet("LEAK01-TESTER"), running_edge(demo_line.factory, edge_settings, production=True):
        await wait_for(lambda: alerts(demo_line.factory))
    async with demo_line.fleet("LEAK01-TESTER"), running_edge(demo_line.factory, edge_settings, production=True) \
            as edge:
        await edge.alert_due_soon()  # the restarted edge looks again: the open alert is not repeated
    (alert,) = alerts(demo_line.factory)
    assert alert.subject == "maintenance LEAK01-TESTER Pressure-decay leak tester"
    assert "in 3 days" in alert.message and alert.acknowledged_at is None
    assert any(r.levelname == "WARNING" and "LEAK01-TESTER" in r.getMessage() for r in caplog.records)
