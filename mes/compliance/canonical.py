"""Canonical JSON of signed content: the same facts always give the same bytes, hence the same SHA-256.

Rules (docs/electronic-signatures.md): keys sorted, no whitespace, UTF-8 (not \\u-escaped);
integers as JSON integers; Decimal and float as the shortest plain decimal text ("1.5", never
"1.50" or "1.5E+0"), so a value read back from NUMERIC and the one typed in hash alike; dates
ISO 8601; datetimes UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (naive ones are refused); enums by value;
tuples as lists; sets as sorted lists.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID


def canonical_json(content: Mapping[str, Any]) -> str:
    """The canonical JSON text of a mapping."""
    return json.dumps(normalise(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON's UTF-8 bytes."""
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def normalise(value: Any) -> Any:
    """The value as plain JSON types, by the rules above."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Enum):
        return normalise(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, (Decimal, float)):
        return _decimal_text(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("signed content may not hold a naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((normalise(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def _decimal_text(value: Decimal | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("signed content may not hold NaN or infinity")
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite():
        raise ValueError("signed content may not hold NaN or infinity")
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text
