"""The `simulator:` block of a machine in the site file, as a typed, validated object."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

KINDS = ("torque_screwing", "leak_test", "laser_marking", "electrical_safety", "functional_test")


class SimulatorConfigError(ValueError):
    """The simulator block names an unknown kind or key, or a value out of range."""


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How one simulated machine behaves; every key but `kind` has a demo-friendly default."""

    kind: str
    seed: int = 0
    cycle_time_s: float = 5.0
    cycle_jitter: float = 0.1  # relative spread of the cycle time (normal, σ = jitter × cycle time)
    defect_rate: float = 0.03  # share of units that fail a measurement
    fault_rate: float = 0.0  # chance per cycle of a machine fault (alarm, Held or Aborted)
    auto_start: bool = True  # Reset + Start by itself at power-up, as an operator would
    recover_after_s: float | None = 10.0  # simulated operator clears a fault; None: wait for the MES
    require_download: bool = False  # cycles only while cycle_enable = 1 (MES parameter download)
    require_interlock: bool = False  # ask the MES before every cycle
    interlock_timeout_s: float = 2.0
    result_queue_size: int = 4  # results held while one awaits its ack; full queue blocks cycles
    serial_source: str = "auto"  # "auto": generated when no load_serial is written; "mes": wait for it
    serial_prefix: str = ""  # empty: the first part of the machine code, e.g. "SCR01-"
    acting_time_s: float = 0.2  # duration of Resetting, Starting, Holding, … states
    tick_s: float = 0.05  # how often the server loop runs the machine and exchanges values

    @classmethod
    def from_dict(cls, block: dict[str, Any]) -> SimulatorConfig:
        """Build from the YAML block; unknown keys and kinds raise SimulatorConfigError."""
        known = {f.name for f in fields(cls)}
        unknown = set(block) - known
        if unknown:
            raise SimulatorConfigError(f"unknown simulator keys: {sorted(unknown)}")
        if block.get("kind") not in KINDS:
            raise SimulatorConfigError(f"simulator kind must be one of {KINDS}, got {block.get('kind')!r}")
        config = cls(**block)
        config.check()
        return config

    def check(self) -> None:
        """Raise SimulatorConfigError on values no machine could run with."""
        if not 0 <= self.defect_rate <= 1 or not 0 <= self.fault_rate <= 1:
            raise SimulatorConfigError("defect_rate and fault_rate must lie in [0, 1]")
        if self.cycle_time_s <= 0 or self.tick_s <= 0 or self.interlock_timeout_s <= 0:
            raise SimulatorConfigError("cycle_time_s, tick_s and interlock_timeout_s must be positive")
        if self.result_queue_size < 0:
            raise SimulatorConfigError("result_queue_size must be >= 0")
        if self.serial_source not in ("auto", "mes"):
            raise SimulatorConfigError("serial_source must be 'auto' or 'mes'")
