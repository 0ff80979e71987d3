"""NCs opened by the edge or a scan-back, concession needs a justification, and release's two-person rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.audit import record_audit
from mes.compliance.errors import TwoPersonRule
from mes.db import unit_of_work
from mes.models import Measurement, Unit, WorkOrder
from mes.production.common import get_by
from mes.production.workorders import create_work_order, release_work_order
from mes.quality.errors import JustificationRequired, NotReleasable
from mes.quality.exceptions import open_exceptions
from mes.quality.nonconformance import disposition_nc, report_label_scan_failure, report_machine_fault
from mes.quality.release import release_batch
from tests.support.production import ACTOR, PM100, SCREWS, battery_scan, finished_board, released_order, run_op


def test_a_machine_fault_and_a_label_scan_back_each_open_an_nc_and_hold_the_unit(plant):
    _, (first, second) = released_order(plant, quantity=2, serials=2)
    with unit_of_work(plant) as s:
        fault = report_machine_fault(s, ACTOR.system("edge"), first, "SCR01-DRV", "torque sensor E42")
        label = report_label_scan_failure(s, ACTOR, second, "(01)04607123000014(21)X", "(01)04607123000014(21)Y")
    with plant() as s:
        assert get_by(s, Unit, "Unit", serial=first).on_hold and get_by(s, Unit, "Unit", serial=second).on_hold
    assert (fault.source, label.source) == ("machine_fault", "label_scan")


def test_a_concession_without_a_justification_is_refused_before_anything_is_signed(plant, qa):
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        number = report_machine_fault(s, ACTOR, serial, "FT01-PSU", "brown-out").number
    with unit_of_work(plant) as s, pytest.raises(JustificationRequired):
        disposition_nc(s, qa, number, "concession", "demo")


def test_the_creator_of_a_work_order_cannot_release_it(plant, qa):
    with unit_of_work(plant) as s:
        number = create_work_order(s, qa, PM100, 1).number
        release_work_order(s, qa, number)
    with unit_of_work(plant) as s, pytest.raises(NotReleasable):
        release_batch(s, qa, number, "demo")  # not completed yet: refused first for that
    with unit_of_work(plant) as s:  # a completed order with no units is enough for the rule
        s.execute(WorkOrder.__table__.update().where(WorkOrder.number == number).values(status="completed"))
    with unit_of_work(plant) as s, pytest.raises(TwoPersonRule):
        release_batch(s, qa, number, "demo")



def test_a_measurement_changed_after_it_was_recorded_is_an_exception_of_the_batch(plant, qa):
    number, (serial,) = released_order(plant, quantity=1, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("CH-1"), SCREWS))
    with unit_of_work(plant) as s:
        wo = get_by(s, WorkOrder, "Work order", number=number)
        assert open_exceptions(s, wo) == []
        measurement = s.scalars(select(Measurement).order_by(Measurement.id.desc())).first()
        # a correction, audited the way any change of a GMP record must be
        record_audit(s, actor=qa, action="UPDATE", entity="measurement", entity_id=str(measurement.id),
                     field="value", old=measurement.value, new=2.1, reason="transcription error")
        (change,) = open_exceptions(s, wo)
    assert change.kind == "changed_after_creation" and change.serial is None and "transcription error" in change.detail
