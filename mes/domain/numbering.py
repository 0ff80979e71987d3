"""Serial and lot numbers from a brand's scheme, e.g. "MT{yy}{seq:07d}" or "MT-{yyyy}{mm}-{seq:04d}"."""

from __future__ import annotations

import re
import string
from datetime import date

from mes.domain.errors import DomainError

FIELDS = {"yy", "yyyy", "mm", "dd", "seq"}
SEQ_WIDTH = re.compile(r"^0?(\d+)d$")


class BadScheme(DomainError):
    code = "bad_number_scheme"
    kind = "invalid"
    message_en = "The numbering scheme is not valid"
    message_ru = "Схема нумерации некорректна"


class SerialExhausted(DomainError):
    code = "serial_exhausted"
    kind = "conflict"
    message_en = "The numbering scheme has no numbers left"
    message_ru = "В схеме нумерации закончились номера"


def scheme_capacity(scheme: str) -> int:
    """The highest sequence number the scheme can print in its fixed width (a wider one would break it)."""
    width = _seq_width(scheme)
    return 10**width - 1


def _seq_width(scheme: str) -> int:
    seen: dict[str, str] = {}
    try:
        parsed = list(string.Formatter().parse(scheme))
    except ValueError as exc:
        raise BadScheme(scheme) from exc
    for _literal, name, spec, _conv in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            raise BadScheme(f"unknown field {{{name}}} in {scheme!r}")
        seen[name] = spec or ""
    if "seq" not in seen:
        raise BadScheme(f"no {{seq}} in {scheme!r}")
    match = SEQ_WIDTH.match(seen["seq"])
    if not match:
        raise BadScheme(f"{{seq}} needs a fixed width such as {{seq:07d}} in {scheme!r}")
    return int(match.group(1))


def format_number(scheme: str, seq: int, on: date) -> str:
    """The number for sequence `seq` printed on day `on`; SerialExhausted when seq overflows the width."""
    if seq < 1 or seq > scheme_capacity(scheme):
        raise SerialExhausted(f"{seq} does not fit {scheme!r}")
    return scheme.format(yy=f"{on.year % 100:02d}", yyyy=f"{on.year:04d}", mm=f"{on.month:02d}",
                         dd=f"{on.day:02d}", seq=seq)


def format_numbers(scheme: str, first: int, count: int, on: date) -> list[str]:
    """`count` consecutive numbers starting at sequence `first`."""
    if count < 1:
        raise BadScheme("count must be at least 1")
    if first + count - 1 > scheme_capacity(scheme):
        raise SerialExhausted(f"{first + count - 1} does not fit {scheme!r}")
    return [format_number(scheme, seq, on) for seq in range(first, first + count)]
