"""The hash chain: canonical serialisation of an audit entry and its SHA-256, with no database.

Canonical form (documented in docs/audit-trail.md so anyone can recompute it): a JSON object of
the HASHED_FIELDS, keys sorted, no whitespace, UTF-8, the timestamp as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``. For the value types used (strings, integers, null) this equals
RFC 8785 (JSON Canonicalization Scheme).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

GENESIS_HASH = "0" * 64  # prev_hash of the first entry

HASHED_FIELDS = (
    "id", "ts_utc", "user_id", "user_name", "action", "entity", "entity_id", "field",
    "old_value", "new_value", "reason", "workstation", "app_version", "prev_hash",
)

_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def format_ts(ts: datetime) -> str:
    """The canonical text of a timestamp: UTC, microseconds, 'Z'."""
    if ts.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed for an entry (its HASHED_FIELDS, row_hash excluded)."""
    values = {name: entry[name] for name in HASHED_FIELDS}
    values["ts_utc"] = format_ts(values["ts_utc"])
    return _canonical_json(values).encode()


def compute_row_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the entry's canonical bytes; prev_hash is inside, which makes the chain."""
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def chain(entries: Iterable[dict[str, Any]], last_id: int, last_hash: str) -> Iterator[dict[str, Any]]:
    """Number and link entries after (last_id, last_hash), setting id, prev_hash and row_hash."""
    for entry in entries:
        last_id += 1
        entry["id"] = last_id
        entry["prev_hash"] = last_hash
        entry["row_hash"] = last_hash = compute_row_hash(entry)
        yield entry


def encode_value(value: Any) -> str | None:
    """A value as the JSON text stored in old_value/new_value; None stays NULL (no value)."""
    if value is None:
        return None
    return json.dumps(value, default=_jsonable, sort_keys=True, ensure_ascii=False)


def decode_value(text: str | None) -> Any:
    """The value back from its stored JSON text."""
    return None if text is None else json.loads(text)


def _jsonable(value: Any) -> Any:
    # Types an ORM column commonly holds that JSON lacks; anything else is a programming error.
    if isinstance(value, datetime):
        return format_ts(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")
