"""ModbusTcpAdapter against a real pymodbus server."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from equipment_adapters import create_adapter
from equipment_adapters.base import Quality, TagValue
from equipment_adapters.errors import (
    DeviceUnavailable,
    ModbusExceptionResponse,
    TagConfigError,
    WriteVerifyError,
)
from equipment_adapters.modbus import ModbusTcpAdapter
from equipment_adapters.supervisor import Backoff
from equipment_adapters.tags import DataType, DeviceSpec, ModbusAddress, ModbusTable, Protocol, TagSpec
from tests.integration.adapters.conftest import (
    CLAMP_MAX,
    CLAMPED_ADDRESS,
    FAST_BACKOFF,
    REGISTERS,
    ModbusFixtureServer,
)
from tests.support.waiting import eventually

HR = ModbusTable.HOLDING_REGISTER


def _tag(name: str, data_type: DataType, address: int, table: ModbusTable = HR, **extra: object) -> TagSpec:
    length = extra.pop("length", 1)
    bit = extra.pop("bit", None)
    return TagSpec(name, data_type, modbus=ModbusAddress(table, address, length=length, bit=bit),
                   writable=True, **extra)


WRITABLE = (
    _tag("int16", DataType.INT16, 0),
    _tag("uint16", DataType.UINT16, 1),
    _tag("int32", DataType.INT32, 2),
    _tag("uint32", DataType.UINT32, 4),
    _tag("float32", DataType.FLOAT32, 6),
    _tag("float64", DataType.FLOAT64, 8),
    _tag("string", DataType.STRING, 12, length=4),
    _tag("flag", DataType.BOOL, 16),
    _tag("bit5", DataType.BIT, 17, bit=5),
    _tag("bit6", DataType.BIT, 17, bit=6),
    _tag("scaled", DataType.INT16, 18, gain=0.1, offset=-40.0),
    _tag("clamped", DataType.UINT16, CLAMPED_ADDRESS),
    _tag("coil", DataType.BOOL, 3, ModbusTable.COIL),
    _tag("input", DataType.UINT16, 0, ModbusTable.INPUT_REGISTER),
    _tag("beyond", DataType.UINT16, REGISTERS + 10),
    TagSpec("readonly", DataType.UINT16, modbus=ModbusAddress(HR, 20)),
)
VALUES = {
    "int16": -1234, "uint16": 65535, "int32": -70000, "uint32": 2**32 - 1, "float32": 123456.0,
    "float64": -2.718281828459045, "string": "SN-0042", "flag": True, "bit5": True, "bit6": True,
    "scaled": 25.5, "coil": True,
}


def _device(server: ModbusFixtureServer, word_order: str = "big", **extra: object) -> DeviceSpec:
    return DeviceSpec("PRESS-1", Protocol.MODBUS_TCP, server.endpoint, WRITABLE, word_order=word_order,
                      timeout_s=0.5, **extra)


@pytest.fixture
async def adapter(modbus_server: ModbusFixtureServer):
    modbus = ModbusTcpAdapter(_device(modbus_server), backoff=FAST_BACKOFF)
    await modbus.connect()
    yield modbus
    await modbus.close()


@pytest.mark.parametrize("word_order", ["big", "little"])
async def test_every_data_type_round_trips_through_a_real_server(modbus_server, word_order):
    modbus = ModbusTcpAdapter(_device(modbus_server, word_order), backoff=FAST_BACKOFF)
    await modbus.connect()
    try:
        for name, value in VALUES.items():
            written = await modbus.write(name, value)
            assert written.value == pytest.approx(value) if isinstance(value, float) else written.value == value
        values = await modbus.read(list(VALUES))
    finally:
        await modbus.close()
    for name, value in VALUES.items():
        assert values[name].quality is Quality.GOOD
        assert values[name].value == pytest.approx(value), name


@pytest.mark.parametrize(("word_order", "expected"), [("big", [0x47F1, 0x2000]), ("little", [0x2000, 0x47F1])])
async def test_float32_lands_on_the_wire_in_the_devices_word_order(modbus_server, word_order, expected):
    modbus = ModbusTcpAdapter(_device(modbus_server, word_order), backoff=FAST_BACKOFF)
    await modbus.connect()
    try:
        await modbus.write("float32", 123456.0)
    finally:
        await modbus.close()
    assert await modbus_server.get(3, 6, 2) == expected


async def test_writing_one_bit_keeps_the_other_bits_of_its_register(adapter, modbus_server):
    await modbus_server.set(3, 17, [0b1000_0000_0000_0001])
    await adapter.write("bit5", True)
    assert await modbus_server.get(3, 17) == [0b1000_0000_0010_0001]


async def test_uint32_counter_reads_its_full_range_from_two_registers(adapter, modbus_server):
    await modbus_server.set(3, 4, [0xFFFF, 0xFFFF])
    assert (await adapter.read(["uint32"]))["uint32"].value == 2**32 - 1
    await modbus_server.set(3, 4, [0, 0])  # rollover: the counter restarts at zero
    assert (await adapter.read(["uint32"]))["uint32"].value == 0


async def test_touching_tags_are_read_in_one_request(adapter, modbus_server):
    modbus_server.requests.clear()
    await adapter.read(["int16", "uint16", "int32", "uint32", "float32", "float64"])
    assert modbus_server.requests == [3]


async def test_a_read_answers_in_the_order_asked_whatever_the_plan(adapter):
    for name, value in VALUES.items():
        await adapter.write(name, value)
    asked = ["coil", "string", "scaled", "int16", "bit6", "float64", "coil", "input"]
    values = await adapter.read(asked)  # the plan reads by table and address; the answer keeps our order
    again = await adapter.read(tuple(asked))  # the cached plan gives the same answer
    assert list(values) == list(dict.fromkeys(asked)) == list(again)
    assert [values[n].value for n in ("coil", "string", "int16", "bit6")] == [True, "SN-0042", -1234, True]
    assert values["scaled"].value == pytest.approx(25.5)
    assert values["float64"].value == VALUES["float64"]


async def test_more_than_125_registers_of_tags_take_two_requests(modbus_server):
    tags = tuple(_tag(f"r{i}", DataType.UINT32, i * 2) for i in range(75))  # 150 registers
    device = DeviceSpec("BIG", Protocol.MODBUS_TCP, modbus_server.endpoint, tags)
    await modbus_server.set(3, 148, [0, 7])
    modbus = ModbusTcpAdapter(device)
    await modbus.connect()
    try:
        modbus_server.requests.clear()
        values = await modbus.read([t.name for t in tags])
    finally:
        await modbus.close()
    assert modbus_server.requests == [3, 3]
    assert values["r74"].value == 7


async def test_an_exception_response_is_a_typed_error_naming_device_and_address(adapter):
    with pytest.raises(ModbusExceptionResponse) as caught:
        await adapter.read(["beyond"])
    assert caught.value.exception_code == 2
    assert caught.value.device == "PRESS-1"
    assert str(REGISTERS + 10) in caught.value.address
    assert adapter.health.connected and adapter.health.consecutive_failures == 1


async def test_a_clamped_write_is_caught_by_the_read_back(adapter):
    with pytest.raises(WriteVerifyError) as caught:
        await adapter.write("clamped", CLAMP_MAX + 50)
    assert "clamped" in caught.value.address and str(CLAMP_MAX) in caught.value.message


async def test_read_only_tags_and_tables_refuse_writes_before_anything_is_sent(adapter, modbus_server):
    modbus_server.requests.clear()
    with pytest.raises(TagConfigError):
        await adapter.write("readonly", 1)
    with pytest.raises(TagConfigError):
        await adapter.write("input", 1)
    with pytest.raises(TagConfigError):
        await adapter.write("uint16", 70000)
    with pytest.raises(TagConfigError):
        await adapter.read(["no-such-tag"])
    assert modbus_server.requests == []


async def test_a_device_that_is_not_there_is_unavailable(modbus_server):
    await modbus_server.stop()
    modbus = ModbusTcpAdapter(_device(modbus_server))
    with pytest.raises(DeviceUnavailable) as caught:
        await modbus.connect()
    await modbus.close()
    assert caught.value.device == "PRESS-1"
    assert modbus.health.consecutive_failures == 1 and not modbus.health.connected


async def test_server_stop_gives_unavailable_and_restart_reconnects_within_two_seconds(modbus_server, caplog):
    caplog.set_level(logging.DEBUG, logger="equipment_adapters.modbus")
    modbus = create_adapter(_device(modbus_server))  # default backoff
    await modbus.connect()
    try:
        await modbus_server.stop()
        await asyncio.sleep(0.05)  # a request racing the close would wait for its timeout instead
        with pytest.raises(DeviceUnavailable):
            await modbus.read(["int16"])
        await asyncio.sleep(1.0)  # the supervisor keeps trying, backing off
        assert not modbus.health.connected and modbus.health.consecutive_failures >= 2
        await modbus_server.start()
        back = time.monotonic()
        while not modbus.health.connected:
            assert time.monotonic() - back < 2.0, "not reconnected within 2 s"
            await asyncio.sleep(0.02)
        assert (await modbus.read(["int16"]))["int16"].is_good
    finally:
        await modbus.close()
    levels = [r.levelno for r in caplog.records if "PRESS-1" in r.getMessage()]
    assert levels.count(logging.ERROR) == 1 and logging.INFO in levels


async def test_reconnect_loop_makes_few_attempts_while_the_device_is_down(modbus_server):
    await modbus_server.stop()
    modbus = ModbusTcpAdapter(_device(modbus_server), backoff=Backoff())
    await modbus.start()
    await asyncio.sleep(1.0)
    attempts = modbus.supervisor.attempts
    cpu_before = time.process_time()
    await asyncio.sleep(1.0)
    cpu_used = time.process_time() - cpu_before
    await modbus.close()
    assert 3 <= attempts <= 5  # 0.2 + 0.4 + 0.8 s (less jitter) fit in the first second
    assert cpu_used < 0.2


async def test_polling_calls_back_only_for_changed_values(adapter, modbus_server):
    seen: list[TagValue] = []
    await adapter.subscribe(["int16", "uint16"], seen.append, interval_s=0.02)
    await eventually(lambda: len(seen) >= 2, what="the first values")
    await asyncio.sleep(0.1)  # several more polls of unchanged values: no call back
    assert len(seen) == 2
    await modbus_server.set(3, 0, [5])
    await eventually(lambda: len(seen) >= 3, what="the changed value")
    await asyncio.sleep(0.1)
    assert [(v.name, v.value) for v in seen] == [("int16", 0), ("uint16", 0), ("int16", 5)]


async def test_polling_reports_bad_once_when_the_device_goes_away(adapter, modbus_server):
    seen: list[TagValue] = []

    async def record(value: TagValue) -> None:
        seen.append(value)

    await adapter.subscribe(["int16"], record, interval_s=0.02)
    await asyncio.sleep(0.1)
    await modbus_server.stop()
    await asyncio.sleep(0.8)  # a poll racing the close waits out its 0.5 s timeout
    assert [v.quality for v in seen] == [Quality.GOOD, Quality.BAD]


async def test_tags_back_to_back_are_written_in_one_request_and_read_back_in_one(adapter, modbus_server):
    modbus_server.requests.clear()
    written = await adapter.write_many([("int16", -7), ("uint16", 2), ("int32", -70000)])
    assert modbus_server.requests == [16, 3]  # one FC16 write, one read-back
    assert {name: v.value for name, v in written.items()} == {"int16": -7, "uint16": 2, "int32": -70000}
    assert await modbus_server.get(3, 0, 4) == [(-7) & 0xFFFF, 2, *divmod((-70000) & 0xFFFFFFFF, 0x10000)]


async def test_tags_with_a_gap_are_written_one_by_one_in_the_order_given(adapter, modbus_server):
    modbus_server.requests.clear()
    await adapter.write_many([("int16", 5), ("float32", 1.5), ("uint16", 9)])
    # each write is followed by its read-back, and uint16 (given last) goes last
    assert modbus_server.requests == [6, 3, 16, 3, 6, 3]
    assert await modbus_server.get(3, 1) == [9]


async def test_a_value_out_of_range_in_a_group_sends_nothing(adapter, modbus_server):
    modbus_server.requests.clear()
    with pytest.raises(TagConfigError):
        await adapter.write_many([("int16", 1), ("uint16", 70000)])
    assert modbus_server.requests == []


async def test_a_clamped_value_in_a_group_is_caught_by_the_read_back_and_named(modbus_server):
    tags = (_tag("before", DataType.UINT16, CLAMPED_ADDRESS - 1), _tag("limit", DataType.UINT16, CLAMPED_ADDRESS))
    modbus = ModbusTcpAdapter(DeviceSpec("PRESS-2", Protocol.MODBUS_TCP, modbus_server.endpoint, tags))
    await modbus.connect()
    try:
        with pytest.raises(WriteVerifyError) as caught:
            await modbus.write_many([("before", 1), ("limit", CLAMP_MAX + 50)])
    finally:
        await modbus.close()
    assert "limit" in caught.value.address and str(CLAMP_MAX) in caught.value.message
