"""Operation start gating: qualifications, calibration and maintenance, and line-lead overrides."""

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.compliance.due import due_soon
from mes.compliance.errors import MaintenanceDue, NotQualified, SignerNotAuthorized
from mes.compliance.gating import grant_override, overrides_for
from mes.db import unit_of_work
from mes.models import Equipment, Override, Qualification, RoutingOperation, User
from mes.production.errors import CalibrationExpired
from mes.production.execution import start_operation
from mes.security.policy import AccountPolicy
from tests.support.production import install, released_order

TODAY = date.today()
POLICY = AccountPolicy()


@pytest.fixture
def plant(seeded):
    """The demo production data with one released work order of two units."""
    install(seeded)
    return seeded


def actor_of(sessions, username: str) -> AuditActor:
    with sessions() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
    return AuditActor(user.id, user.display_name, "SCR01-TERM")


def user(sessions, username: str) -> User:
    with sessions() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def require_qualification(sessions, code: str = "SCREWDRIVING") -> None:
    with unit_of_work(sessions) as s:
        for op in s.scalars(select(RoutingOperation).where(RoutingOperation.seq == 10)):
            op.required_qualification = code


def qualify(sessions, username: str, valid_until: date, code: str = "SCREWDRIVING") -> None:
    with unit_of_work(sessions) as s:
        s.add(Qualification(user_id=user(sessions, username).id, code=code, valid_until=valid_until))


def set_equipment(sessions, **values) -> None:
    with unit_of_work(sessions) as s:
        equipment = s.scalars(select(Equipment).where(Equipment.code == "SCR01-SPINDLE")).one()
        for name, value in values.items():
            setattr(equipment, name, value)


def start(sessions, serial: str, username: str = "operator"):
    with unit_of_work(sessions) as s:
        return start_operation(s, actor_of(sessions, username), serial, 10, "SCR01", "SCR01-SPINDLE")


def test_an_operator_without_the_required_qualification_is_refused(plant):
    require_qualification(plant)
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(NotQualified) as refused:
        start(plant, serial)
    assert "SCREWDRIVING" in refused.value.message("ru")


def test_an_expired_qualification_is_refused_and_a_valid_one_lets_the_operator_start(plant):
    require_qualification(plant)
    _, (first, second) = released_order(plant, serials=2)
    qualify(plant, "operator", TODAY - timedelta(days=1))
    with pytest.raises(NotQualified):
        start(plant, first)
    qualify(plant, "lead", TODAY)  # valid through its last day
    assert start(plant, second, "lead").seq == 10


def test_equipment_past_its_maintenance_due_date_is_refused(plant):
    set_equipment(plant, maintenance_due=TODAY - timedelta(days=1))
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(MaintenanceDue):
        start(plant, serial)


def test_a_line_lead_override_with_signature_and_reason_lets_one_start_through(plant):
    set_equipment(plant, calibration_due=TODAY - timedelta(days=3))
    _, (first, second) = released_order(plant, serials=2)
    with unit_of_work(plant) as s:
        override = grant_override(s, lead=user(plant, "lead"), password="demo", username="lead",
                                  check="calibration_expired", subject="SCR01-SPINDLE", serial=first, seq=10,
                                  reason="calibration done today, certificate pending", workstation="SCR01-TERM",
                                  policy=POLICY)
    record = start(plant, first)
    with plant() as s:
        used = s.get(Override, override.id)
        assert used.used_at is not None and used.used_by_record_id == record.id
        assert [o.id for o in overrides_for(s, [first])] == [override.id]
    with pytest.raises(CalibrationExpired):
        start(plant, second)  # the override was for one unit and operation only


def test_an_operator_cannot_grant_an_override(plant):
    _, (serial,) = released_order(plant, serials=1)
    with pytest.raises(SignerNotAuthorized), unit_of_work(plant) as s:
        grant_override(s, lead=user(plant, "operator"), password="demo", check="calibration_expired",
                       subject="SCR01-SPINDLE", serial=serial, seq=10, reason="in a hurry", workstation="T",
                       policy=POLICY)


def test_due_soon_lists_qualifications_and_calibrations_running_out_and_logs_a_warning(plant, caplog):
    qualify(plant, "operator", TODAY + timedelta(days=5))
    qualify(plant, "lead", TODAY + timedelta(days=60))
    set_equipment(plant, calibration_due=TODAY + timedelta(days=2))
    with caplog.at_level(logging.WARNING, logger="mes.compliance.due"), plant() as s:
        items = due_soon(s, TODAY, 14)
    assert [(i.kind, i.subject) for i in items] == [("calibration", "SCR01-SPINDLE"), ("qualification", "operator")]
    assert "in 5 days" in caplog.text
