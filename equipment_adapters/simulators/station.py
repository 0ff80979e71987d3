"""What every simulator server shares: the scan loop, connection faults, status for the control API."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time
from typing import Any

from equipment_adapters.simulators.config import SimulatorConfig
from equipment_adapters.simulators.faults import FaultBoard, FaultError, FaultKind
from equipment_adapters.simulators.machine import UINT32, SimulatedMachine
from equipment_adapters.simulators.packml import Clock
from equipment_adapters.tags import DeviceSpec

log = logging.getLogger(__name__)
FLAG_TAGS = ("result_ready", "interlock_request")  # served last, so their block is complete when seen


def startup_sequence() -> int:
    """First sequence of a fresh simulator: Unix seconds, so a restart does not reissue recorded numbers."""
    # A real PLC keeps its sequence in retentive memory. The simulator has none; starting from the
    # clock stays above every number issued before, as long as it averaged under one result a second.
    return int(time.time()) % (UINT32 - 1)


class SimulatorServer(abc.ABC):
    """A simulated machine behind a protocol server: each tick pull MES writes, run a scan, push values."""

    protocol_faults: frozenset[FaultKind] = frozenset()  # the protocol-specific faults this server plays

    def __init__(self, device: DeviceSpec, config: SimulatorConfig, clock: Clock = time.monotonic,
                 first_sequence: int | None = None) -> None:
        self.device = device
        self.config = config
        seq = startup_sequence() if first_sequence is None else first_sequence
        self.machine = SimulatedMachine(device.name, config, clock, seq)
        self.faults: FaultBoard = self.machine.faults
        self.serving = False
        self._task: asyncio.Task[None] | None = None
        self._errors = 0

    @property
    def code(self) -> str:
        """The equipment code (DeviceSpec.name)."""
        return self.device.name

    async def start(self) -> None:
        """Start serving and scanning."""
        await self._serve()
        self.serving = True
        try:
            await self._push(full=True)
        except BaseException:
            await self.stop()
            raise
        self._task = asyncio.create_task(self._scan_forever(), name=f"simulator {self.code}")

    async def stop(self) -> None:
        """Stop scanning and serving; safe to call twice."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.serving:
            self.serving = False
            await self._unserve()

    def inject(self, kind: FaultKind | str, seconds: float | None = None, **options: Any) -> None:
        """Play a fault now: alarms act at once, the others last `seconds` (None: until cleared)."""
        try:
            fault = FaultKind(kind)
        except ValueError:
            raise FaultError(f"unknown fault {kind!r}; known: {[k.value for k in FaultKind]}") from None
        if fault in (FaultKind.EXCEPTION, FaultKind.BAD_STATUS) and fault not in self.protocol_faults:
            raise FaultError(f"{self.code} speaks {self.device.protocol}: fault {fault} does not apply")
        if fault is FaultKind.ALARM:
            code = int(options.get("code") or min(self.machine.kind.alarms))
            self.machine.raise_alarm(code)
            return
        self.faults.inject(fault, seconds, **options)

    def clear_faults(self) -> None:
        """End every timed fault now (alarms are cleared by recovery: Clear / Unhold)."""
        self.faults.clear()

    def status(self) -> dict[str, Any]:
        """The machine as the control API shows it."""
        m = self.machine
        return {
            "code": self.code, "kind": self.config.kind, "protocol": str(self.device.protocol),
            "endpoint": self.device.endpoint, "serving": self.serving,
            "state": m.packml.state.name, "alarm_code": m.alarm_code,
            "good_count": m.good_count, "bad_count": m.bad_count, "result_seq": m.results.last_seq,
            "results_unacked": m.results.unacked(), "stats": dict(m.stats), "faults": self.faults.describe(),
        }

    async def scan(self) -> None:
        """One tick: honour drop/freeze, take MES writes, run the machine, serve its values."""
        dropped = self.faults.active(FaultKind.DROP) is not None
        if dropped and self.serving:
            self.serving = False
            await self._unserve()
        elif not dropped and not self.serving:
            await self._serve()
            self.serving = True
            await self._push(full=True)
        if self.faults.active(FaultKind.FREEZE) is not None:
            return  # a hung PLC: nothing moves, nothing is read
        if self.serving:
            await self._pull()
        self.machine.tick()
        if self.serving:
            await self._push(full=False)

    async def _scan_forever(self) -> None:
        while True:
            try:
                await self.scan()
            except Exception:  # a simulator must keep running: log the first failure loudly
                self._errors += 1
                log.log(logging.ERROR if self._errors == 1 else logging.DEBUG,
                        "%s: scan failed", self.code, exc_info=True)
            await asyncio.sleep(self.config.tick_s)

    def _take_writes(self, writes: dict[str, Any]) -> None:
        # Parameters first: a download and its cycle_enable landing in one scan must end enabled.
        for name in sorted(writes, key=lambda n: not n.startswith("param_")):
            try:
                self.machine.write(name, writes[name])
            except KeyError:
                log.debug("%s: write to %s ignored: the machine has no such input", self.code, name)

    @abc.abstractmethod
    async def _serve(self) -> None:
        """Open the listener."""

    @abc.abstractmethod
    async def _unserve(self) -> None:
        """Close the listener and every client connection."""

    @abc.abstractmethod
    async def _pull(self) -> None:
        """Hand values clients wrote since the last push to the machine."""

    @abc.abstractmethod
    async def _push(self, full: bool) -> None:
        """Serve the machine's values (only the changed ones unless `full`)."""
