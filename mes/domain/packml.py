"""PackML (ISA-TR88.00.02) state numbers as the MES shows and counts them (DOMAIN.md §6)."""

from __future__ import annotations

from enum import IntEnum


class PackMLState(IntEnum):
    """StateCurrent values of ISA-TR88.00.02 (OPC 30060 numbers differ: map those by name)."""

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


# Display groups for the line page, after the usual andon colours.
STATE_GROUP = {
    PackMLState.EXECUTE: "running",
    PackMLState.IDLE: "idle",
    PackMLState.COMPLETE: "idle",
    PackMLState.STARTING: "transition",
    PackMLState.COMPLETING: "transition",
    PackMLState.RESETTING: "transition",
    PackMLState.UNHOLDING: "transition",
    PackMLState.UNSUSPENDING: "transition",
    PackMLState.CLEARING: "transition",
    PackMLState.SUSPENDED: "waiting",
    PackMLState.SUSPENDING: "waiting",
    PackMLState.HELD: "held",
    PackMLState.HOLDING: "held",
    PackMLState.STOPPED: "stopped",
    PackMLState.STOPPING: "stopped",
    PackMLState.ABORTED: "fault",
    PackMLState.ABORTING: "fault",
    PackMLState.UNDEFINED: "unknown",
}


def state_name(value: int | None) -> str:
    """The PackML state name for a StateCurrent value ("UNKNOWN" for None or an unlisted number)."""
    if value is None:
        return "UNKNOWN"
    try:
        return PackMLState(value).name
    except ValueError:
        return f"UNKNOWN({value})"


def state_group(value: int | None) -> str:
    """The display group (running, idle, held, fault…) of a StateCurrent value."""
    try:
        return STATE_GROUP[PackMLState(value)] if value is not None else "unknown"
    except ValueError:
        return "unknown"
