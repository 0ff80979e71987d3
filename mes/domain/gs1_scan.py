"""GS1 element strings as scanned (DataMatrix / GS1-128) or printed (HRI): parsed into typed fields.

DOMAIN.md §3. A scanner reports FNC1 in first position as a symbology identifier (`]d2`, `]C1`, `]Q3`)
and every later FNC1 as GS (0x1D). Fixed-length AIs need no separator; variable-length ones end at GS
or at the end of the data. The HRI form puts each AI in parentheses.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from mes.domain.errors import DomainError
from mes.domain.gs1 import gtin_check_digit_ok

GS = "\x1d"
SYMBOLOGY_PREFIXES = ("]d2", "]C1", "]Q3", "]e0")
# GS1 character set 82 (no space, no #$@[\]^`{|}~).
CSET82 = re.compile(r"""^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$""")


@dataclass(frozen=True)
class AISpec:
    """One application identifier: fixed length, or variable up to `max_len`; numeric or set 82."""

    ai: str
    name: str
    fixed: int | None = None
    max_len: int = 0
    numeric: bool = False
    date: bool = False


AIS: dict[str, AISpec] = {s.ai: s for s in (
    AISpec("00", "sscc", fixed=18, numeric=True),
    AISpec("01", "gtin", fixed=14, numeric=True),
    AISpec("02", "content_gtin", fixed=14, numeric=True),
    AISpec("10", "lot", max_len=20),
    AISpec("11", "production_date", fixed=6, numeric=True, date=True),
    AISpec("13", "packaging_date", fixed=6, numeric=True, date=True),
    AISpec("15", "best_before", fixed=6, numeric=True, date=True),
    AISpec("17", "expiry", fixed=6, numeric=True, date=True),
    AISpec("20", "variant", fixed=2, numeric=True),
    AISpec("21", "serial", max_len=20),
    AISpec("22", "consumer_variant", max_len=20),
    AISpec("240", "additional_id", max_len=30),
    AISpec("241", "customer_part_number", max_len=30),
    AISpec("250", "secondary_serial", max_len=30),
    AISpec("30", "count", max_len=8, numeric=True),
    AISpec("37", "count_of_units", max_len=8, numeric=True),
    AISpec("91", "company_internal_1", max_len=90),
    AISpec("92", "company_internal_2", max_len=90),
    AISpec("93", "company_internal_3", max_len=90),
)}


class MalformedScan(DomainError):
    """A scan that is not a valid GS1 element string."""

    code = "gs1_malformed"
    kind = "invalid"
    message_en = "The scanned code is not a valid GS1 code"
    message_ru = "Отсканированный код не является корректным кодом GS1"


class UnknownAI(MalformedScan):
    code = "gs1_unknown_ai"
    message_en = "The code contains an unknown GS1 application identifier"
    message_ru = "Код содержит неизвестный идентификатор применения GS1"


class TruncatedField(MalformedScan):
    code = "gs1_truncated"
    message_en = "A field of the code is shorter than its fixed length"
    message_ru = "Поле кода короче установленной длины"


class FieldTooLong(MalformedScan):
    code = "gs1_field_too_long"
    message_en = "A field of the code is longer than allowed (a missing GS separator?)"
    message_ru = "Поле кода длиннее допустимого (пропущен разделитель GS?)"


class BadCharacters(MalformedScan):
    code = "gs1_bad_characters"
    message_en = "A field of the code contains characters GS1 does not allow"
    message_ru = "Поле кода содержит символы, недопустимые в GS1"


class BadCheckDigit(MalformedScan):
    code = "gs1_bad_check_digit"
    message_en = "The GTIN check digit is wrong"
    message_ru = "Неверная контрольная цифра GTIN"


class BadDate(MalformedScan):
    code = "gs1_bad_date"
    message_en = "A date in the code is not a valid YYMMDD date"
    message_ru = "Дата в коде не является корректной датой ГГММДД"


class DuplicateAI(MalformedScan):
    code = "gs1_duplicate_ai"
    message_en = "An application identifier appears twice with different values"
    message_ru = "Идентификатор применения встречается дважды с разными значениями"


@dataclass(frozen=True)
class ElementString:
    """The parsed fields of a scan, keyed by AI; named accessors for the ones the MES uses."""

    fields: dict[str, str]
    dates: dict[str, date]

    @property
    def gtin(self) -> str | None:
        return self.fields.get("01")

    @property
    def lot(self) -> str | None:
        return self.fields.get("10")

    @property
    def serial(self) -> str | None:
        return self.fields.get("21")

    @property
    def expiry(self) -> date | None:
        return self.dates.get("17")

    @property
    def production_date(self) -> date | None:
        return self.dates.get("11")

    @property
    def additional_id(self) -> str | None:
        return self.fields.get("240")

    @property
    def count(self) -> int | None:
        return int(self.fields["30"]) if "30" in self.fields else None


def looks_like_gs1(text: str) -> bool:
    """True when the text carries a GS1 symbology prefix, starts with an AI in parentheses, or holds GS."""
    return text.startswith(SYMBOLOGY_PREFIXES) or text.startswith("(") or GS in text


def parse_element_string(text: str, today: date | None = None) -> ElementString:
    """Parse a scanned or HRI GS1 element string; raise a MalformedScan subclass saying what is wrong."""
    data = _strip_prefix(text.strip("\r\n"))
    if not data:
        raise MalformedScan("empty")
    pairs = _split_hri(data) if data.startswith("(") else _split_raw(data)
    fields: dict[str, str] = {}
    for ai, value in pairs:
        _check_value(AIS[ai], value)
        if fields.get(ai, value) != value:
            raise DuplicateAI(ai)
        fields[ai] = value
    today = today or date.today()
    dates = {ai: parse_yymmdd(v, today) for ai, v in fields.items() if AIS[ai].date}
    return ElementString(fields=fields, dates=dates)


def _strip_prefix(text: str) -> str:
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):].lstrip(GS)
    return text.lstrip(GS)  # some scanners send the leading FNC1 itself as GS


def _match_ai(data: str, pos: int) -> AISpec:
    for length in (2, 3, 4):
        spec = AIS.get(data[pos:pos + length])
        if spec is not None:
            return spec
    raise UnknownAI(f"at position {pos}: {data[pos:pos + 4]!r}")


def _split_raw(data: str) -> list[tuple[str, str]]:
    """Walk the data: a fixed field takes its length, a variable one runs to GS or the end."""
    pairs: list[tuple[str, str]] = []
    pos = 0
    while pos < len(data):
        spec = _match_ai(data, pos)
        pos += len(spec.ai)
        if spec.fixed is not None:
            value = data[pos:pos + spec.fixed]
            if len(value) < spec.fixed or GS in value:
                raise TruncatedField(f"AI {spec.ai}")
            pos += spec.fixed
            if data[pos:pos + 1] == GS:  # a redundant separator after a fixed field is tolerated
                pos += 1
        else:
            end = data.find(GS, pos)
            end = len(data) if end < 0 else end
            value = data[pos:end]
            pos = end + 1
        pairs.append((spec.ai, value))
    return pairs


HRI_FIELD = re.compile(r"\((\d{2,4})\)([^(]*)")


def _split_hri(data: str) -> list[tuple[str, str]]:
    """Split `(01)…(17)…(10)…`: the parentheses delimit the fields, so lengths need no walking."""
    pairs: list[tuple[str, str]] = []
    pos = 0
    for match in HRI_FIELD.finditer(data):
        if match.start() != pos:
            raise MalformedScan(f"unexpected text at position {pos}")
        ai = match.group(1)
        if ai not in AIS:
            raise UnknownAI(ai)
        pairs.append((ai, match.group(2)))
        pos = match.end()
    if pos != len(data):
        raise MalformedScan(f"unexpected text at position {pos}")
    return pairs


def _check_value(spec: AISpec, value: str) -> None:
    if spec.fixed is not None and len(value) != spec.fixed:
        raise (TruncatedField if len(value) < spec.fixed else FieldTooLong)(f"AI {spec.ai}")
    if spec.fixed is None and not 1 <= len(value) <= spec.max_len:
        raise (FieldTooLong if value else TruncatedField)(f"AI {spec.ai}: {len(value)} > {spec.max_len}")
    if spec.numeric and not value.isdigit():
        raise BadCharacters(f"AI {spec.ai} must be digits")
    if not CSET82.match(value):
        raise BadCharacters(f"AI {spec.ai}")
    if spec.ai in ("01", "02") and not gtin_check_digit_ok(value):
        raise BadCheckDigit(value)


def parse_yymmdd(value: str, today: date) -> date:
    """A GS1 date: century chosen within −49/+50 years of today (DOMAIN.md ⚠); DD=00 = last day of month."""
    if len(value) != 6 or not value.isdigit():
        raise BadDate(value)
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    year = _century(yy, today.year)
    if not 1 <= mm <= 12:
        raise BadDate(value)
    last = calendar.monthrange(year, mm)[1]
    if dd == 0:
        dd = last
    if dd > last:
        raise BadDate(value)
    return date(year, mm, dd)


# The sliding window is a GS1 General Specifications rule (7.12) remembered, not checked (DOMAIN.md ⚠):
# kept as a module constant so it is one edit away.
CENTURY_WINDOW_AHEAD = 50


def _century(yy: int, current_year: int) -> int:
    """The year ending in yy that lies in (current − 49 … current + 50)."""
    base = current_year - current_year % 100
    year = base + yy
    if year - current_year > CENTURY_WINDOW_AHEAD:
        year -= 100
    elif current_year - year >= 100 - CENTURY_WINDOW_AHEAD:
        year += 100
    return year


def to_hri(fields: dict[str, str]) -> str:
    """The human-readable form: each AI in parentheses, in the given order."""
    return "".join(f"({ai}){value}" for ai, value in fields.items())


def to_element_string(fields: dict[str, str]) -> str:
    """The encoded data (no FNC1 prefix): fixed-length AIs first, GS after every non-last variable field."""
    ordered = sorted(fields.items(), key=lambda kv: AIS[kv[0]].fixed is None)
    out: list[str] = []
    for index, (ai, value) in enumerate(ordered):
        out.append(ai + value)
        if AIS[ai].fixed is None and index < len(ordered) - 1:
            out.append(GS)
    return "".join(out)
