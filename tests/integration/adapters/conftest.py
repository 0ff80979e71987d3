"""Real protocol servers in the test process: a pymodbus ModbusTcpServer and an asyncua Server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial

import pytest
from asyncua import Server, ua
from asyncua.common.callback import CallbackType, ServerItemCallback
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType as SimType
from pymodbus.simulator import SimData, SimDevice

from equipment_adapters.supervisor import Backoff

UNIT = 1
BITS = 64
REGISTERS = 300
CLAMPED_ADDRESS = 250  # holding register the fixture device clamps to CLAMP_MAX on write
CLAMP_MAX = 100
FAST_BACKOFF = Backoff(initial_s=0.05, max_s=0.3)
NAMESPACE = "urn:technopolis-mes:test"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _clamp_action(function_code: int, start_address: int, address: int, count: int,
                        current_registers: list[int], set_values: list | None) -> None:
    """Like a PLC limiting a setpoint: a write to CLAMPED_ADDRESS above CLAMP_MAX is stored as CLAMP_MAX."""
    if set_values and function_code in (6, 16) and address <= CLAMPED_ADDRESS < address + count:
        index = CLAMPED_ADDRESS - address
        set_values[index] = min(int(set_values[index]), CLAMP_MAX)


def _device() -> SimDevice:
    # The 4-tuple gives four separate tables (a list would share one block between them).
    return SimDevice(
        id=UNIT,
        simdata=(
            [SimData(0, count=BITS, values=False, datatype=SimType.BITS)],
            [SimData(0, count=BITS, values=False, datatype=SimType.BITS)],
            [SimData(0, count=REGISTERS, values=0, datatype=SimType.REGISTERS)],
            [SimData(0, count=REGISTERS, values=0, datatype=SimType.REGISTERS)],
        ),
        action=_clamp_action,
    )


@dataclass
class ModbusFixtureServer:
    """A running pymodbus server and the function codes of the requests it received."""

    port: int
    requests: list[int] = field(default_factory=list)
    server: ModbusTcpServer | None = None

    @property
    def endpoint(self) -> str:
        """host:port as a site file writes it."""
        return f"127.0.0.1:{self.port}"

    def _trace(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if not sending:
            self.requests.append(pdu.function_code)
        return pdu

    async def start(self) -> None:
        """Listen (again) on the fixture's port."""
        self.server = ModbusTcpServer(_device(), address=("127.0.0.1", self.port), trace_pdu=self._trace)
        await self.server.serve_forever(background=True)

    async def stop(self) -> None:
        """Close the listener and every client connection."""
        if self.server is not None:
            await self.server.shutdown()
            self.server = None

    async def set(self, function_code: int, address: int, values: list) -> None:
        """Change served values: function code 1 coils, 2 discrete inputs, 3 holding, 4 input registers."""
        assert self.server is not None
        await self.server.async_setValues(UNIT, function_code, address, values)

    async def get(self, function_code: int, address: int, count: int = 1) -> list:
        """Served values, as the device holds them."""
        assert self.server is not None
        return await self.server.async_getValues(UNIT, function_code, address, count)


@pytest.fixture
async def modbus_server() -> AsyncIterator[ModbusFixtureServer]:
    """A fresh Modbus TCP device on a free loopback port."""
    fixture = ModbusFixtureServer(free_port())
    await fixture.start()
    yield fixture
    await fixture.stop()


async def start_opcua_server(port: int, path: str = "adapters") -> tuple[Server, dict[str, ua.NodeId]]:
    """An asyncua server on loopback with one variable per DataType, a Bad value and a method."""
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/{path}")
    # Register an extra namespace first so ours does not sit at a guessable index.
    await server.register_namespace("urn:technopolis-mes:padding")
    index = await server.register_namespace(NAMESPACE)
    machine = await server.nodes.objects.add_object(ua.NodeId("Machine", index), "Machine")
    nodes = {"Machine": machine.nodeid}
    for name, variant_type, initial in _VARIABLES:
        node = await machine.add_variable(ua.NodeId(name, index), name, ua.Variant(initial, variant_type))
        await node.set_writable()
        nodes[name] = node.nodeid
    method = await machine.add_method(
        ua.NodeId("Add", index), "Add", _add, [ua.VariantType.Int32, ua.VariantType.Int32], [ua.VariantType.Int32]
    )
    nodes["Add"] = method.nodeid
    server.subscribe_server_callback(CallbackType.PreWrite, partial(_clamp_write, nodes["Clamped"]))
    await server.start()
    return server, nodes


def _clamp_write(clamped: ua.NodeId, event: ServerItemCallback, _dispatcher: object) -> None:
    """Like a PLC limiting a setpoint: values written to "Clamped" are stored as at most CLAMP_MAX."""
    for item in event.request_params.NodesToWrite:
        if item.NodeId == clamped and item.Value.Value.Value > CLAMP_MAX:
            item.Value = ua.DataValue(ua.Variant(CLAMP_MAX, ua.VariantType.Int16))


async def _add(parent: ua.NodeId, a: ua.Variant, b: ua.Variant) -> list[ua.Variant]:
    return [ua.Variant(a.Value + b.Value, ua.VariantType.Int32)]


_VARIABLES = [
    ("Bool", ua.VariantType.Boolean, False),
    ("Int16", ua.VariantType.Int16, 0),
    ("UInt16", ua.VariantType.UInt16, 0),
    ("Int32", ua.VariantType.Int32, 0),
    ("UInt32", ua.VariantType.UInt32, 0),
    ("Float", ua.VariantType.Float, 0.0),
    ("Double", ua.VariantType.Double, 0.0),
    ("String", ua.VariantType.String, ""),
    ("Sensor", ua.VariantType.Double, 0.0),
    ("Counter", ua.VariantType.Double, 0.0),
    ("Clamped", ua.VariantType.Int16, 0),
]
