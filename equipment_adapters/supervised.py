"""What both protocol adapters share: health tracking, supervised reconnect, subscriber bookkeeping."""

from __future__ import annotations

import abc
import asyncio
import inspect
import logging
from collections.abc import Sequence

from equipment_adapters.base import DataChangeCallback, EquipmentAdapter, TagValue
from equipment_adapters.errors import DeviceTimeout, DeviceUnavailable, EquipmentError, TagConfigError
from equipment_adapters.supervisor import Backoff, HealthTracker, Supervisor
from equipment_adapters.tags import DeviceSpec, TagSpec


class SupervisedAdapter(EquipmentAdapter):
    """An adapter whose connection is kept up by a Supervisor once connect() or start() was called."""

    protocol = "adapter"

    def __init__(self, device: DeviceSpec, *, backoff: Backoff | None = None, supervise: bool = True) -> None:
        super().__init__(device)
        self.log = logging.getLogger(f"equipment_adapters.{self.protocol}")
        self.tracker = HealthTracker(device.name, self.health, self.log)
        self.supervisor = Supervisor(self._connect_once, lambda: self.health.connected, backoff)
        self._supervise = supervise
        self._lock = asyncio.Lock()  # one request sequence at a time per connection (write + read-back)
        self._closed = False

    async def connect(self) -> None:
        """One connection attempt (DeviceUnavailable on failure); then keep it up while supervised."""
        self._closed = False
        await self._connect_once()
        if self._supervise:
            self.supervisor.start()

    async def start(self) -> None:
        """Connect in the background and keep reconnecting with backoff; never raises for a down device."""
        self._closed = False
        self.supervisor.start()

    async def close(self) -> None:
        """Stop supervision and subscriptions, close the connection; safe to call twice."""
        self._closed = True
        await self.supervisor.stop()
        await self._stop_subscriptions()
        await self._close_link()
        self.health.connected = False

    async def _connect_once(self) -> None:
        """Drop any old link, open a new one; record success or a typed failure."""
        await self._close_link()
        try:
            await self._open_link()
        except EquipmentError as exc:
            self._record_failure(exc)
            raise
        except Exception as exc:  # an unexpected library error is still "could not connect"
            error = DeviceUnavailable(self.device.name, self.device.endpoint, f"{type(exc).__name__}: {exc}")
            raise self._record_failure(error) from exc
        self.tracker.succeeded()
        self.log.debug("%s: connected to %s", self.device.name, self.device.endpoint)

    def _record_failure(self, exc: EquipmentError) -> EquipmentError:
        """Update health; a lost or silent link wakes the supervisor to reconnect."""
        link_lost = isinstance(exc, DeviceUnavailable | DeviceTimeout)
        self.tracker.failed(exc, link_lost=link_lost)
        if link_lost:
            self.supervisor.link_lost()
        return exc

    def _tag(self, name: str) -> TagSpec:
        try:
            return self.device.tag(name)
        except KeyError:
            raise TagConfigError(self.device.name, name, "no such tag in the device's tag map") from None

    def _writable_tag(self, name: str) -> TagSpec:
        tag = self._tag(name)
        if not tag.writable:
            raise TagConfigError(self.device.name, name, "tag is read-only")
        return tag

    def _tags(self, names: Sequence[str]) -> list[TagSpec]:
        return [self._tag(name) for name in names]

    @abc.abstractmethod
    async def _open_link(self) -> None:
        """Open the protocol connection; raise a typed EquipmentError on failure."""

    @abc.abstractmethod
    async def _close_link(self) -> None:
        """Close the protocol connection quietly; safe when none is open."""

    @abc.abstractmethod
    async def _stop_subscriptions(self) -> None:
        """Cancel polling tasks or protocol subscriptions."""


async def deliver(callback: DataChangeCallback, value: TagValue, log: logging.Logger) -> None:
    """Call a subscriber, awaiting it when it is async; its errors are logged, never propagated."""
    try:
        result = callback(value)
        if inspect.isawaitable(result):
            await result
    except Exception:
        # A broken subscriber must not stop the stream for the others.
        log.exception("subscriber callback failed for %s", value.name)
