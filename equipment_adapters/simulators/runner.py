"""Start every simulated machine of a site and the control API; stop them all cleanly."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from equipment_adapters.simulators.config import SimulatorConfig
from equipment_adapters.simulators.control_api import ControlApi
from equipment_adapters.simulators.station import SimulatorServer
from equipment_adapters.tags import DeviceSpec, Protocol

log = logging.getLogger(__name__)


def build_simulator(device: DeviceSpec, simulator: dict[str, Any], **kwargs: Any) -> SimulatorServer:
    """The simulator server for one device and its `simulator:` block (not started)."""
    config = SimulatorConfig.from_dict(simulator)
    if device.protocol is Protocol.MODBUS_TCP:
        from equipment_adapters.simulators.modbus_server import ModbusSimulator

        return ModbusSimulator(device, config, **kwargs)
    from equipment_adapters.simulators.opcua_server import OpcUaSimulator

    return OpcUaSimulator(device, config, **kwargs)


class SimulatorFleet:
    """The simulators of a site: `async with SimulatorFleet(...)` or start() / stop()."""

    def __init__(self, devices: list[DeviceSpec], sims: dict[str, dict[str, Any]],
                 control_port: int | None = None) -> None:
        missing = [d.name for d in devices if d.name not in sims]
        if missing:
            raise ValueError(f"no simulator block for: {', '.join(missing)}")
        self.machines: dict[str, SimulatorServer] = {d.name: build_simulator(d, sims[d.name]) for d in devices}
        self.control = ControlApi(lambda: self.machines, control_port) if control_port is not None else None
        self._started: list[SimulatorServer] = []

    async def start(self) -> None:
        """Start every machine (OPC UA servers concurrently: each takes about a second) and the API."""
        try:
            await asyncio.gather(*(self._start_one(m) for m in self.machines.values()))
            if self.control is not None:
                await self.control.start()
        except BaseException:
            await self.stop()
            raise
        log.info("simulators running: %s", ", ".join(f"{m.code} at {m.device.endpoint}"
                                                      for m in self.machines.values()))

    async def stop(self) -> None:
        """Stop the API and every started machine; safe to call twice."""
        if self.control is not None:
            await self.control.stop()
        started, self._started = self._started, []
        results = await asyncio.gather(*(m.stop() for m in started), return_exceptions=True)
        for machine, result in zip(started, results, strict=True):
            if isinstance(result, Exception):
                log.error("%s did not stop cleanly: %s", machine.code, result)

    def inject_fault(self, machine: str, fault: str, seconds: float | None = None, **options: Any) -> None:
        """Play a fault on the machine with that equipment code (KeyError when there is none)."""
        self.machines[machine].inject(fault, seconds, **options)

    def clear_faults(self, machine: str) -> None:
        """End the timed faults of the machine with that equipment code."""
        self.machines[machine].clear_faults()

    async def __aenter__(self) -> SimulatorFleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _start_one(self, machine: SimulatorServer) -> None:
        await machine.start()
        self._started.append(machine)


async def run_simulators(devices: list[DeviceSpec], sims: dict[str, dict[str, Any]],
                         control_port: int | None, stop: asyncio.Event) -> None:
    """Run the simulators of `devices` (blocks keyed by DeviceSpec.name) until `stop` is set."""
    async with SimulatorFleet(devices, sims, control_port) as fleet:
        if fleet.control is not None:
            log.info("simulator control API on http://127.0.0.1:%d/machines", fleet.control.port)
        await stop.wait()
