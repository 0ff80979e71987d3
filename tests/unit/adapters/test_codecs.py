"""Modbus codecs against known register images."""

from __future__ import annotations

import pytest

from equipment_adapters import codecs
from equipment_adapters.tags import DataType, ModbusAddress, ModbusTable, TagSpec


def _tag(data_type: DataType, **address: object) -> TagSpec:
    return TagSpec("t", data_type, modbus=ModbusAddress(ModbusTable.HOLDING_REGISTER, 0, **address))


def test_float32_123456_is_47f1_2000_big_endian_and_swapped_words_little():
    assert codecs.encode_number(DataType.FLOAT32, 123456.0, "big") == [0x47F1, 0x2000]
    assert codecs.encode_number(DataType.FLOAT32, 123456.0, "little") == [0x2000, 0x47F1]
    assert codecs.decode_number(DataType.FLOAT32, [0x47F1, 0x2000], "big") == 123456.0
    assert codecs.decode_number(DataType.FLOAT32, [0x2000, 0x47F1], "little") == 123456.0


def test_float64_reverses_all_four_words_in_little_order():
    big = codecs.encode_number(DataType.FLOAT64, 1.5, "big")
    assert big == [0x3FF8, 0, 0, 0]
    assert codecs.encode_number(DataType.FLOAT64, 1.5, "little") == [0, 0, 0, 0x3FF8]
    assert codecs.decode_number(DataType.FLOAT64, [0, 0, 0, 0x3FF8], "little") == 1.5


@pytest.mark.parametrize(
    ("data_type", "value", "registers"),
    [
        (DataType.INT16, -1, [0xFFFF]),
        (DataType.INT16, -32768, [0x8000]),
        (DataType.UINT16, 65535, [0xFFFF]),
        (DataType.INT32, -2, [0xFFFF, 0xFFFE]),
        (DataType.INT32, -(2**31), [0x8000, 0x0000]),
        (DataType.UINT32, 2**32 - 1, [0xFFFF, 0xFFFF]),
        (DataType.UINT32, 65536, [0x0001, 0x0000]),
        (DataType.UINT32, 0, [0, 0]),
    ],
)
def test_integers_round_trip_through_known_register_images(data_type, value, registers):
    assert codecs.encode_number(data_type, value, "big") == registers
    assert codecs.decode_number(data_type, registers, "big") == value


def test_uint32_counter_just_past_rollover_is_refused_not_wrapped():
    with pytest.raises(ValueError, match="outside"):
        codecs.encode_number(DataType.UINT32, 2**32, "big")
    with pytest.raises(ValueError, match="outside"):
        codecs.encode_number(DataType.UINT16, -1, "big")


def test_a_fractional_value_is_refused_for_an_integer_type():
    with pytest.raises(ValueError, match="not an integer"):
        codecs.encode_number(DataType.INT16, 1.5, "big")


def test_strings_are_two_characters_per_register_nul_padded():
    assert codecs.encode_string("ABC", 3) == [0x4142, 0x4300, 0x0000]
    assert codecs.decode_string([0x4142, 0x4300, 0x0000]) == "ABC"
    assert codecs.decode_string(codecs.encode_string("Zürich", 4)) == "Zürich"


def test_a_string_longer_than_its_registers_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        codecs.encode_string("ABCDE", 2)


def test_bits_of_a_word_are_read_and_set_without_touching_the_others():
    assert codecs.decode_bit(0b1000_0000_0000_0100, 2) is True
    assert codecs.decode_bit(0b1000_0000_0000_0100, 15) is True
    assert codecs.decode_bit(0b1000_0000_0000_0100, 3) is False
    assert codecs.with_bit(0x8004, 0, True) == 0x8005
    assert codecs.with_bit(0x8004, 15, False) == 0x0004
    with pytest.raises(ValueError):
        codecs.with_bit(0, 16, True)


def test_decode_applies_gain_and_offset_to_a_tag():
    tag = TagSpec("temp", DataType.INT16, modbus=ModbusAddress(ModbusTable.INPUT_REGISTER, 0), gain=0.1,
                  offset=-40.0)
    assert codecs.decode(tag, [650], "big") == pytest.approx(25.0)
    assert tag.to_raw(25.0) == 650


def test_a_bit_tag_and_a_bool_register_decode_as_booleans():
    assert codecs.decode_registers(_tag(DataType.BIT, bit=3), [0b1000], "big") is True
    assert codecs.decode_registers(_tag(DataType.BOOL), [2], "big") is True
    assert codecs.encode_registers(_tag(DataType.BOOL), True, "big") == [1]


def test_an_unknown_word_order_is_refused():
    with pytest.raises(ValueError, match="word order"):
        codecs.encode_number(DataType.INT32, 1, "middle")


def test_float32_read_back_matches_at_float32_precision_only():
    assert codecs.values_match(DataType.FLOAT32, 0.1, 0.10000000149011612)
    assert not codecs.values_match(DataType.FLOAT32, 0.1, 0.1001)
    assert not codecs.values_match(DataType.INT32, 5, 6)


@pytest.mark.parametrize("word_order", ["big", "little"])
@pytest.mark.parametrize("data_type", [t for t in DataType if t is not DataType.BIT])
def test_the_precompiled_decoder_equals_decode_registers_at_any_offset(data_type, word_order):
    import random

    rng = random.Random(7)
    tag = _tag(data_type, length=5)
    size = tag.register_count()
    decoder = codecs.register_decoder(tag, word_order)
    for offset in (0, 3):
        for _ in range(200):
            items = [rng.randrange(0x10000) for _ in range(offset + size + 2)]
            expected = codecs.decode_registers(tag, items[offset : offset + size], word_order)
            got = decoder(items, offset)
            assert got == expected or (got != got and expected != expected)  # NaN images stay NaN
            assert type(got) is type(expected)


def test_the_precompiled_decoder_reads_bits_and_bit_tables():
    for bit in (0, 7, 15):
        decoder = codecs.register_decoder(_tag(DataType.BIT, bit=bit), "big")
        assert decoder([0, 1 << bit], 1) is True
        assert decoder([0, 0xFFFF ^ (1 << bit)], 1) is False
    coil = TagSpec("c", DataType.BOOL, modbus=ModbusAddress(ModbusTable.COIL, 0))
    assert codecs.register_decoder(coil, "big")([False, True], 1) is True
    with pytest.raises(ValueError, match="word order"):
        codecs.register_decoder(_tag(DataType.FLOAT32), "middle")
