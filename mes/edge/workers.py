"""Thread pools the edge owns for blocking work (database, checks), shut down when the edge stops."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
IDLE_S = 0.25  # how often a loop looks whether its disconnected machine is back


async def in_thread(executor: Executor | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call in `executor` (None: the loop's default pool) without blocking the loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))


class EdgeWorkers:
    """Separate pools, so status writes stuck on a dead database never delay a result or an interlock."""

    def __init__(self) -> None:
        self.database = ThreadPoolExecutor(max_workers=4, thread_name_prefix="edge-db")  # status, jobs
        self.results = ThreadPoolExecutor(max_workers=2, thread_name_prefix="edge-results")  # store or spool
        self.checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="edge-check")  # interlock checks

    def shutdown(self) -> None:
        """Stop the pools; a check still running past its deadline is not waited for."""
        self.database.shutdown(wait=True)
        self.results.shutdown(wait=True)
        self.checks.shutdown(wait=False, cancel_futures=True)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep between polls; a plain sleep (no task per wait) keeps hundreds of idle loops cheap."""
    if not stop.is_set():
        await asyncio.sleep(seconds)
