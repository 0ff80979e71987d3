"""Work orders and serial allocation on a real database."""

from datetime import date

import pytest
from sqlalchemy import func, select

from mes.db import unit_of_work
from mes.domain.numbering import SerialExhausted
from mes.models import AuditEvent, Brand, Equipment, NumberCounter, Unit
from mes.production.demo_data import PM100
from mes.production.errors import CalibrationExpired, QuantityExceeded, RoutingNotApproved, WrongWorkOrderStatus
from mes.production.execution import start_operation
from mes.production.serials import allocate_serials
from mes.production.workorders import (
    create_work_order,
    get_work_order,
    hold_work_order,
    list_work_orders,
    release_work_order,
    resume_work_order,
)
from tests.support.production import ACTOR, released_order


def test_a_new_work_order_is_planned_with_a_lot_from_the_brand_scheme_and_the_approved_bom(plant):
    with unit_of_work(plant) as s:
        wo = create_work_order(s, ACTOR, PM100, 10)
        assert wo.status == "planned"
        assert wo.lot_number.startswith("MT-") and wo.lot_number.endswith("-0001")
        assert wo.number == f"WO-{wo.lot_number}"
        assert wo.bom_id is not None


def test_a_work_order_on_an_unapproved_routing_cannot_be_released(plant):
    with unit_of_work(plant) as s:
        number = create_work_order(s, ACTOR, "04630045100012", 3).number
    with pytest.raises(RoutingNotApproved), unit_of_work(plant) as s:
        release_work_order(s, ACTOR, number)
    with unit_of_work(plant) as s:
        assert get_work_order(s, number).status == "planned"


def test_release_happens_once_and_both_steps_are_in_the_audit_trail(plant):
    number, _ = released_order(plant)
    with pytest.raises(WrongWorkOrderStatus), unit_of_work(plant) as s:
        release_work_order(s, ACTOR, number)
    with unit_of_work(plant) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "work_order",
                                                    AuditEvent.entity_id == number)).all()
        assert [(e.action, e.field) for e in events] == [("CREATE", None), ("UPDATE", "status")]
        assert [wo.number for wo in list_work_orders(s, status="released")] == [number]


def test_serials_follow_the_brand_scheme_and_continue_across_allocations(plant):
    number, first = released_order(plant, quantity=5, serials=2)
    with unit_of_work(plant) as s:
        more = allocate_serials(s, ACTOR, number, 3)
    serials = first + more
    assert len(set(serials)) == 5
    assert all(s.startswith("MT") and len(s) == 11 for s in serials)
    assert [int(s[-7:]) for s in serials] == [1, 2, 3, 4, 5]


def test_more_serials_than_the_order_quantity_are_refused(plant):
    number, _ = released_order(plant, quantity=2, serials=2)
    with pytest.raises(QuantityExceeded), unit_of_work(plant) as s:
        allocate_serials(s, ACTOR, number, 1)


def test_serials_are_never_allocated_to_a_planned_order(plant):
    with unit_of_work(plant) as s:
        number = create_work_order(s, ACTOR, PM100, 2).number
    with pytest.raises(WrongWorkOrderStatus), unit_of_work(plant) as s:
        allocate_serials(s, ACTOR, number, 1)


def test_an_exhausted_scheme_refuses_the_whole_block_and_leaves_the_counter_untouched(plant):
    with unit_of_work(plant) as s:
        s.scalars(select(Brand).where(Brand.code == "MEDTEK")).one().serial_scheme = "T{seq:01d}"
    number, _ = released_order(plant, quantity=20, serials=5)
    with pytest.raises(SerialExhausted), unit_of_work(plant) as s:
        allocate_serials(s, ACTOR, number, 5)
    with unit_of_work(plant) as s:
        assert s.scalar(select(NumberCounter.last_value).where(NumberCounter.kind == "serial")) == 5
        assert s.scalar(select(func.count()).select_from(Unit)) == 5


def test_ten_thousand_serials_are_allocated_in_one_bulk_insert_all_distinct(plant):
    _, serials = released_order(plant, quantity=10_000, serials=10_000)
    assert len(set(serials)) == 10_000
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count(Unit.id.distinct()))) == 10_000
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.field == "serials")) == 1


def test_a_held_work_order_starts_no_operation_until_it_resumes(plant):
    number, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        hold_work_order(s, ACTOR, number, reason="supplier recall under review")
    with pytest.raises(WrongWorkOrderStatus), unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")
    with unit_of_work(plant) as s:
        assert resume_work_order(s, ACTOR, number, reason="recall does not apply").status == "released"
        start_operation(s, ACTOR, serial, 10, "SCR01")


def test_equipment_past_its_calibration_due_date_blocks_the_operation(plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        s.scalars(select(Equipment).where(Equipment.code == "SCR01-SPINDLE")).one().calibration_due = date(2020, 1, 1)
    with pytest.raises(CalibrationExpired), unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01", "SCR01-SPINDLE")
