"""A simulated machine: PackML states, cycles, measurements, counters, alarms and the MES handshakes."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from equipment_adapters.simulators.config import SimulatorConfig
from equipment_adapters.simulators.faults import FaultBoard, FaultKind
from equipment_adapters.simulators.handshake import InterlockChannel, ResultChannel, ResultStatus, Verdict
from equipment_adapters.simulators.kinds import KINDS, measure
from equipment_adapters.simulators.packml import Clock, Command, InvalidCommand, PackMLMachine, State

UINT32 = 1 << 32
ALARM_INTERLOCK_NOK = 901  # warning: the MES refused the unit; cleared by the next accepted unit
ALARM_INTERLOCK_TIMEOUT = 902  # warning: the MES did not answer within interlock_timeout_s
# States in which a unit may stay in the machine; anything else (Stop, Abort, …) unloads it.
UNIT_KEPT_IN = frozenset({State.EXECUTE, State.HOLDING, State.HELD, State.UNHOLDING,
                          State.SUSPENDING, State.SUSPENDED, State.UNSUSPENDING, State.COMPLETING})
HANDSHAKE_INPUTS: dict[str, Any] = {
    "cntrl_cmd": 0, "result_ack": 0, "interlock_answer": 0, "interlock_reason": 0,
    "interlock_answer_seq": 0, "cycle_enable": 0, "load_serial": "",
}


@dataclass(slots=True)
class Cycle:
    """The unit in the machine: its serial and where its cycle stands."""

    serial: str
    duration: float
    fault_at: float | None  # seconds into the cycle at which a random fault strikes
    elapsed: float = 0.0
    running: bool = False  # False while the interlock request is open


class SimulatedMachine:
    """Pure simulation of one machine, driven by tick() with an injected clock and a seeded Random."""

    def __init__(self, code: str, config: SimulatorConfig, clock: Clock, first_sequence: int = 0) -> None:
        self.code = code
        self.config = config
        self.kind = KINDS[config.kind]
        self.rng = random.Random(config.seed)
        self._clock = clock
        self.packml = PackMLMachine(clock, acting_time_s=config.acting_time_s)
        self.results = ResultChannel(first_sequence, config.result_queue_size)
        self.interlock = InterlockChannel(config.interlock_timeout_s)
        self.faults = FaultBoard(clock)
        self.params: dict[str, Any] = dict(self.kind.parameters)
        self.inputs: dict[str, Any] = dict(HANDSHAKE_INPUTS)
        self.good_count = 0
        self.bad_count = 0
        self.alarm_code = 0
        self.stats: Counter[str] = Counter()
        self.block: dict[str, Any] = self._empty_block()
        self.cycle: Cycle | None = None
        self._units_made = 0
        self._next_unit_at = clock()
        self._retry_serial = ""
        self._operator_run = config.auto_start
        self._last_tick = clock()

    # --- the MES side ---------------------------------------------------------------------------
    def write(self, name: str, value: Any) -> None:
        """Take a value the MES wrote; with require_download a parameter write withdraws cycle_enable."""
        if name.startswith("param_") and name[6:] in self.params:
            self.params[name[6:]] = value
            if self.config.require_download:
                self.inputs["cycle_enable"] = 0  # a half-written download must never run
        elif name in self.inputs:
            self.inputs[name] = value
        else:
            raise KeyError(f"{self.code}: {name!r} is not written by the MES")

    def values(self) -> dict[str, Any]:
        """Every tag the machine serves, by tag name (PLC-owned values and the MES inputs)."""
        return {
            "state": int(self.packml.state),
            "unit_mode": int(self.packml.unit_mode),
            "good_count": self.good_count,
            "bad_count": self.bad_count,
            "alarm_code": self.alarm_code,
            "result_ready": int(self.results.ready),
            **self.block,
            "interlock_request": int(self.interlock.requesting),
            "interlock_seq": self.interlock.seq,
            "interlock_serial": self.interlock.serial,
            **self.inputs,
            **{f"param_{name}": value for name, value in self.params.items()},
        }

    # --- the PLC scan ---------------------------------------------------------------------------
    def tick(self) -> None:
        """One PLC scan: commands, state completion, operator, cycle, handshakes."""
        now = self._clock()
        elapsed, self._last_tick = now - self._last_tick, now
        self._take_command()
        self.packml.advance()
        self._simulated_operator()
        if self.packml.state not in UNIT_KEPT_IN:
            self._unload()
        elif self.packml.state is State.EXECUTE:
            self._run_cycle(now, elapsed)
        self.results.tick(int(self.inputs["result_ack"]))
        if self.results.published is not None:
            self.block = self._block_of_published()

    def raise_alarm(self, code: int) -> None:
        """Set alarm_code and react as the alarm demands: Hold (from Execute) or Abort."""
        self.alarm_code = code
        self.stats["alarms"] += 1
        reaction = self.kind.alarms.get(code, "aborted")
        try:
            if reaction == "held" and self.packml.state is State.EXECUTE:
                self.packml.command(Command.HOLD)
            elif reaction == "aborted":
                self.packml.command(Command.ABORT)
        except InvalidCommand:
            pass  # already Aborting/Aborted: the alarm code is what changes

    def _take_command(self) -> None:
        command = int(self.inputs["cntrl_cmd"])
        if not command:
            return
        self.inputs["cntrl_cmd"] = 0  # consumed, as CmdChangeRequest is on a real PackML PLC
        try:
            self.packml.command(command)
        except InvalidCommand:
            self.stats["rejected_commands"] += 1
            return
        if command in (Command.CLEAR, Command.UNHOLD):
            self.alarm_code = 0
        if command in (Command.STOP, Command.ABORT, Command.HOLD, Command.SUSPEND):
            self._operator_run = False  # the MES took control: the simulated operator stands back

    def _simulated_operator(self) -> None:
        state, recover = self.packml.state, self.config.recover_after_s
        if self.alarm_code and recover is not None and self.packml.time_in_state() >= recover:
            if state is State.HELD:
                self.packml.command(Command.UNHOLD)
                self.alarm_code = 0
            elif state is State.ABORTED:
                self.packml.command(Command.CLEAR)
                self.alarm_code = 0
                self._operator_run = self.config.auto_start
        if self._operator_run and state in (State.STOPPED, State.COMPLETE):
            self.packml.command(Command.RESET)
        elif self._operator_run and state is State.IDLE:
            self.packml.command(Command.START)
            self._operator_run = False

    def _unload(self) -> None:
        self.cycle = None
        self.interlock.requesting = False

    # --- cycles ---------------------------------------------------------------------------------
    def _run_cycle(self, now: float, elapsed: float) -> None:
        if self.cycle is None:
            self._load_unit(now)
        elif not self.cycle.running:
            self._await_interlock(now)
        else:
            self.cycle.elapsed += elapsed
            if self.cycle.fault_at is not None and self.cycle.elapsed >= self.cycle.fault_at:
                self.cycle = None
                self.raise_alarm(self.rng.choice(sorted(self.kind.alarms)))
            elif self.cycle.elapsed >= self.cycle.duration:
                self._finish(self.cycle)
                self.cycle = None
                self._next_unit_at = now

    def _load_unit(self, now: float) -> None:
        if now < self._next_unit_at or self.results.blocked():
            return
        if self.config.require_download and int(self.inputs["cycle_enable"]) != 1:
            return
        serial = self._take_serial()
        if serial is None:
            return
        ct = self.config.cycle_time_s
        duration = max(0.2 * ct, self.rng.gauss(ct, self.config.cycle_jitter * ct))
        faulty = self.rng.random() < self.config.fault_rate
        fault_at = self.rng.uniform(0.1, 0.9) * duration if faulty else None
        self.cycle = Cycle(serial, duration, fault_at, running=not self.config.require_interlock)
        if self.config.require_interlock:
            self.interlock.request(serial, now)

    def _take_serial(self) -> str | None:
        if self._retry_serial:
            serial, self._retry_serial = self._retry_serial, ""
            return serial
        serial = str(self.inputs["load_serial"])
        if serial:
            self.inputs["load_serial"] = ""
            return serial
        if self.config.serial_source != "auto":
            return None  # starved: waits for the MES (or an operator terminal) to name the unit
        self._units_made += 1
        prefix = self.config.serial_prefix or self.code.split("-")[0] + "-"
        return f"{prefix}{self._units_made:06d}"

    def _await_interlock(self, now: float) -> None:
        assert self.cycle is not None
        names = ("interlock_answer", "interlock_reason", "interlock_answer_seq")
        verdict = self.interlock.poll(*(int(self.inputs[name]) for name in names), now)
        if verdict is None:
            return
        self.stats[f"interlock_{verdict.name.lower()}"] += 1
        if verdict is Verdict.OK:
            self.cycle.running = True
            if self.alarm_code in (ALARM_INTERLOCK_NOK, ALARM_INTERLOCK_TIMEOUT):
                self.alarm_code = 0
            return
        self.alarm_code = ALARM_INTERLOCK_NOK if verdict is Verdict.NOK else ALARM_INTERLOCK_TIMEOUT
        # NOK: the unit is taken out unprocessed. Timeout: the same unit asks again after the pause.
        self._retry_serial = self.cycle.serial if verdict is Verdict.TIMEOUT else ""
        self.cycle = None
        self._next_unit_at = now + 0.25 * self.config.cycle_time_s

    def _finish(self, cycle: Cycle) -> None:
        out_of_spec = self.faults.active(FaultKind.OUT_OF_SPEC)
        defective = out_of_spec is not None or self.rng.random() < self.config.defect_rate
        values, passed = measure(self.kind, self.rng, self.params, cycle.serial, defective)
        if out_of_spec is not None and out_of_spec.options.get("pass_anyway"):
            passed = True  # a PLC that lies: the MES must check the limits itself
        if passed:
            self.good_count = (self.good_count + 1) % UINT32
        else:
            self.bad_count = (self.bad_count + 1) % UINT32
        values["result_cycle_time"] = round(cycle.elapsed, 3)
        self.results.issue(cycle.serial, ResultStatus.PASS if passed else ResultStatus.FAIL, values)

    def _empty_block(self) -> dict[str, Any]:
        values, _ = measure(self.kind, random.Random(0), self.params, "", False)
        block = {name: "" if isinstance(v, str) else 0 for name, v in values.items()}
        return {"result_seq": 0, "result_status": 0, "result_serial": "", "result_cycle_time": 0.0, **block}

    def _block_of_published(self) -> dict[str, Any]:
        published = self.results.published
        assert published is not None
        return {"result_seq": published.seq, "result_status": int(published.status),
                "result_serial": published.serial, **published.values}
