"""What a component scan identifies: a GS1 code, an internal label, or the bare serial of a unit.

Internal label format (for material without a GS1 code, printed at goods receipt):

    MES1|PN:<part number>|LOT:<lot>|SN:<serial>|QTY:<quantity>|EXP:<YYYY-MM-DD>

`MES1|` starts it; fields are `KEY:value` separated by `|`, in any order; PN is required, the others
optional; values may not contain `|`. Anything that is neither GS1 nor MES1 is taken as the serial
of a unit made on this site (a subassembly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from mes.domain.errors import DomainError
from mes.domain.gs1_scan import looks_like_gs1, parse_element_string

INTERNAL_PREFIX = "MES1|"
INTERNAL_KEYS = {"PN", "LOT", "SN", "QTY", "EXP"}


class MalformedLabel(DomainError):
    code = "label_malformed"
    kind = "invalid"
    message_en = "The internal label cannot be read"
    message_ru = "Внутреннюю этикетку невозможно прочитать"


@dataclass(frozen=True)
class ScannedIdentity:
    """What a scan names; `source` is "gs1", "internal" or "serial"."""

    source: str
    gtin: str | None = None
    part_number: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    quantity: Decimal | None = None


def parse_scan(text: str, today: date | None = None) -> ScannedIdentity:
    """Classify and parse a component scan."""
    text = text.strip("\r\n ")
    if not text:
        raise MalformedLabel("empty scan")
    if text.startswith(INTERNAL_PREFIX):
        return parse_internal_label(text)
    if looks_like_gs1(text) or (text[:2] == "01" and text[2:16].isdigit() and len(text) >= 16):
        es = parse_element_string(text, today)
        qty = Decimal(es.count) if es.count is not None else None
        return ScannedIdentity("gs1", gtin=es.gtin, lot=es.lot, serial=es.serial, expiry=es.expiry,
                               quantity=qty, part_number=es.additional_id)
    return ScannedIdentity("serial", serial=text)


def parse_internal_label(text: str) -> ScannedIdentity:
    """Parse `MES1|PN:…|LOT:…`; raise MalformedLabel naming the bad field."""
    values: dict[str, str] = {}
    for part in text[len(INTERNAL_PREFIX):].split("|"):
        key, sep, value = part.partition(":")
        if not sep or key not in INTERNAL_KEYS or not value or key in values:
            raise MalformedLabel(f"field {part!r}")
        values[key] = value
    if "PN" not in values:
        raise MalformedLabel("PN is required")
    return ScannedIdentity("internal", part_number=values["PN"], lot=values.get("LOT"),
                           serial=values.get("SN"), quantity=_quantity(values.get("QTY")),
                           expiry=_iso_date(values.get("EXP")))


def format_internal_label(part_number: str, lot: str | None = None, serial: str | None = None,
                          quantity: Decimal | None = None, expiry: date | None = None) -> str:
    """The text of an internal label (the inverse of parse_internal_label)."""
    fields = {"PN": part_number, "LOT": lot, "SN": serial, "QTY": quantity,
              "EXP": expiry.isoformat() if expiry else None}
    for value in fields.values():
        if value is not None and "|" in str(value):
            raise MalformedLabel(f"'|' in {value!r}")
    return INTERNAL_PREFIX + "|".join(f"{k}:{v}" for k, v in fields.items() if v is not None)


def _quantity(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        qty = Decimal(value)
    except InvalidOperation as exc:
        raise MalformedLabel(f"QTY {value!r}") from exc
    if not qty.is_finite() or qty <= 0:
        raise MalformedLabel(f"QTY {value!r}")
    return qty


def _iso_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise MalformedLabel(f"EXP {value!r}") from exc
