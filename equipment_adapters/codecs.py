"""Modbus value codecs: DataType <-> 16-bit registers or bits, with per-device word order.

Pure functions on plain lists, so every conversion is unit-tested without a server. Bytes inside a
register are always big-endian (Modbus); only the order of the words is a device setting:
"big" = most significant word first (ABCD), "little" = least significant word first (CDAB; for
float64 the four words are reversed). Strings are byte sequences and ignore word order.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence

from equipment_adapters.tags import DataType, ModbusTable, TagSpec

Value = float | int | bool | str

_STRUCT = {
    DataType.INT16: "h",
    DataType.UINT16: "H",
    DataType.INT32: "i",
    DataType.UINT32: "I",
    DataType.FLOAT32: "f",
    DataType.FLOAT64: "d",
}
_INT_RANGE = {
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
}
STRING_ENCODING = "latin-1"  # one byte per character, so every register pair decodes
WORD_ORDERS = ("big", "little")

# A decoder takes a response's items and the offset of the tag in them; made once per tag by
# register_decoder, so a poll does no format building, dispatch on the type or word reordering.
Decoder = Callable[[Sequence[int], int], "Value"]


def is_bit_table(table: ModbusTable) -> bool:
    """True for the tables addressed in bits (coils, discrete inputs)."""
    return table in (ModbusTable.COIL, ModbusTable.DISCRETE_INPUT)


def decode_number(data_type: DataType, registers: Sequence[int], word_order: str = "big") -> float | int:
    """Decode a numeric type from its registers in the device's word order."""
    words = _ordered(list(registers), word_order)
    raw = b"".join(word.to_bytes(2, "big") for word in words)
    return struct.unpack(">" + _STRUCT[data_type], raw)[0]


def encode_number(data_type: DataType, value: float | int, word_order: str = "big") -> list[int]:
    """Encode a numeric value into registers; ValueError when it does not fit the type."""
    code = _STRUCT[data_type]
    if data_type in _INT_RANGE:
        value = checked_int(data_type, value)
    raw = struct.pack(">" + code, value)
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return _ordered(words, word_order)


def decode_string(registers: Sequence[int]) -> str:
    """Two characters per register, high byte first; trailing NUL padding removed."""
    raw = b"".join(word.to_bytes(2, "big") for word in registers)
    return raw.rstrip(b"\x00").decode(STRING_ENCODING)


def encode_string(text: str, length: int) -> list[int]:
    """Encode into exactly `length` registers, NUL padded; ValueError when too long or not latin-1."""
    raw = text.encode(STRING_ENCODING)
    if len(raw) > 2 * length:
        raise ValueError(f"{len(raw)} characters do not fit in {length} registers")
    raw = raw.ljust(2 * length, b"\x00")
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def decode_bit(register: int, bit: int) -> bool:
    """Bit `bit` (0 = least significant) of a register."""
    return bool((register >> _checked_bit(bit)) & 1)


def with_bit(register: int, bit: int, on: bool) -> int:
    """The register with bit `bit` set or cleared, other bits unchanged."""
    mask = 1 << _checked_bit(bit)
    return (register | mask) if on else (register & ~mask & 0xFFFF)


def decode_registers(tag: TagSpec, registers: Sequence[int], word_order: str) -> Value:
    """Raw (unscaled) value of a register-table tag from exactly its registers."""
    if tag.data_type is DataType.STRING:
        return decode_string(registers)
    if tag.data_type is DataType.BIT:
        return decode_bit(registers[0], _tag_bit(tag))
    if tag.data_type is DataType.BOOL:
        return registers[0] != 0
    return decode_number(tag.data_type, registers, word_order)


def encode_registers(tag: TagSpec, raw: Value, word_order: str) -> list[int]:
    """Registers for a raw value of a register-table tag (BIT needs the current word: use with_bit)."""
    if tag.data_type is DataType.STRING:
        if not isinstance(raw, str):
            raise ValueError(f"string tag needs text, got {raw!r}")
        return encode_string(raw, tag.register_count())
    if tag.data_type is DataType.BOOL:
        return [1 if raw else 0]
    if tag.data_type is DataType.BIT:
        raise ValueError("a bit is written by read-modify-write of its register")
    if isinstance(raw, str):
        raise ValueError(f"numeric tag needs a number, got {raw!r}")
    return encode_number(tag.data_type, raw, word_order)


