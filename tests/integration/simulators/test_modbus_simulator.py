"""The Modbus simulator as the MES meets it: a raw pymodbus client on a real server."""

from __future__ import annotations

import asyncio

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusIOException

from equipment_adapters.simulators.modbus_server import ModbusSimulator
from equipment_adapters.simulators.packml import State
from equipment_adapters.simulators.runner import build_simulator
from tests.integration.simulators.conftest import demo_device, wait_for

HR_STATUS, HR_RESULT, HR_INTERLOCK, HR_MES = 0, 10, 100, 200


class Mes:
    """The MES side of the handshakes, in raw registers."""

    def __init__(self, client: AsyncModbusTcpClient, word_order: str = "big") -> None:
        self.client, self.word_order = client, word_order

    async def regs(self, address: int, count: int) -> list[int]:
        reply = await self.client.read_holding_registers(address, count=count, device_id=1)
        assert not reply.isError(), reply
        return reply.registers

    def u32(self, words: list[int]) -> int:
        return self.client.convert_from_registers(words, self.client.DATATYPE.UINT32, word_order=self.word_order)

    def f32(self, words: list[int]) -> float:
        return self.client.convert_from_registers(words, self.client.DATATYPE.FLOAT32, word_order=self.word_order)

    def text(self, words: list[int]) -> str:
        return self.client.convert_from_registers(words, self.client.DATATYPE.STRING).rstrip("\x00")

    def words_u32(self, value: int) -> list[int]:
        return self.client.convert_to_registers(value, self.client.DATATYPE.UINT32, word_order=self.word_order)

    async def write(self, address: int, words: list[int]) -> None:
        reply = await self.client.write_registers(address, words, device_id=1)
        assert not reply.isError(), reply

    async def result(self) -> dict:
        """Wait for result_ready and read the block in one request, as the MES does."""
        async def ready():
            block = await self.regs(HR_RESULT, 20)
            return block if block[2] == 1 else None
        block = await wait_for(ready)
        return {"seq": self.u32(block[0:2]), "status": block[3], "serial": self.text(block[4:14]),
                "cycle_time": self.f32(block[14:16]), "m1": self.f32(block[16:18])}


async def started(code: str = "SCR01-SPINDLE", **sim: object) -> tuple[ModbusSimulator, AsyncModbusTcpClient]:
    device, block = demo_device(code)
    simulator = build_simulator(device, {**block, **sim}, first_sequence=100)
    await simulator.start()
    host, port = device.endpoint.split(":")
    client = AsyncModbusTcpClient(host, port=int(port), timeout=1, retries=0)
    await client.connect()
    return simulator, client


@pytest.fixture
async def screwing():
    simulator, client = await started()
    yield simulator, Mes(client)
    client.close()
    await simulator.stop()


async def test_the_packml_status_block_is_served_at_the_documented_addresses(screwing):
    simulator, mes = screwing
    await wait_for(lambda: simulator.machine.packml.state is State.EXECUTE)
    status = await wait_for(lambda: mes.regs(HR_STATUS, 8))
    assert status[0] == State.EXECUTE and status[1] == 1
    assert mes.u32(status[2:4]) == simulator.machine.good_count
    assert status[6] == 0 and status[7] == 0


async def test_the_result_handshake_runs_end_to_end_as_the_mes_drives_it():
    simulator, client = await started(tick_s=0.1)  # ready stays low one scan: slow scans make it seen
    mes = Mes(client)
    try:
        await _drive_result_handshake(simulator, mes)
    finally:
        client.close()
        await simulator.stop()


