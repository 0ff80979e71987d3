"""§11.200(a)(1)(i) in the service: the typed user name is checked by the e-signature service itself.

The first signing of a session needs both components. The quality services take the typed user
name and the e-signature service checks it against the signer: a wrong one with the right password
signs nothing, is audited as SIGN_FAIL and counts toward the lockout, as a wrong password does.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.errors import UsernameRequired, WrongCredentials
from mes.db import unit_of_work
from mes.models import AuditEvent, ElectronicSignature, Nonconformance, User
from mes.production.common import get_by
from mes.quality.nonconformance import disposition_nc, report_machine_fault
from tests.support.production import ACTOR, released_order


def open_nc(plant) -> str:  # type: ignore[no-untyped-def]
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        return report_machine_fault(s, ACTOR, serial, "FT01-PSU", "brown-out").number


def failures(plant) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    with plant() as s:
        count = s.scalars(select(User.failed_logins).where(User.username == "quality")).one()
        reasons = list(s.scalars(select(AuditEvent.reason).where(AuditEvent.action == "SIGN_FAIL")))
        return count, reasons


def test_another_persons_user_name_with_the_right_password_signs_nothing_and_is_audited(plant, qa):
    number = open_nc(plant)
    with unit_of_work(plant) as s, pytest.raises(WrongCredentials):
        disposition_nc(s, qa, number, "scrap", "demo", username="lead")
    with plant() as s:
        assert get_by(s, Nonconformance, "Nonconformance", number=number).status == "open"
        assert s.scalars(select(ElectronicSignature)).first() is None
    assert failures(plant) == (1, ["signature_wrong_credentials"])


def test_an_empty_user_name_when_one_was_asked_for_is_refused_with_its_own_message(plant, qa):
    number = open_nc(plant)
    with unit_of_work(plant) as s, pytest.raises(UsernameRequired) as refused:
        disposition_nc(s, qa, number, "scrap", "demo", username="  ")
    assert refused.value.message("ru") == "Введите имя пользователя и пароль: это первая подпись в сеансе"
    assert failures(plant) == (0, ["signature_username_required"])  # audited, not a guessed credential


def test_the_signers_own_user_name_in_any_case_signs_and_resets_the_failure_count(plant, qa):
    number = open_nc(plant)
    with unit_of_work(plant) as s, pytest.raises(WrongCredentials):
        disposition_nc(s, qa, number, "scrap", "demo", username="operator")
    with unit_of_work(plant) as s:
        nc = disposition_nc(s, qa, number, "scrap", "demo", username=" Quality ")
        signature = s.get_one(ElectronicSignature, nc.signature_id)
        assert (signature.signer_username, signature.meaning) == ("quality", "dispositioned")
    assert failures(plant)[0] == 0
