"""Faults injected on demand into one simulated machine, each for a while or until cleared."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from equipment_adapters.simulators.packml import Clock


class FaultKind(StrEnum):
    """The faults a simulator can play."""

    DROP = "drop"  # stop serving: listener and connections closed, back after `seconds`
    FREEZE = "freeze"  # served values stop changing and writes are not picked up
    EXCEPTION = "exception"  # Modbus: every request answered with exception `code` (default 4)
    BAD_STATUS = "bad_status"  # OPC UA: every served value carries a Bad status
    OUT_OF_SPEC = "out_of_spec"  # results carry values beyond the limits (`pass_anyway`: PLC says pass)
    ALARM = "alarm"  # raise alarm `code` now: the machine holds or aborts as that alarm demands


class FaultError(ValueError):
    """The fault request names an unknown fault, one this protocol cannot play, or bad options."""


@dataclass(slots=True)
class ActiveFault:
    """A fault in force until `until` (monotonic seconds; None: until cleared)."""

    kind: FaultKind
    until: float | None
    options: dict[str, Any] = field(default_factory=dict)


class FaultBoard:
    """The faults in force on one machine; expired ones fall away when looked at."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._active: dict[FaultKind, ActiveFault] = {}

    def inject(self, kind: FaultKind | str, seconds: float | None = None, **options: Any) -> ActiveFault:
        """Put a fault in force for `seconds` (None: until cleared)."""
        try:
            fault_kind = FaultKind(kind)
        except ValueError:
            raise FaultError(f"unknown fault {kind!r}; known: {[k.value for k in FaultKind]}") from None
        if seconds is not None and seconds <= 0:
            raise FaultError("seconds must be positive")
        until = None if seconds is None else self._clock() + seconds
        fault = ActiveFault(fault_kind, until, options)
        self._active[fault_kind] = fault
        return fault

    def clear(self, kind: FaultKind | None = None) -> None:
        """End one fault, or all of them."""
        if kind is None:
            self._active.clear()
        else:
            self._active.pop(kind, None)

    def active(self, kind: FaultKind) -> ActiveFault | None:
        """The fault of that kind when it is in force."""
        fault = self._active.get(kind)
        if fault is not None and fault.until is not None and self._clock() >= fault.until:
            del self._active[kind]
            return None
        return fault

    def describe(self) -> list[dict[str, Any]]:
        """The faults in force, with the seconds left, for the control API."""
        now = self._clock()
        return [
            {"fault": f.kind.value, "seconds_left": None if f.until is None else round(f.until - now, 3),
             **f.options}
            for kind in list(self._active)
            if (f := self.active(kind)) is not None
        ]
