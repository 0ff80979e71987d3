"""Faults on demand, seen by a raw client; the control HTTP API; the fleet runner; mbpoll interop."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from pymodbus.client import AsyncModbusTcpClient

from equipment_adapters.simulators.control_api import inject_fault
from equipment_adapters.simulators.packml import State
from equipment_adapters.simulators.runner import SimulatorFleet, run_simulators
from tests.integration.simulators.conftest import demo_device, free_port, wait_for


@pytest.fixture
async def fleet():
    pairs = [demo_device("SCR01-SPINDLE"), demo_device("MARK01-LASER")]
    fleet = SimulatorFleet([device for device, _ in pairs], {device.name: sim for device, sim in pairs},
                           control_port=free_port())
    await fleet.start()
    yield fleet
    await fleet.stop()


async def client_for(fleet: SimulatorFleet, code: str) -> AsyncModbusTcpClient:
    host, port = fleet.machines[code].device.endpoint.split(":")
    client = AsyncModbusTcpClient(host, port=int(port), timeout=0.5, retries=0)
    await client.connect()
    return client


async def http(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(body).encode() if body is not None else b""
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                 + payload)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, text = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(text)


async def test_an_exception_fault_answers_every_request_with_device_failure(fleet):
    client = await client_for(fleet, "SCR01-SPINDLE")
    try:
        inject_fault(fleet.machines["SCR01-SPINDLE"], "exception", 0.3)
        reply = await client.read_holding_registers(0, count=8, device_id=1)
        assert reply.isError() and reply.exception_code == 4
        await asyncio.sleep(0.35)
        assert not (await client.read_holding_registers(0, count=8, device_id=1)).isError()
    finally:
        client.close()


async def test_a_frozen_machine_serves_values_that_stop_changing(fleet):
    machine = fleet.machines["SCR01-SPINDLE"]
    client = await client_for(fleet, "SCR01-SPINDLE")
    try:
        await wait_for(lambda: machine.machine.results.last_seq > 0)
        fleet.inject_fault("SCR01-SPINDLE", "freeze", 1.0)
        before = (await client.read_holding_registers(0, count=30, device_id=1)).registers
        await asyncio.sleep(0.6)  # three cycles' worth of time
        assert (await client.read_holding_registers(0, count=30, device_id=1)).registers == before
        fleet.clear_faults("SCR01-SPINDLE")
        await wait_for(lambda: _registers_differ(client, before))
    finally:
        client.close()


async def _registers_differ(client: AsyncModbusTcpClient, before: list[int]) -> bool:
    return (await client.read_holding_registers(0, count=30, device_id=1)).registers != before


async def test_an_alarm_fault_aborts_the_machine_and_shows_its_code(fleet):
    client = await client_for(fleet, "SCR01-SPINDLE")
    try:
        fleet.inject_fault("SCR01-SPINDLE", "alarm", code=201)
        status = await wait_for(lambda: _status_if(client, State.ABORTED))
        assert status[6] == 201
    finally:
        client.close()


async def _status_if(client: AsyncModbusTcpClient, state: State) -> list[int] | None:
    registers = (await client.read_holding_registers(0, count=8, device_id=1)).registers
    return registers if registers[0] == state else None


async def test_an_out_of_spec_fault_makes_the_laser_report_a_failed_mark(fleet):
    machine = fleet.machines["MARK01-LASER"].machine
    fleet.inject_fault("MARK01-LASER", "out_of_spec", 5)
    await wait_for(lambda: machine.results.published is not None)
    assert machine.values()["result_status"] == 2 and machine.bad_count == 1


async def test_the_control_api_lists_machines_and_injects_and_clears_faults(fleet):
    port = fleet.control.port
    status, machines = await http(port, "GET", "/machines")
    assert status == 200 and [m["code"] for m in machines] == ["SCR01-SPINDLE", "MARK01-LASER"]
    status, body = await http(port, "POST", "/machines/SCR01-SPINDLE/faults", {"fault": "drop", "seconds": 5})
    assert status == 200 and body["faults"][0]["fault"] == "drop"
    await wait_for(lambda: not fleet.machines["SCR01-SPINDLE"].serving)
    status, body = await http(port, "DELETE", "/machines/SCR01-SPINDLE/faults")
    assert status == 200 and body["faults"] == []
    await wait_for(lambda: fleet.machines["SCR01-SPINDLE"].serving)


async def test_the_control_api_refuses_unknown_machines_faults_and_protocol_mismatches(fleet):
    port = fleet.control.port
    assert (await http(port, "GET", "/machines/NOPE"))[0] == 404
    assert (await http(port, "POST", "/machines/SCR01-SPINDLE/faults", {"fault": "melt"}))[0] == 400
    status, body = await http(port, "POST", "/machines/SCR01-SPINDLE/faults", {"fault": "bad_status"})
    assert status == 400 and "modbus" in body["error"]
    assert (await http(port, "PUT", "/machines/SCR01-SPINDLE/faults", {}))[0] == 405


async def test_run_simulators_serves_until_stop_and_leaves_nothing_behind():
    device, block = demo_device("LEAK01-TESTER")
    stop = asyncio.Event()
    task = asyncio.create_task(run_simulators([device], {device.name: block}, None, stop))
    host, port = device.endpoint.split(":")
    client = AsyncModbusTcpClient(host, port=int(port), timeout=0.5, retries=0)
    await wait_for(client.connect)
    assert not (await client.read_holding_registers(0, count=8, device_id=1)).isError()
    client.close()
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_mbpoll_reads_the_packml_status_and_writes_a_parameter(fleet):
    mbpoll = shutil.which("mbpoll")
    if mbpoll is None:
        pytest.fail("mbpoll is not installed: run scripts/install-system-deps.sh (as root or with sudo)")
    machine = fleet.machines["SCR01-SPINDLE"]
    await wait_for(lambda: machine.machine.packml.state is State.EXECUTE)
    port = machine.device.endpoint.split(":")[1]
    base = [mbpoll, "-m", "tcp", "-a", "1", "-p", port, "-0", "-1"]
    read = await _run(*base, "-r", "0", "-c", "8", "-t", "4", "127.0.0.1")
    assert "[0]: \t6" in read and "[1]: \t1" in read  # Execute, Production
    await _run(*base, "-r", "220", "-t", "4", "127.0.0.1", "7")  # param_program = 7
    await wait_for(lambda: machine.machine.params["program"] == 7)


async def _run(*argv: str) -> str:
    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, out.decode()
    return out.decode()
