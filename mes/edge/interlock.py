"""Interlock checks: may this unit run on this machine now? Pure functions, pluggable, with reason codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum


class Reason(IntEnum):
    """interlock_reason codes written to the PLC (docs/edge-runtime.md lists them for PLC programmers)."""

    OK = 0
    SERIAL_MISSING = 1
    SERIAL_MALFORMED = 2
    CALIBRATION_EXPIRED = 10
    # 20-29 routing (mes.edge.production_checks)
    UNIT_UNKNOWN = 20  # no unit with this serial in the MES
    UNIT_NOT_IN_PRODUCTION = 21  # completed, scrapped or consumed
    WRONG_STEP = 22  # the unit's current operation is for another station type
    NOT_STARTED_HERE = 23  # the current operation is not started at this machine's station
    # 30-39 holds
    UNIT_ON_HOLD = 30
    WORK_ORDER_ON_HOLD = 31  # on hold, or not released (planned, completed, closed)
    MATERIAL_LOT_ON_HOLD = 32  # a lot built into the unit is quarantined or rejected
    # 40-49 qualification
    NOT_QUALIFIED = 40  # the operator of the started operation lacks its qualification today
    # 50-59 recipe: reserved
    # 60-69 equipment state / maintenance
    MAINTENANCE_DUE = 60
    CHECK_TIMEOUT = 90
    CHECK_FAILED = 91


@dataclass(frozen=True)
class InterlockRequest:
    """What the PLC asks: may unit `serial` run on `equipment_code`? With the equipment data checks need."""

    equipment_id: int
    equipment_code: str
    seq: int
    serial: str
    calibration_due: date | None
    today: date


@dataclass(frozen=True)
class InterlockAnswer:
    """OK, or NOK with the reason code and a message for the log."""

    ok: bool
    reason: Reason = Reason.OK
    message: str = ""

    @classmethod
    def nok(cls, reason: Reason, message: str) -> InterlockAnswer:
        """A refusal with its reason."""
        return cls(False, reason, message)


OK = InterlockAnswer(True)
InterlockCheck = Callable[[InterlockRequest], InterlockAnswer]

# Serials are printed and encoded in GS1 AI (21): letters, digits and a few separators, at most 40.
SERIAL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")


def serial_check(request: InterlockRequest) -> InterlockAnswer:
    """NOK when the PLC sent no serial or one that cannot be a serial."""
    if not request.serial.strip():
        return InterlockAnswer.nok(Reason.SERIAL_MISSING, "no serial in interlock_serial")
    if not SERIAL_PATTERN.fullmatch(request.serial):
        return InterlockAnswer.nok(Reason.SERIAL_MALFORMED, f"malformed serial {request.serial!r}")
    return OK


def calibration_check(request: InterlockRequest) -> InterlockAnswer:
    """NOK when the equipment's calibration is overdue (due date before today)."""
    due = request.calibration_due
    if due is not None and due < request.today:
        return InterlockAnswer.nok(Reason.CALIBRATION_EXPIRED,
                                   f"{request.equipment_code}: calibration was due {due.isoformat()}")
    return OK


def all_of(*checks: InterlockCheck) -> InterlockCheck:
    """A check that runs `checks` in order and returns the first refusal (OK when none refuses)."""

    def combined(request: InterlockRequest) -> InterlockAnswer:
        for check in checks:
            answer = check(request)
            if not answer.ok:
                return answer
        return OK

    return combined


default_check: InterlockCheck = all_of(serial_check, calibration_check)
