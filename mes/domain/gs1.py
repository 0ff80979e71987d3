"""GS1 identifiers: GTIN check digits (DOMAIN.md §3)."""

from __future__ import annotations


def gtin_check_digit(body: str) -> int:
    """The check digit for a GTIN body (all digits but the last): weights 3,1,3,1… from the right."""
    if not body.isdigit():
        raise ValueError(f"GTIN body must be digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_check_digit_ok(gtin: str) -> bool:
    """True when a GTIN-8/12/13/14 ends in its correct check digit."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    return gtin_check_digit(gtin[:-1]) == int(gtin[-1])
