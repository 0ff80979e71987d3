"""Group commit of results: those captured while a commit runs go into the next one, together."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from mes.edge.result_store import Recorded
from mes.edge.results import ResultBlock
from mes.edge.sink import ResultSink
from mes.edge.workers import in_thread

MAX_BATCH = 50


class ResultWriter:
    """Awaitable store for the capture loops of every machine; one commit in flight at a time.

    With SQLite one writer at a time is all there is, and on PostgreSQL the audit chain serialises
    appends: twenty stations finishing in the same scan would otherwise queue twenty commits.
    """

    def __init__(self, sink: ResultSink, executor: Executor | None = None) -> None:
        self.sink = sink
        self.executor = executor
        self._pending: list[tuple[ResultBlock, asyncio.Future[Recorded]]] = []
        self._task: asyncio.Task[None] | None = None

    async def store(self, block: ResultBlock) -> Recorded:
        """Make the result durable (database or spool); raises what the sink raised for its batch."""
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._pending.append((block, future))
        if self._task is None or self._task.done():
            # A task of its own: no capture loop is kept busy committing for the others.
            self._task = asyncio.create_task(self._flush(), name="edge:result-writer")
        return await future

    async def drain(self) -> None:
        """Wait until every result handed over is committed or spooled (at shutdown)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                outcomes = await in_thread(self.executor, self.sink.store_many, [b for b, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
