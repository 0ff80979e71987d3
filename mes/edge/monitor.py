"""Live status of one machine: polls its status tags and stores them (PackML history on change)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Executor
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters import create_adapter
from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.errors import EquipmentError
from mes.edge.status_store import EdgeDevice, record_status
from mes.edge.workers import in_thread
from mes.siteconfig.devices import device_spec_from_row

log = logging.getLogger("mes.edge")

# result_serial: the unit of the machine's latest result, shown as the station's current unit.
STATUS_TAGS = ("state", "unit_mode", "good_count", "bad_count", "alarm_code", "result_serial")
DOWN_STATUS_EVERY_S = 5.0


class DeviceMonitor:
    """Keeps one machine connected and its live status in the database."""

    def __init__(self, device: EdgeDevice, factory: sessionmaker[Session],
                 adapter: EquipmentAdapter | None = None, executor: Executor | None = None) -> None:
        self.device = device
        self.factory = factory
        self.executor = executor  # None: the loop's default pool
        spec = device_spec_from_row(device.code, device.protocol, device.endpoint, device.connection,
                                    device.tag_map)
        self.adapter: EquipmentAdapter = adapter or create_adapter(spec)
        self.poll_interval_s = spec.poll_interval_s
        self.tags = [t.name for t in spec.tags if t.name in STATUS_TAGS]
        self._db_down = False
        self._stored_connected: bool | None = None
        self._stored_at = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; the adapter reconnects by itself with backoff while the device is down."""
        await self.adapter.start()
        try:
            await self.watch(stop)
        finally:
            await self.adapter.close()

    async def watch(self, stop: asyncio.Event) -> None:
        """Poll the status tags until `stop` is set, on an adapter someone else starts and closes."""
        while not stop.is_set():
            await self._poll_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval_s)

    async def _poll_once(self) -> None:
        health = self.adapter.health
        if health.connected:
            try:
                values = await self.adapter.read(self.tags)
            except EquipmentError:
                pass  # the adapter logged it (first at ERROR, repeats at DEBUG) and updated its health
            else:
                good: dict[str, Any] = {name: v.value for name, v in values.items() if v.is_good}
                await self._store(connected=True, values=good)
                return
        # While a device is down, store its health on the change and then only now and then:
        # an edge with every PLC away should cost next to nothing.
        now = time.monotonic()
        if self._stored_connected is False and now - self._stored_at < DOWN_STATUS_EVERY_S:
            return
        await self._store(connected=False, error=health.last_error,
                          consecutive_failures=health.consecutive_failures)

    async def _store(self, **status: Any) -> None:
        # Live status is overwritten every poll: while the database is away it is dropped, not queued.
        try:
            await in_thread(self.executor, record_status, self.factory, self.device.equipment_id, **status)
        except SQLAlchemyError as exc:
            level = logging.DEBUG if self._db_down else logging.ERROR
            log.log(level, "%s: status not stored, database unavailable: %s", self.device.code, exc)
            self._db_down = True
        else:
            if self._db_down:
                log.info("%s: database available again", self.device.code)
            self._db_down = False
            self._stored_connected = status["connected"]
            self._stored_at = time.monotonic()
