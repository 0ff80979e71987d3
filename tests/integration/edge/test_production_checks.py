"""Each production/compliance interlock refusal and its reason code, decided against the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from mes.compliance.gating import grant_override
from mes.db import unit_of_work
from mes.edge.interlock import InterlockRequest, Reason
from mes.edge.production_checks import decide, full_check
from mes.models import Equipment, MaterialLot, OperationRecord, Qualification, RoutingOperation, Unit, User, utcnow
from mes.production.execution import start_operation
from mes.production.quality import scrap_unit
from mes.security.policy import AccountPolicy
from tests.integration.edge.production_support import started_at_est01, started_at_scr01
from tests.support.production import ACTOR, install, released_order

TODAY = utcnow().date()


def ask(sessions, serial: str, code: str = "SCR01-SPINDLE"):
    with sessions() as s:
        equipment_id = s.scalars(select(Equipment.id).where(Equipment.code == code)).one()
        return decide(s, InterlockRequest(equipment_id, code, 1, serial, None, TODAY))


def change(sessions, statement) -> None:
    with unit_of_work(sessions) as s:
        s.execute(statement)


def test_a_unit_started_at_this_station_passes(seeded):
    assert ask(seeded, started_at_scr01(seeded)).ok


def test_serial_form_comes_first_then_unknown_units(seeded):
    check = full_check(seeded)
    with seeded() as s:
        equipment_id = s.scalars(select(Equipment.id).where(Equipment.code == "SCR01-SPINDLE")).one()
    answer = check(InterlockRequest(equipment_id, "SCR01-SPINDLE", 1, "", None, TODAY))
    assert answer.reason == Reason.SERIAL_MISSING
    assert ask(seeded, "MT000000000").reason == Reason.UNIT_UNKNOWN


def test_routing_refusals_name_the_step(seeded):
    at_est = started_at_est01(seeded, "BAT0002")
    _, (fresh,) = released_order(seeded, quantity=1, serials=1)
    not_started = ask(seeded, fresh)
    assert not_started.reason == Reason.NOT_STARTED_HERE and "SCR01" in not_started.message
    wrong = ask(seeded, at_est)
    assert wrong.reason == Reason.WRONG_STEP and "electrical_safety" in wrong.message
    assert ask(seeded, at_est, "EST01-HIPOT").ok


def test_a_scrapped_unit_is_not_in_production(seeded):
    serial = started_at_scr01(seeded)
    with unit_of_work(seeded) as s:
        scrap_unit(s, ACTOR, serial, "dropped")
    assert ask(seeded, serial).reason == Reason.UNIT_NOT_IN_PRODUCTION


def test_a_quarantined_lot_built_into_the_unit_refuses_it(seeded):
    serial = started_at_scr01(seeded)
    change(seeded, update(MaterialLot).where(MaterialLot.part_number == "SCR-M3X8").values(status="quarantined"))
    answer = ask(seeded, serial)
    assert answer.reason == Reason.MATERIAL_LOT_ON_HOLD and "S-77" in answer.message


def test_the_operator_of_the_started_operation_must_hold_the_qualification_today(seeded):
    serial = started_at_scr01(seeded)
    with unit_of_work(seeded) as s:
        operator = s.scalars(select(User).where(User.username == "operator")).one()
        record = s.scalars(select(OperationRecord).join(Unit).where(Unit.serial == serial)).one()
        record.operator_id = operator.id
        s.execute(update(RoutingOperation).where(RoutingOperation.id == record.routing_operation_id)
                  .values(required_qualification="SCREWING"))
        s.add(Qualification(user_id=operator.id, code="SCREWING", valid_until=TODAY - timedelta(days=1)))
    assert ask(seeded, serial).reason == Reason.NOT_QUALIFIED
    change(seeded, update(Qualification).values(valid_until=TODAY))  # valid through its last day
    assert ask(seeded, serial).ok


def test_overdue_calibration_then_maintenance_refuse(seeded):
    serial = started_at_scr01(seeded)
    spindle = Equipment.code == "SCR01-SPINDLE"
    change(seeded, update(Equipment).where(spindle).values(maintenance_due=TODAY - timedelta(days=1),
                                                           calibration_due=TODAY - timedelta(days=1)))
    assert ask(seeded, serial).reason == Reason.CALIBRATION_EXPIRED
    change(seeded, update(Equipment).where(spindle).values(calibration_due=TODAY))
    answer = ask(seeded, serial)
    assert answer.reason == Reason.MAINTENANCE_DUE and "SCR01-SPINDLE" in answer.message


def test_a_calibration_override_signed_for_the_start_also_lets_the_interlock_through(seeded):
    install(seeded)
    spindle = Equipment.code == "SCR01-SPINDLE"
    change(seeded, update(Equipment).where(spindle).values(calibration_due=TODAY - timedelta(days=2)))
    _, (serial, other) = released_order(seeded, quantity=2, serials=2)
    with unit_of_work(seeded) as s:
        lead = s.scalars(select(User).where(User.username == "lead")).one()
        grant_override(s, lead=lead, password="demo", username="lead", check="calibration_expired",
                       subject="SCR01-SPINDLE", serial=serial, seq=10, reason="calibrated today, certificate pending",
                       workstation="SCR01-TERM", policy=AccountPolicy())
    with unit_of_work(seeded) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01", "SCR01-SPINDLE")
    assert ask(seeded, serial).ok
    assert ask(seeded, other).reason == Reason.NOT_STARTED_HERE  # no override (and not started) for this one
