"""Standalone simulators: `python -m equipment_adapters.simulators config/demo-site.yaml`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from equipment_adapters.simulators.runner import run_simulators
from equipment_adapters.simulators.sitefile import load_equipment
from equipment_adapters.tags import DeviceSpec


def main(argv: list[str] | None = None) -> None:
    """Serve every machine of the site file that has a `simulator:` block until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m equipment_adapters.simulators", description=__doc__)
    parser.add_argument("site", help="site YAML with an `equipment:` list (each entry with `simulator:`)")
    parser.add_argument("--control-port", type=int, default=8765,
                        help="port of the control API on 127.0.0.1 (default 8765; 0 picks a free one)")
    parser.add_argument("--only", action="append", metavar="CODE", help="simulate only this machine (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    devices, sims = load_equipment(args.site)
    if args.only:
        devices = [d for d in devices if d.name in args.only]
    asyncio.run(_run(devices, sims, args.control_port))


async def _run(devices: list[DeviceSpec], sims: dict[str, dict[str, Any]], control_port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_simulators(devices, sims, control_port, stop)


if __name__ == "__main__":
    main()
