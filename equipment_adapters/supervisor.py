"""Keeping a device connected: capped exponential backoff with jitter, health, quiet repeat logging."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from equipment_adapters.base import DeviceHealth


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: initial_s doubling up to max_s, each shortened by up to `jitter` (a fraction)."""

    initial_s: float = 0.2
    max_s: float = 1.5  # keeps reconnection within 2 s of the device coming back
    factor: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based); never above max_s."""
        base = min(self.max_s, self.initial_s * self.factor ** max(0, attempt - 1))
        # Jitter only shortens the wait, so the cap stays a promise and devices restarted
        # together are not hammered in lockstep by every edge.
        return base * (1.0 - self.jitter * rand())


class HealthTracker:
    """Keeps DeviceHealth current and logs: first failure ERROR, repeats DEBUG, recovery INFO."""

    def __init__(self, device: str, health: DeviceHealth, logger: logging.Logger) -> None:
        self.device = device
        self.health = health
        self.logger = logger

    def succeeded(self) -> None:
        """Record a good answer from the device."""
        if self.health.consecutive_failures:
            self.logger.info(
                "%s: recovered after %d failure(s)", self.device, self.health.consecutive_failures
            )
        self.health.connected = True
        self.health.last_good_at = datetime.now(UTC)
        self.health.consecutive_failures = 0

    def failed(self, error: Exception, link_lost: bool) -> None:
        """Record a failure; `link_lost` marks the connection down so the supervisor reconnects."""
        first = self.health.consecutive_failures == 0
        self.health.consecutive_failures += 1
        self.health.last_error = str(error)
        if link_lost:
            self.health.connected = False
        level = logging.ERROR if first else logging.DEBUG
        self.logger.log(level, "%s: %s (failure %d)", self.device, error, self.health.consecutive_failures)


class Supervisor:
    """A task that reconnects whenever the link is down, sleeping a backoff between attempts."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[None]],
        is_connected: Callable[[], bool],
        backoff: Backoff | None = None,
    ) -> None:
        self._connect = connect
        self._is_connected = is_connected
        self.backoff = backoff or Backoff()
        self.attempts = 0  # total connect attempts, for tests and diagnostics
        self._link_lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        """True while the supervision task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start supervising (idempotent); must be called inside the running loop."""
        if not self.running:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="equipment-supervisor")

    def link_lost(self) -> None:
        """Wake the loop at once: the adapter saw the connection drop."""
        self._link_lost.set()

    async def stop(self) -> None:
        """Cancel the task and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        # The flag as well as cancel(): a library call inside connect may swallow the cancellation.
        self._stopping = True
        self._link_lost.set()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if asyncio.current_task() is task:  # pragma: no cover - never stopped from inside
                raise

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._link_lost.clear()  # before the check, so a loss reported after it still wakes us
            if self._is_connected():
                failures = 0
                await self._wait_for_loss()
                continue
            self.attempts += 1
            # Any error is swallowed: a dead supervisor would leave the device down for good.
            # The adapter has already logged it and updated health.
            with contextlib.suppress(Exception):
                await self._connect()
            if not self._is_connected() and not self._stopping:
                failures += 1
                await asyncio.sleep(self.backoff.delay(failures))

    async def _wait_for_loss(self) -> None:
        # Event-driven, with a slow re-check so a missed notification cannot stall us forever.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._link_lost.wait(), timeout=self.backoff.max_s)
