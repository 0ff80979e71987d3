"""The edge runtime's loop: one asyncio task per machine, polling its status tags."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters import create_adapter
from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.errors import EquipmentError
from mes.edge.status_store import EdgeDevice, devices_of_line, record_status
from mes.siteconfig.devices import device_spec_from_row

log = logging.getLogger("mes.edge")

STATUS_TAGS = ("state", "unit_mode", "good_count", "bad_count", "alarm_code")


class Backoff:
    """Capped exponential backoff with full jitter: no busy loop while a device is down."""

    def __init__(self, first_s: float = 0.2, cap_s: float = 1.5, rng: random.Random | None = None) -> None:
        self.first_s, self.cap_s = first_s, cap_s
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The wait before the next attempt; grows with every failure up to the cap."""
        self.failures += 1
        ceiling = min(self.cap_s, self.first_s * 2 ** (self.failures - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        """Forget the failures after a success."""
        self.failures = 0


class DeviceMonitor:
    """Keeps one machine connected and its live status in the database."""

    def __init__(self, device: EdgeDevice, factory: sessionmaker[Session]) -> None:
        self.device = device
        self.factory = factory
        spec = device_spec_from_row(device.code, device.protocol, device.endpoint, device.connection,
                                    device.tag_map)
        self.adapter: EquipmentAdapter = create_adapter(spec)
        self.poll_interval_s = spec.poll_interval_s
        self.tags = [t.name for t in spec.tags if t.name in STATUS_TAGS]
        self.backoff = Backoff()
        self._connected = False
        self._db_down = False

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; failures back off and never end the loop."""
        try:
            while not stop.is_set():
                delay = await self._poll_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        finally:
            await self.adapter.close()

    async def _poll_once(self) -> float:
        try:
            if not self._connected:
                await self.adapter.connect()
                self._connected = True
            values = await self.adapter.read(self.tags)
        except EquipmentError as exc:
            return await self._failed(exc)
        good: dict[str, Any] = {name: v.value for name, v in values.items() if v.is_good}
        if self.backoff.failures:
            log.info("%s: connection restored after %d failures", self.device.code, self.backoff.failures)
        self.backoff.reset()
        await self._store(connected=True, values=good)
        return self.poll_interval_s

    async def _failed(self, exc: EquipmentError) -> float:
        # The first failure is news; repeats while the device stays down are noise.
        level = logging.ERROR if self.backoff.failures == 0 else logging.DEBUG
        log.log(level, "%s: %s", self.device.code, exc)
        self._connected = False
        await self.adapter.close()
        delay = self.backoff.next_delay()
        await self._store(connected=False, error=str(exc), consecutive_failures=self.backoff.failures)
        return delay

    async def _store(self, **status: Any) -> None:
        # Live status is overwritten every poll: while the database is away it is dropped, not queued.
        try:
            await asyncio.to_thread(record_status, self.factory, self.device.equipment_id, **status)
        except SQLAlchemyError as exc:
            level = logging.DEBUG if self._db_down else logging.ERROR
            log.log(level, "%s: status not stored, database unavailable: %s", self.device.code, exc)
            self._db_down = True
        else:
            if self._db_down:
                log.info("%s: database available again", self.device.code)
            self._db_down = False


async def run_edge(factory: sessionmaker[Session], line_code: str, stop: asyncio.Event) -> None:
    """Run one monitor task per machine of the line until `stop` is set."""
    devices = devices_of_line(factory, line_code)
    if not devices:
        raise LookupError(f"line {line_code!r} has no equipment")
    monitors = [DeviceMonitor(d, factory) for d in devices]
    log.info("edge for line %s: %s", line_code, ", ".join(d.code for d in devices))
    async with asyncio.TaskGroup() as group:
        for monitor in monitors:
            group.create_task(monitor.run(stop), name=f"edge:{monitor.device.code}")
