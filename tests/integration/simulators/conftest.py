"""Real simulator servers on free loopback ports, built from the demo site's tag maps."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from equipment_adapters.simulators.sitefile import load_equipment
from equipment_adapters.tags import DeviceSpec, Protocol

SITE = Path(__file__).resolve().parents[3] / "config" / "demo-site.yaml"
FAST = {"cycle_time_s": 0.2, "cycle_jitter": 0.0, "tick_s": 0.01, "acting_time_s": 0.01,
        "defect_rate": 0.0, "fault_rate": 0.0, "recover_after_s": None}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_device(code: str, **changes: Any) -> tuple[DeviceSpec, dict[str, Any]]:
    """A demo-site device moved to a free port, and its simulator block made fast."""
    devices, sims = load_equipment(SITE)
    device = next(d for d in devices if d.name == code)
    port = free_port()
    endpoint = (f"127.0.0.1:{port}" if device.protocol is Protocol.MODBUS_TCP
                else f"opc.tcp://127.0.0.1:{port}/sim")
    return dataclasses.replace(device, endpoint=endpoint, **changes), {**sims[code], **FAST}


async def wait_for(condition: Callable[[], Any], timeout: float = 5.0, step: float = 0.01) -> Any:
    """Poll an async or plain condition until it is truthy; its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


@pytest.fixture
def site_path() -> Path:
    return SITE
