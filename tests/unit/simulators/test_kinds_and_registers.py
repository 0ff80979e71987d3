"""Measurements per kind, and the register image the Modbus simulator serves."""

from __future__ import annotations

import random

import pytest

from equipment_adapters.simulators.kinds import ATMOSPHERE_PA, KINDS, measure
from equipment_adapters.simulators.modbus_image import RegisterImage, changed_runs
from equipment_adapters.tags import DataType, DeviceSpec, ModbusAddress, ModbusTable, Protocol, TagSpec


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_good_units_pass_and_defective_units_fail_for_every_kind(kind):
    rng = random.Random(3)
    params = KINDS[kind].parameters
    assert all(measure(KINDS[kind], rng, params, "SN1", False)[1] for _ in range(200))
    assert not any(measure(KINDS[kind], rng, params, "SN1", True)[1] for _ in range(200))


def test_the_leak_rate_and_pressure_decay_agree_with_q_equals_dp_v_over_t():
    params = KINDS["leak_test"].parameters
    values, _ = measure(KINDS["leak_test"], random.Random(1), params, "SN1", False)
    q = values["result_delta_p"] / ATMOSPHERE_PA * params["test_volume"] * 60 / params["test_time"]
    assert q == pytest.approx(values["result_leak_rate"], rel=1e-3)


def test_the_laser_marks_gtin_and_serial_and_reads_them_back():
    values, passed = measure(KINDS["laser_marking"], random.Random(1), KINDS["laser_marking"].parameters,
                             "MT260000001", False)
    assert values["result_mark_data"] == "010460712300001421MT260000001"
    assert values["result_readback"] == values["result_mark_data"] and passed
    assert values["result_grade"] >= 2


def _device(word_order: str) -> DeviceSpec:
    hr = ModbusTable.HOLDING_REGISTER
    return DeviceSpec("D", Protocol.MODBUS_TCP, "127.0.0.1:1", word_order=word_order, tags=(
        TagSpec("f", DataType.FLOAT32, modbus=ModbusAddress(hr, 2)),
        TagSpec("s", DataType.STRING, modbus=ModbusAddress(hr, 4, length=2)),
        TagSpec("b", DataType.BIT, modbus=ModbusAddress(hr, 0, bit=3)),
        TagSpec("c", DataType.BOOL, modbus=ModbusAddress(ModbusTable.COIL, 5), writable=True),
    ))


@pytest.mark.parametrize(("word_order", "words"), [("big", [0x47F1, 0x2000]), ("little", [0x2000, 0x47F1])])
def test_the_image_encodes_in_the_device_word_order(word_order, words):
    image = RegisterImage(_device(word_order))
    image.store({"f": 123456.0, "s": "AB", "b": True, "c": True})
    holding = image.tables[ModbusTable.HOLDING_REGISTER]
    assert holding[2:4] == words
    assert holding[4:6] == [0x4142, 0]
    assert holding[0] == 0b1000
    assert image.tables[ModbusTable.COIL][5] == 1


def test_a_client_write_is_found_by_comparing_served_words_with_the_image():
    image = RegisterImage(_device("big"))
    served = list(image.tables[ModbusTable.COIL])
    served[5] = 1
    [tag] = image.changed_by_client(ModbusTable.COIL, served)
    assert tag.name == "c" and image.load(tag, served) is True


def test_changed_runs_are_contiguous_spans_of_new_words():
    assert changed_runs([0, 0, 0, 0, 0], [1, 1, 0, 2, 0]) == [(0, [1, 1]), (3, [2])]
    assert changed_runs([0, 0], [0, 3]) == [(1, [3])]
