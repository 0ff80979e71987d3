"""`mes simulate`: the PLC simulators of every machine of a validated site file that has a `simulator:` block."""

from __future__ import annotations

import asyncio

from equipment_adapters.simulators.runner import run_simulators
from mes.siteconfig.devices import device_spec
from mes.siteconfig.schema import SiteConfig


async def run_site_simulators(site: SiteConfig, control_port: int | None, stop: asyncio.Event) -> None:
    """Serve every simulated machine of the site until `stop` is set."""
    simulated = [e for e in site.equipment if e.simulator]
    if not simulated:
        raise LookupError("no equipment in the site file has a 'simulator:' block")
    devices = [device_spec(e) for e in simulated]
    blocks = {e.code: dict(e.simulator or {}) for e in simulated}
    await run_simulators(devices, blocks, control_port, stop)
