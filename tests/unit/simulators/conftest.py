"""A fake clock and a fast simulated machine driven scan by scan."""

from __future__ import annotations

from typing import Any

import pytest

from equipment_adapters.simulators.config import SimulatorConfig
from equipment_adapters.simulators.machine import SimulatedMachine


class FakeClock:
    """Monotonic seconds moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Bench:
    """A machine on the bench: scan it, advance time, play the MES."""

    def __init__(self, kind: str = "torque_screwing", **config: Any) -> None:
        self.clock = FakeClock()
        settings = {"kind": kind, "seed": 7, "cycle_time_s": 1.0, "cycle_jitter": 0.0, "defect_rate": 0.0,
                    "acting_time_s": 0.0, "recover_after_s": None, **config}
        self.machine = SimulatedMachine("SCR01-SPINDLE", SimulatorConfig.from_dict(settings), self.clock)

    def run(self, seconds: float, step: float = 0.1) -> None:
        """Scan every `step` seconds for `seconds`."""
        for _ in range(round(seconds / step)):
            self.clock.now += step
            self.machine.tick()

    def value(self, name: str) -> Any:
        return self.machine.values()[name]

    def ack_all(self, seconds: float, step: float = 0.1) -> list[int]:
        """Act as a prompt MES for `seconds`: ack every result; the sequences acknowledged."""
        acked = []
        for _ in range(round(seconds / step)):
            self.clock.now += step
            self.machine.tick()
            if self.value("result_ready"):
                acked.append(self.value("result_seq"))
                self.machine.write("result_ack", self.value("result_seq"))
        return acked


@pytest.fixture
def bench() -> Bench:
    return Bench()
