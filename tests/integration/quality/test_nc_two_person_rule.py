"""The two-person rule on NC disposition: an NC opened by hand is dispositioned by someone else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.compliance.errors import TwoPersonRule
from mes.compliance.two_person import nc_two_person_sources
from mes.db import unit_of_work
from mes.models import AuditEvent, Nonconformance, User
from mes.quality.nonconformance import disposition_nc, open_nc, report_machine_fault
from mes.security.passwords import hash_password
from tests.support.production import released_order


@pytest.fixture
def second_qa(plant) -> AuditActor:
    """Another quality engineer, password 'second-demo'."""
    with unit_of_work(plant) as s:
        user = User(username="quality2", display_name="Maria Orlova", role="quality_engineer", language="en",
                    password_hash=hash_password("second-demo"))
        s.add(user)
        s.flush()
        return AuditActor(user.id, user.display_name, "qa-desk-2")


def nc_state(sessions, number: str) -> tuple[str, int]:
    with sessions() as s:
        nc = s.scalars(select(Nonconformance).where(Nonconformance.number == number)).one()
        signs = s.scalars(select(AuditEvent.id).where(AuditEvent.entity == "nonconformance",
                                                      AuditEvent.entity_id == number, AuditEvent.action == "SIGN"))
        return nc.status, len(list(signs))


def test_whoever_opened_an_nc_by_hand_cannot_disposition_it_and_a_colleague_can(plant, qa, second_qa):
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        number = open_nc(s, qa, serial, "scratch on the housing", "manual").number
    with unit_of_work(plant) as s, pytest.raises(TwoPersonRule) as refused:
        disposition_nc(s, qa, number, "use_as_is", "demo")
    assert "второго лица" in refused.value.message("ru")
    assert nc_state(plant, number) == ("open", 0)  # nothing signed, nothing changed
    with unit_of_work(plant) as s:
        disposition_nc(s, second_qa, number, "use_as_is", "second-demo")
    assert nc_state(plant, number) == ("closed", 1)


def test_an_nc_the_mes_opened_may_be_dispositioned_by_any_quality_engineer(plant, qa):
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        number = report_machine_fault(s, qa, serial, "FT01-PSU", "brown-out").number  # source machine_fault
        disposition_nc(s, qa, number, "scrap", "demo")
    assert nc_state(plant, number) == ("closed", 1)


def test_the_site_can_extend_the_rule_to_every_source(plant, qa, monkeypatch):
    monkeypatch.setenv("MES_NC_TWO_PERSON_SOURCES", "all")
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        number = report_machine_fault(s, qa, serial, "FT01-PSU", "brown-out").number
    with unit_of_work(plant) as s, pytest.raises(TwoPersonRule):
        disposition_nc(s, qa, number, "scrap", "demo")


def test_the_setting_rejects_a_misspelt_source_instead_of_switching_the_rule_off():
    assert nc_two_person_sources({}) == {"manual"}
    assert nc_two_person_sources({"MES_NC_TWO_PERSON_SOURCES": "manual, label_scan"}) == {"manual", "label_scan"}
    with pytest.raises(ValueError, match="manaul"):
        nc_two_person_sources({"MES_NC_TWO_PERSON_SOURCES": "manaul"})