async def _drive_result_handshake(simulator: ModbusSimulator, mes: Mes) -> None:
    first = await mes.result()
    assert first["seq"] == 101 and first["status"] == 1 and first["serial"] == "SCR01-000001"
    assert 1.1 <= first["m1"] <= 1.3  # torque within the recipe's target ± tolerance
    await wait_for(lambda: simulator.machine.results.unacked() >= 2)  # the PLC keeps producing meanwhile
    await mes.write(HR_MES, mes.words_u32(first["seq"]))
    await wait_for(lambda: _ready_is(mes, 0))
    second = await mes.result()
    assert second["seq"] == 102 and second["serial"] == "SCR01-000002"


async def _ready_is(mes: Mes, value: int) -> bool:
    return (await mes.regs(HR_RESULT + 2, 1))[0] == value


async def test_a_sequence_survives_a_dropped_connection_and_is_served_again_until_acked(screwing):
    simulator, mes = screwing
    first = await mes.result()
    simulator.inject("drop", 0.3)
    await asyncio.sleep(0.05)
    with pytest.raises((ConnectionException, ModbusIOException)):
        await mes.client.read_holding_registers(0, count=1, device_id=1)
    await wait_for(lambda: simulator.serving, timeout=3)
    await mes.client.connect()
    again = await mes.result()
    assert again["seq"] == first["seq"] and again["serial"] == first["serial"]


async def test_plc_owned_registers_refuse_client_writes(screwing):
    _, mes = screwing
    reply = await mes.client.write_register(HR_STATUS, 9, device_id=1)
    assert reply.isError() and reply.exception_code == 2


async def test_an_interlock_nok_means_no_cycle_and_an_ok_runs_the_unit():
    simulator, client = await started(require_interlock=True)
    mes = Mes(client)
    try:
        block = await wait_for(lambda: _interlock_request(mes))
        seq, serial = mes.u32(block[0:2]), mes.text(block[3:13])
        assert serial == "SCR01-000001"
        await mes.write(HR_MES + 2, [2, 17, *mes.words_u32(seq)])  # answer NOK, reason 17, answer_seq
        await wait_for(lambda: simulator.machine.stats["interlock_nok"] == 1)
        assert (await mes.regs(HR_STATUS + 6, 1))[0] == 901
        assert simulator.machine.results.last_seq == 100  # no cycle ran
        block = await wait_for(lambda: _interlock_request(mes))
        await mes.write(HR_MES + 2, [1, 0, *mes.words_u32(mes.u32(block[0:2]))])
        result = await mes.result()
        assert result["serial"] == "SCR01-000002" and result["seq"] == 101
    finally:
        client.close()
        await simulator.stop()


async def _interlock_request(mes: Mes) -> list[int] | None:
    block = await mes.regs(HR_INTERLOCK, 13)
    return block if block[2] == 1 else None


async def test_a_parameter_download_is_read_back_and_then_enables_cycles():
    simulator, client = await started(require_download=True)
    mes = Mes(client)
    try:
        await asyncio.sleep(0.6)
        assert simulator.machine.results.last_seq == 100  # cycle_enable = 0: no cycle
        target = client.convert_to_registers(2.5, client.DATATYPE.FLOAT32)
        await mes.write(222, target)
        assert await mes.regs(222, 2) == target  # read back, compare
        await mes.write(HR_MES + 6, [1])
        result = await mes.result()
        assert 2.4 <= result["m1"] <= 2.6
        await mes.write(222, target)  # a new download withdraws the enable
        await wait_for(lambda: _cycle_enable_is(mes, 0))
    finally:
        client.close()
        await simulator.stop()


async def _cycle_enable_is(mes: Mes, value: int) -> bool:
    return (await mes.regs(HR_MES + 6, 1))[0] == value


async def test_the_leak_tester_serves_its_values_in_little_endian_word_order():
    simulator, client = await started("LEAK01-TESTER")
    mes = Mes(client, word_order="little")
    try:
        result = await mes.result()
        assert result["seq"] == 101
        fill = mes.f32(await mes.regs(26, 2))
        assert 196 <= fill <= 204  # 200 kPa ± 2 %
    finally:
        client.close()
        await simulator.stop()
