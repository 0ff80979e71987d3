"""The one small interface every equipment adapter implements."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from equipment_adapters.tags import DeviceSpec


class Quality(StrEnum):
    """Value quality, after OPC UA's StatusCode severity (Modbus values are good or raise)."""

    GOOD = "good"
    UNCERTAIN = "uncertain"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class TagValue:
    """A value read from a device, with its quality and timestamps (UTC)."""

    name: str
    value: float | int | bool | str | None
    quality: Quality
    source_timestamp: datetime | None
    received_at: datetime
    status_code: int = 0

    @property
    def is_good(self) -> bool:
        """True only for Good quality; Bad or Uncertain values are never used as good."""
        return self.quality is Quality.GOOD


@dataclass(slots=True)
class DeviceHealth:
    """Connection health of one device, as shown to the UI."""

    connected: bool = False
    last_good_at: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None


DataChangeCallback = Callable[[TagValue], Awaitable[None] | None]


class EquipmentAdapter(abc.ABC):
    """Connect, read, write with read-back, subscribe or poll, close, health."""

    def __init__(self, device: DeviceSpec) -> None:
        self.device = device
        self.health = DeviceHealth()

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the connection; raise DeviceUnavailable when the device cannot be reached."""

    @abc.abstractmethod
    async def read(self, names: Sequence[str]) -> dict[str, TagValue]:
        """Read the named tags in as few requests as the protocol allows."""

    @abc.abstractmethod
    async def write(self, name: str, value: float | int | bool | str) -> TagValue:
        """Write one writable tag, read it back and raise WriteVerifyError on a mismatch."""

    async def write_many(self, values: Sequence[tuple[str, float | int | bool | str]]) -> dict[str, TagValue]:
        """Write several tags, each read back; the last is written last, as it may be what validates the rest.

        Adapters that can write them in one request (contiguous Modbus registers) do so.
        """
        return {name: await self.write(name, value) for name, value in values}

    @abc.abstractmethod
    async def subscribe(
        self, names: Sequence[str], callback: DataChangeCallback, interval_s: float
    ) -> None:
        """Call back on every change of the named tags (OPC UA subscription, Modbus polling)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connection and cancel subscriptions; safe to call twice."""
