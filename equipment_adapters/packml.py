"""PackML (ISA-TR88.00.02) vocabulary shared by PLCs and the MES: state, command and mode numbers."""

from __future__ import annotations

from enum import IntEnum


class PackMLState(IntEnum):
    """PackML StateCurrent numbers (DOMAIN.md §6; OPC 30060 numbers differ)."""

    UNDEFINED = 0
    CLEARING = 1
    STOPPED = 2
    STARTING = 3
    IDLE = 4
    SUSPENDED = 5
    EXECUTE = 6
    STOPPING = 7
    ABORTING = 8
    ABORTED = 9
    HOLDING = 10
    HELD = 11
    UNHOLDING = 12
    SUSPENDING = 13
    UNSUSPENDING = 14
    RESETTING = 15
    COMPLETING = 16
    COMPLETE = 17


class PackMLCommand(IntEnum):
    """PackML CntrlCmd numbers."""

    RESET = 1
    START = 2
    STOP = 3
    HOLD = 4
    UNHOLD = 5
    SUSPEND = 6
    UNSUSPEND = 7
    ABORT = 8
    CLEAR = 9
    COMPLETE = 10


class PackMLUnitMode(IntEnum):
    """PackML UnitMode numbers (4–31 are user-defined)."""

    PRODUCTION = 1
    MAINTENANCE = 2
    MANUAL = 3