def register_decoder(tag: TagSpec, word_order: str) -> Decoder:
    """The raw-value decoder of a tag, equal to decode_registers (or the bit of a bit table), precompiled."""
    if word_order not in WORD_ORDERS:
        raise ValueError(f"word order must be 'big' or 'little', not {word_order!r}")
    if tag.modbus is not None and is_bit_table(tag.modbus.table):
        return lambda items, at: bool(items[at])
    data_type = tag.data_type
    if data_type is DataType.BOOL:
        return lambda items, at: items[at] != 0
    if data_type is DataType.BIT:
        mask = 1 << _checked_bit(_tag_bit(tag))
        return lambda items, at: (items[at] & mask) != 0
    if data_type is DataType.UINT16:
        return lambda items, at: items[at]
    if data_type is DataType.STRING:
        return _string_decoder(tag.register_count())
    return _number_decoder(data_type, tag.register_count(), word_order == "little")


def _string_decoder(length: int) -> Decoder:
    pack = struct.Struct(f">{length}H").pack

    def decode_text(items: Sequence[int], at: int) -> str:
        return pack(*items[at : at + length]).rstrip(b"\x00").decode(STRING_ENCODING)

    return decode_text


def _number_decoder(data_type: DataType, count: int, reverse: bool) -> Decoder:
    pack = struct.Struct(f">{count}H").pack
    unpack = struct.Struct(">" + _STRUCT[data_type]).unpack
    if count == 1:  # int16
        return lambda items, at: unpack(pack(items[at]))[0]
    if reverse:
        return lambda items, at: unpack(pack(*items[at : at + count][::-1]))[0]
    return lambda items, at: unpack(pack(*items[at : at + count]))[0]


def decode(tag: TagSpec, words: Sequence[int] | Sequence[bool], word_order: str) -> Value:
    """Engineering value of a tag from its registers or its single bit."""
    if tag.modbus is not None and is_bit_table(tag.modbus.table):
        return bool(words[0])
    return tag.to_engineering(decode_registers(tag, [int(w) for w in words], word_order))


def values_match(data_type: DataType, written: Value, read_back: Value) -> bool:
    """Whether a read-back equals what was written; float32 compared at float32 precision."""
    if data_type is DataType.FLOAT32:
        return math.isclose(_as_float32(written), _as_float32(read_back), rel_tol=1e-6, abs_tol=1e-9)
    if data_type is DataType.FLOAT64:
        return math.isclose(float(written), float(read_back), rel_tol=1e-12, abs_tol=1e-12)
    if data_type in (DataType.BOOL, DataType.BIT):
        return bool(written) == bool(read_back)
    return written == read_back


def _as_float32(value: Value) -> float:
    return struct.unpack(">f", struct.pack(">f", float(value)))[0]


def _ordered(words: list[int], word_order: str) -> list[int]:
    if word_order not in WORD_ORDERS:
        raise ValueError(f"word order must be 'big' or 'little', not {word_order!r}")
    return words[::-1] if word_order == "little" else words


def checked_int(data_type: DataType, value: float | int) -> int:
    """The value as an int of that type; ValueError when fractional or out of range."""
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not an integer for {data_type}")
    low, high = _INT_RANGE[data_type]
    if not low <= value <= high:
        raise ValueError(f"{value!r} is outside {data_type} range {low}..{high}")
    return int(value)


def _checked_bit(bit: int) -> int:
    if not 0 <= bit <= 15:
        raise ValueError(f"bit must be 0..15, not {bit}")
    return bit


def _tag_bit(tag: TagSpec) -> int:
    if tag.modbus is None or tag.modbus.bit is None:
        raise ValueError(f"bit tag {tag.name!r} has no bit number")
    return tag.modbus.bit
