"""A simulated machine served over Modbus TCP (pymodbus 3.16 SimDevice, four separate tables)."""

from __future__ import annotations

from typing import Any

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from equipment_adapters.codecs import is_bit_table
from equipment_adapters.simulators.faults import FaultKind
from equipment_adapters.simulators.modbus_image import TABLES, RegisterImage, changed_runs
from equipment_adapters.simulators.station import FLAG_TAGS, SimulatorServer
from equipment_adapters.tags import ModbusTable

READ_FC = {ModbusTable.COIL: 1, ModbusTable.DISCRETE_INPUT: 2,
           ModbusTable.HOLDING_REGISTER: 3, ModbusTable.INPUT_REGISTER: 4}
WRITE_TABLE = {5: ModbusTable.COIL, 15: ModbusTable.COIL, 6: ModbusTable.HOLDING_REGISTER,
               16: ModbusTable.HOLDING_REGISTER, 22: ModbusTable.HOLDING_REGISTER,
               23: ModbusTable.HOLDING_REGISTER}


def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """("host", port) from "host:port"; a bare ":port" binds loopback, never all interfaces."""
    host, _, port = endpoint.rpartition(":")
    return host or "127.0.0.1", int(port)


class ModbusSimulator(SimulatorServer):
    """Serves exactly the device's tag map; client writes are allowed only on writable tags."""

    protocol_faults = frozenset({FaultKind.EXCEPTION})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.image = RegisterImage(self.device)
        self._served: dict[ModbusTable, list[int]] = {}
        self._server: ModbusTcpServer | None = None
        self._internal = False  # our own reads/writes pass the action hook untouched
        self._writable = self._writable_addresses()
        self._written: dict[ModbusTable, set[int]] = {table: set() for table in TABLES}

    async def _serve(self) -> None:
        device = SimDevice(id=self.device.unit_id, simdata=self._blocks(), action=self._action)
        self._server = ModbusTcpServer(device, address=parse_endpoint(self.device.endpoint))
        await self._server.serve_forever(background=True)
        self._served = {table: [0] * len(words) for table, words in self.image.tables.items()}

    async def _unserve(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None

    async def _pull(self) -> None:
        for table in (ModbusTable.COIL, ModbusTable.HOLDING_REGISTER):
            if not any(self._writable[table]):
                continue
            served = await self._get(table)
            written, self._written[table] = self._written[table], set()
            tags = {tag.name: tag for tag in self.image.changed_by_client(table, served, written)}
            self._take_writes({name: self.image.load(tag, served) for name, tag in tags.items()})
            self._served[table] = served  # a write the machine refused is reverted by the push

    async def _push(self, full: bool) -> None:
        values = self.machine.values()
        flags = {name: values.pop(name) for name in FLAG_TAGS if name in values}
        for batch in (values, flags):  # the block first, then the flags that announce it
            self.image.store(batch)
            for table in TABLES:
                new = self.image.tables[table]
                runs = [(0, list(new))] if full else changed_runs(self._served[table], new)
                for address, words in runs:
                    await self._set(table, address, words)
                self._served[table] = list(new)

    async def _action(self, function_code: int, _start: int, address: int, _count: int,
                      _registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        if self._internal:
            return None
        fault = self.faults.active(FaultKind.EXCEPTION)
        if fault is not None:
            return ExcCodes(int(fault.options.get("code") or ExcCodes.DEVICE_FAILURE))
        if set_values is not None:
            writable = self._writable[WRITE_TABLE.get(function_code, ModbusTable.INPUT_REGISTER)]
            span = range(address, address + len(set_values))
            if not all(a < len(writable) and writable[a] for a in span):
                return ExcCodes.ILLEGAL_ADDRESS  # PLC-owned values are read-only to clients
            self._written[WRITE_TABLE[function_code]].update(span)  # a rewrite of the same value counts too
        return None

    async def _get(self, table: ModbusTable) -> list[int]:
        assert self._server is not None
        size = len(self.image.tables[table])
        self._internal = True
        try:
            words = await self._server.async_getValues(self.device.unit_id, READ_FC[table], 0, size)
        finally:
            self._internal = False
        return [int(w) for w in words]

    async def _set(self, table: ModbusTable, address: int, words: list[int]) -> None:
        assert self._server is not None
        values: list[int] | list[bool] = [bool(w) for w in words] if is_bit_table(table) else words
        self._internal = True
        try:
            await self._server.async_setValues(self.device.unit_id, READ_FC[table], address, values)
        finally:
            self._internal = False

    def _blocks(self) -> tuple[list[SimData], list[SimData], list[SimData], list[SimData]]:
        def block(table: ModbusTable) -> list[SimData]:
            size = len(self.image.tables[table])
            if is_bit_table(table):
                return [SimData(0, count=size, values=False, datatype=DataType.BITS)]
            return [SimData(0, count=size, values=0, datatype=DataType.REGISTERS)]

        return block(TABLES[0]), block(TABLES[1]), block(TABLES[2]), block(TABLES[3])

    def _writable_addresses(self) -> dict[ModbusTable, list[bool]]:
        writable = {table: [False] * len(words) for table, words in self.image.tables.items()}
        for tag in self.image.tags:
            if tag.writable and tag.modbus is not None:
                count = 1 if is_bit_table(tag.modbus.table) else tag.register_count()
                for a in range(tag.modbus.address, tag.modbus.address + count):
                    writable[tag.modbus.table][a] = True
        return writable
