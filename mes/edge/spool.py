"""The store-and-forward spool: results kept durably on the edge while the database is away.

A SQLite file of its own (WAL, synchronous=FULL: a commit returns only after fsync), so a result
the PLC was acked for survives a crash or power loss of the edge. One row per (equipment, sequence):
spooling the same result twice keeps one copy.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from mes.edge.results import ResultBlock

SCHEMA = """
CREATE TABLE IF NOT EXISTS spooled_result (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    equipment_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (equipment_id, sequence)
)
"""


@dataclass(frozen=True)
class SpooledResult:
    """A result waiting in the spool, with its position (replayed in id order)."""

    id: int
    block: ResultBlock


class Spool:
    """A durable FIFO of results; thread-safe (the edge writes it from worker threads)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # autocommit mode: every statement below is its own durable transaction.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # fsync on every commit: the ack waits for the disk
        self._db.execute(SCHEMA)

    def put(self, block: ResultBlock) -> bool:
        """Store durably; False when this (equipment, sequence) was already spooled."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO spooled_result (equipment_id, sequence, payload) VALUES (?, ?, ?)",
                (block.equipment_id, block.sequence, json.dumps(block.to_json())))
            return cursor.rowcount == 1

    def holds(self, equipment_id: int) -> bool:
        """True while results of this equipment wait: newer ones must queue behind them."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM spooled_result WHERE equipment_id = ? LIMIT 1",
                                   (equipment_id,)).fetchone()
            return row is not None

    def oldest(self, limit: int = 100) -> list[SpooledResult]:
        """The oldest waiting results, first spooled first."""
        with self._lock:
            rows = self._db.execute("SELECT id, payload FROM spooled_result ORDER BY id LIMIT ?",
                                    (limit,)).fetchall()
        return [SpooledResult(row[0], ResultBlock.from_json(json.loads(row[1]))) for row in rows]

    def remove(self, entry_id: int) -> None:
        """Forget a result once the database has it."""
        self.remove_many([entry_id])

    def remove_many(self, entry_ids: list[int]) -> None:
        """Forget results once the database has them (one durable transaction)."""
        with self._lock:
            self._db.execute(f"DELETE FROM spooled_result WHERE id IN ({','.join('?' * len(entry_ids))})",
                             entry_ids)

    def count(self) -> int:
        """How many results wait."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM spooled_result").fetchone()[0]

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self._db.close()
