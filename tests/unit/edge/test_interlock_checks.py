"""Interlock checks are plain functions: serial shape, calibration date, first refusal wins."""

from datetime import date

import pytest

from mes.edge.interlock import (
    OK,
    InterlockAnswer,
    InterlockRequest,
    Reason,
    all_of,
    calibration_check,
    default_check,
    serial_check,
)

TODAY = date(2026, 11, 26)


def request(serial: str = "SCR01-000001", due: date | None = date(2027, 6, 30)) -> InterlockRequest:
    return InterlockRequest(1, "SCR01-SPINDLE", 5, serial, due, TODAY)


@pytest.mark.parametrize("serial", ["SCR01-000001", "MT260000042", "NC00000017", "A", "lot/7.x_1"])
def test_a_well_formed_serial_on_calibrated_equipment_is_ok(serial):
    assert default_check(request(serial)) == OK


@pytest.mark.parametrize(("serial", "reason"), [
    ("", Reason.SERIAL_MISSING), ("   ", Reason.SERIAL_MISSING),
    ("-leading-dash", Reason.SERIAL_MALFORMED), ("has space", Reason.SERIAL_MALFORMED),
    ("x" * 41, Reason.SERIAL_MALFORMED), ("ünïcode", Reason.SERIAL_MALFORMED),
])
def test_a_missing_or_malformed_serial_is_refused_with_its_reason(serial, reason):
    answer = serial_check(request(serial))
    assert not answer.ok and answer.reason is reason


def test_calibration_due_yesterday_is_refused_and_due_today_is_still_ok():
    assert calibration_check(request(due=date(2026, 11, 25))).reason is Reason.CALIBRATION_EXPIRED
    assert calibration_check(request(due=TODAY)) == OK
    assert calibration_check(request(due=None)) == OK  # equipment that needs no calibration


def test_the_first_refusing_check_gives_the_answer():
    refuse_hold = lambda r: InterlockAnswer.nok(Reason(91), "held")  # noqa: E731
    assert all_of(serial_check, refuse_hold, calibration_check)(request(due=date(2020, 1, 1))).message == "held"
    assert all_of(serial_check, calibration_check)(request("", due=date(2020, 1, 1))).reason is Reason.SERIAL_MISSING
