"""PackML states as the MES shows them: names and display groups (numbers in equipment_adapters.packml)."""

from __future__ import annotations

from equipment_adapters.packml import PackMLState

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
