"""Reconnect backoff and health logging rules."""

from __future__ import annotations

import asyncio
import logging

import pytest

from equipment_adapters.base import DeviceHealth
from equipment_adapters.errors import DeviceUnavailable
from equipment_adapters.supervisor import Backoff, HealthTracker, Supervisor


def test_backoff_doubles_from_the_initial_delay_and_stops_at_the_cap():
    backoff = Backoff(initial_s=0.2, max_s=1.5, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 7)] == pytest.approx([0.2, 0.4, 0.8, 1.5, 1.5, 1.5])


def test_jitter_only_shortens_the_delay_so_the_cap_holds():
    backoff = Backoff(initial_s=0.2, max_s=1.5, jitter=0.2)
    assert backoff.delay(10, rand=lambda: 0.0) == pytest.approx(1.5)
    assert backoff.delay(10, rand=lambda: 1.0) == pytest.approx(1.2)


def test_first_failure_logs_error_repeats_debug_and_recovery_info(caplog):
    health = DeviceHealth()
    tracker = HealthTracker("PRESS-1", health, logging.getLogger("equipment_adapters.test"))
    caplog.set_level(logging.DEBUG, logger="equipment_adapters.test")
    error = DeviceUnavailable("PRESS-1", "127.0.0.1:502", "refused")
    tracker.failed(error, link_lost=True)
    tracker.failed(error, link_lost=True)
    tracker.succeeded()
    assert [r.levelno for r in caplog.records] == [logging.ERROR, logging.DEBUG, logging.INFO]
    assert all("PRESS-1" in r.getMessage() for r in caplog.records)
    assert health.connected and health.consecutive_failures == 0 and health.last_good_at is not None
    assert "refused" in (health.last_error or "")


async def test_supervisor_waits_between_attempts_instead_of_spinning():
    attempts: list[float] = []

    async def never_connects() -> None:
        attempts.append(asyncio.get_running_loop().time())
        raise DeviceUnavailable("X", "x", "down")

    supervisor = Supervisor(never_connects, lambda: False, Backoff(initial_s=0.05, max_s=0.2, jitter=0.0))
    supervisor.start()
    await asyncio.sleep(0.5)
    await supervisor.stop()
    # 0.05 + 0.1 + 0.2 + 0.2 ... : at most 5 attempts in half a second
    assert 2 <= len(attempts) <= 5


async def test_supervisor_stays_idle_while_connected_and_reconnects_when_told():
    state = {"up": False, "calls": 0}

    async def connect() -> None:
        state["calls"] += 1
        state["up"] = True

    supervisor = Supervisor(connect, lambda: state["up"], Backoff(initial_s=0.01, max_s=5.0))
    supervisor.start()
    await asyncio.sleep(0.1)
    assert state["calls"] == 1
    state["up"] = False
    supervisor.link_lost()
    await asyncio.sleep(0.05)
    assert state["calls"] == 2
    await supervisor.stop()
