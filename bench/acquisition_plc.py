"""The simulated PLCs of bench/acquisition.py, in a process of their own so they do not eat the edge's CPU.

    python bench/acquisition_plc.py OUT.json CYCLE_S PORT [PORT ...]

Serves a copy of the demo torque spindle on each port; prints "ready"; on end of stdin writes the
perf_counter time (system-wide CLOCK_MONOTONIC on Linux) each result was published to OUT.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from acquisition_rigs import simulators, station_specs

FAST = {"cycle_jitter": 0.05, "tick_s": 0.01, "acting_time_s": 0.05, "defect_rate": 0.03, "fault_rate": 0.0,
        "recover_after_s": None}


async def serve(out: Path, cycle_s: float, ports: list[int]) -> None:
    """Run until stdin closes, then write the publication times."""
    specs, block = station_specs(len(ports), ports)
    async with simulators(specs, block, cycle_time_s=cycle_s, **FAST) as servers:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.read)
        published = {s.device.name: s.machine.results.published_at for s in servers}
    out.write_text(json.dumps(published))


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), float(sys.argv[2]), [int(p) for p in sys.argv[3:]]))
