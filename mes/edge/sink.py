"""Where a captured result goes: the database, or the spool while the database is away; and replay."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mes.edge.result_store import OnResult, Recorded, record_result, record_results
from mes.edge.results import ResultBlock
from mes.edge.spool import Spool

log = logging.getLogger("mes.edge.results")


class ResultSink:
    """Stores results durably (database or spool) and replays the spool in order; blocking calls."""

    def __init__(self, factory: sessionmaker[Session], spool: Spool, edge_id: str,
                 on_result: OnResult | None = None) -> None:
        self.factory = factory
        self.spool = spool
        self.edge_id = edge_id
        self.on_result = on_result
        self.database_up = True
        self.counts = {outcome: 0 for outcome in Recorded}
        self._replay_lock = threading.Lock()  # one replay at a time, so the spool drains in order

    def store(self, block: ResultBlock) -> Recorded:
        """Make the result durable; only after this returns may the PLC be acked."""
        # Results of a machine whose earlier results still wait in the spool queue behind them:
        # the database must receive every machine's results in sequence order.
        if self.spool.holds(block.equipment_id):
            return self._to_spool(block)
        try:
            outcome = record_result(self.factory, block, edge_id=self.edge_id, on_result=self.on_result)
        except DBAPIError as exc:
            self._database_down(exc)
            return self._to_spool(block)
        self._database_back()
        self.counts[outcome] += 1
        return outcome

    def store_many(self, blocks: list[ResultBlock]) -> list[Recorded]:
        """store() for results that arrived together, committed in one transaction (group commit)."""
        direct = [b for b in blocks if not self.spool.holds(b.equipment_id)]
        direct_ids = {id(b) for b in direct}
        try:
            outcomes = iter(record_results(self.factory, direct, edge_id=self.edge_id, on_result=self.on_result)
                            if direct else [])
        except DBAPIError as exc:
            self._database_down(exc)
            return [self._to_spool(b) for b in blocks]
        if direct:
            self._database_back()
        results = [next(outcomes) if id(b) in direct_ids else self._to_spool(b) for b in blocks]
        for outcome in results:
            if outcome is not Recorded.SPOOLED:
                self.counts[outcome] += 1
        return results

    def replay(self) -> int:
        """Move spooled results into the database, oldest first; stops at the first database error."""
        if not self._replay_lock.acquire(blocking=False):
            return 0
        try:
            return self._replay()
        finally:
            self._replay_lock.release()

    def _replay(self) -> int:
        moved = 0
        while batch := self.spool.oldest():
            try:
                # One transaction per batch, in spool order (so per machine in sequence order).
                outcomes = record_results(self.factory, [entry.block for entry in batch], edge_id=self.edge_id,
                                          spooled=True, on_result=self.on_result)
            except DBAPIError as exc:
                self._database_down(exc)
                return moved
            self._database_back()
            # Only after the commit: a crash in between replays them again, and the key skips them.
            self.spool.remove_many([entry.id for entry in batch])
            for outcome in outcomes:
                self.counts[outcome] += 1
            moved += len(batch)
        if moved:
            log.info("replayed %d spooled result(s) into the database", moved)
        return moved

    def _to_spool(self, block: ResultBlock) -> Recorded:
        if self.spool.put(block):
            self.counts[Recorded.SPOOLED] += 1
        return Recorded.SPOOLED

    def _database_down(self, exc: DBAPIError) -> None:
        level = logging.ERROR if self.database_up else logging.DEBUG
        log.log(level, "database unavailable, results go to the spool %s: %s", self.spool.path,
                str(exc).splitlines()[0])
        self.database_up = False

    def _database_back(self) -> None:
        if not self.database_up:
            log.info("database available again")
        self.database_up = True
