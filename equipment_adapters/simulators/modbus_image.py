"""The four Modbus tables of a simulated device as plain lists, filled from its tag map (no pymodbus)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from equipment_adapters.codecs import decode_registers, encode_registers, is_bit_table, with_bit
from equipment_adapters.tags import DataType, DeviceSpec, ModbusTable, TagSpec

TABLES = (ModbusTable.COIL, ModbusTable.DISCRETE_INPUT, ModbusTable.HOLDING_REGISTER, ModbusTable.INPUT_REGISTER)
log = logging.getLogger(__name__)
Run = tuple[int, list[int]]  # start address, words (or 0/1 bits)


class RegisterImage:
    """What the device serves, table by table; every address up to the highest tag is readable."""

    def __init__(self, device: DeviceSpec) -> None:
        self.device = device
        self.tags = [tag for tag in device.tags if tag.modbus is not None]
        self.tables: dict[ModbusTable, list[int]] = {table: [0] * self.size(table) for table in TABLES}
        self._unstorable: set[str] = set()

    def size(self, table: ModbusTable) -> int:
        """Number of registers (or bits) the table needs to hold every tag of the map; at least 1."""
        ends = [_slice(tag).stop for tag in self.tags if tag.modbus and tag.modbus.table is table]
        return max(ends, default=1)

    def store(self, values: dict[str, Any]) -> None:
        """Encode the named engineering values into the tables (tags without a value keep theirs)."""
        for tag in self.tags:
            if tag.name in values:
                try:
                    self._store(tag, values[tag.name])
                except ValueError as error:  # e.g. a serial longer than its string tag: keep serving
                    if tag.name not in self._unstorable:
                        log.warning("%s: cannot serve %s=%r: %s", self.device.name, tag.name,
                                    values[tag.name], error)
                    self._unstorable.add(tag.name)

    def load(self, tag: TagSpec, words: list[int]) -> Any:
        """The engineering value of `tag` from the words of its table."""
        assert tag.modbus is not None
        if is_bit_table(tag.modbus.table):
            return bool(words[tag.modbus.address])
        return tag.to_engineering(decode_registers(tag, words[_slice(tag)], self.device.word_order))

    def changed_by_client(self, table: ModbusTable, served: list[int],
                          written: AbstractSet[int] = frozenset()) -> Iterator[TagSpec]:
        """Writable tags a client wrote: served words differ from the image, or an address was written."""
        mine = self.tables[table]
        for tag in self.tags:
            if tag.writable and tag.modbus and tag.modbus.table is table:
                where = _slice(tag)
                if served[where] != mine[where] or not written.isdisjoint(range(where.start, where.stop)):
                    yield tag

    def _store(self, tag: TagSpec, value: Any) -> None:
        assert tag.modbus is not None
        words = self.tables[tag.modbus.table]
        raw = tag.to_raw(value)
        if is_bit_table(tag.modbus.table):
            words[tag.modbus.address] = int(bool(raw))
        elif tag.data_type is DataType.BIT:
            address, bit = tag.modbus.address, tag.modbus.bit or 0
            words[address] = with_bit(words[address], bit, bool(raw))
        else:
            words[_slice(tag)] = encode_registers(tag, raw, self.device.word_order)


def _slice(tag: TagSpec) -> slice:
    assert tag.modbus is not None
    count = 1 if is_bit_table(tag.modbus.table) else tag.register_count()
    return slice(tag.modbus.address, tag.modbus.address + count)


def changed_runs(old: list[int], new: list[int]) -> list[Run]:
    """Contiguous runs of addresses where `new` differs from `old`, with the new words."""
    runs: list[Run] = []
    start = None
    for address, (before, after) in enumerate(zip(old, new, strict=True)):
        if before != after and start is None:
            start = address
        elif before == after and start is not None:
            runs.append((start, new[start:address]))
            start = None
    if start is not None:
        runs.append((start, new[start:]))
    return runs
