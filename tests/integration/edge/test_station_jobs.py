"""Station jobs (interfaces.md §1): load_unit, current_job, job_of, cancel — the service on its own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.domain.routing import UnitOnHold
from mes.models import AuditEvent, OperationRecord, StationJob
from mes.production.errors import NotFound, NotStartedAtStation, StationBusy
from mes.production.station_jobs import cancel_job, current_job, job_of, load_unit
from mes.quality.holds import place_hold
from tests.integration.edge.production_support import job, load, started_at_scr01
from tests.support.production import ACTOR, released_order


def test_loading_a_started_unit_queues_its_serial_for_the_machine_audited(seeded):
    serial = started_at_scr01(seeded)
    job_id = load(seeded, "SCR01", serial)
    with seeded() as s:
        found = current_job(s, "SCR01")
        assert found is not None and found.id == job_id
        assert (found.status, found.serial, found.created_by_name) == ("pending", serial, ACTOR.user_name)
        assert job_of(s, job_id).equipment_id == s.get_one(OperationRecord, found.operation_record_id).equipment_id
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity == "station_job",
                                                   AuditEvent.entity_id == str(job_id))).one()
        assert audit.action == "CREATE" and serial in audit.new_value and "SCR01-SPINDLE" in audit.new_value
        assert current_job(s, "LEAK01") is None


def test_a_second_unit_is_refused_while_the_station_has_an_active_job_and_accepted_after_cancel(seeded):
    serial = started_at_scr01(seeded)
    job_id = load(seeded, "SCR01", serial)
    with pytest.raises(StationBusy) as busy, unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "SCR01", serial)
    assert serial in busy.value.message("en") and "SCR01" in busy.value.message("ru")
    with unit_of_work(seeded) as s:
        cancel_job(s, ACTOR, job_id, "taken out by hand")
    assert (job(seeded, job_id).status, job(seeded, job_id).reason) == ("failed", "cancelled: taken out by hand")
    again = load(seeded, "SCR01", serial)
    assert job(seeded, again).status == "pending"


def test_a_unit_not_started_at_that_station_unknown_station_and_held_unit_are_refused_nothing_written(seeded):
    serial = started_at_scr01(seeded)
    _, (fresh,) = released_order(seeded, quantity=1, serials=1)
    with pytest.raises(NotStartedAtStation) as refused, unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "SCR01", fresh)
    assert fresh in refused.value.message("ru")
    with pytest.raises(NotStartedAtStation), unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "EST01", serial)  # started at SCR01, not here
    with pytest.raises(NotFound), unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "NOPE01", serial)
    with pytest.raises(NotFound), unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "SCR01", "NO-SUCH-SERIAL")
    with unit_of_work(seeded) as s:
        place_hold(s, ACTOR, "unit", serial, "suspect screws")
    with pytest.raises(UnitOnHold), unit_of_work(seeded) as s:
        load_unit(s, ACTOR, "SCR01", serial)
    with seeded() as s:
        assert s.scalars(select(StationJob)).all() == []
