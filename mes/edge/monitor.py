"""Live status of one machine: polls its status tags and stores them (PackML history on change)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from concurrent.futures import Executor
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters import create_adapter
from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.errors import EquipmentError
from mes.edge.status_store import EdgeDevice, record_statuses
from mes.edge.workers import in_thread
from mes.models import utcnow
from mes.siteconfig.devices import device_spec_from_row

log = logging.getLogger("mes.edge")

# result_serial: the unit of the machine's latest result, shown as the station's current unit.
STATUS_TAGS = ("state", "unit_mode", "good_count", "bad_count", "alarm_code", "result_serial")
DOWN_STATUS_EVERY_S = 5.0
# Unchanged values are written again only this often: the line page calls a status older than 10 s stale.
REFRESH_STATUS_EVERY_S = 2.0


class StatusWriter:
    """The live status of every machine of an edge, written together: one transaction per round, not per poll.

    Whatever monitors hand over while a write runs goes into the next one, in order (so no PackML
    state change is lost); with twenty machines that is a few transactions a second instead of forty,
    and far fewer SQLite write locks for a result commit to wait behind.
    """

    # One writer per worker pool (that is, per running edge) and database; weak, so none outlives its edge.
    _shared: ClassVar[weakref.WeakKeyDictionary[Executor, dict[sessionmaker[Session], StatusWriter]]] = \
        weakref.WeakKeyDictionary()

    def __init__(self, factory: sessionmaker[Session], executor: Executor | None = None) -> None:
        self.factory = factory
        self._executor = weakref.ref(executor) if executor is not None else None  # not kept alive by us
        self._pending: list[tuple[int, dict[str, Any], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, factory: sessionmaker[Session], executor: Executor | None) -> StatusWriter:
        """The writer shared by the monitors of one edge (same database, same worker pool)."""
        if executor is None:
            return cls(factory)
        by_factory = cls._shared.setdefault(executor, {})
        return by_factory.setdefault(factory, cls(factory, executor))

    async def store(self, equipment_id: int, status: dict[str, Any]) -> None:
        """Write one look at a machine; raises what the database raised for its round."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((equipment_id, status, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="edge:status-writer")
        await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                executor = self._executor() if self._executor is not None else None
                await in_thread(executor, record_statuses, self.factory, [(e, s) for e, s, _ in batch])
            except Exception as exc:
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for *_, future in batch:
                if not future.done():
                    future.set_result(None)


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
        self.writer = StatusWriter.of(factory, executor)
        self._db_down = False
        self._stored_connected: bool | None = None
        self._stored_values: dict[str, Any] | None = None
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
                if good != self._stored_values or self._stored_connected is not True \
                        or time.monotonic() - self._stored_at >= REFRESH_STATUS_EVERY_S:
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
            await self.writer.store(self.device.equipment_id, {**status, "at": utcnow()})
        except SQLAlchemyError as exc:
            level = logging.DEBUG if self._db_down else logging.ERROR
            log.log(level, "%s: status not stored, database unavailable: %s", self.device.code, exc)
            self._db_down = True
        else:
            if self._db_down:
                log.info("%s: database available again", self.device.code)
            self._db_down = False
            self._stored_connected = status["connected"]
            self._stored_values = status.get("values")
            self._stored_at = time.monotonic()
