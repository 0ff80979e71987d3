"""Read planning: join the tags of one table and unit id into as few Modbus requests as allowed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from equipment_adapters.codecs import is_bit_table
from equipment_adapters.tags import ModbusAddress, ModbusTable, TagSpec

MAX_REGISTERS = 125  # FC3 / FC4 limit
MAX_BITS = 2000  # FC1 / FC2 limit


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """One Modbus read request and the tags it serves."""

    table: ModbusTable
    unit_id: int
    address: int
    count: int
    tags: tuple[TagSpec, ...]

    def slice_for(self, tag: TagSpec) -> slice:
        """Where the tag's registers (or its bit) sit in this request's response."""
        start = _start(tag) - self.address
        return slice(start, start + _size(tag))


def max_count(table: ModbusTable) -> int:
    """The protocol limit of items per read request for a table."""
    return MAX_BITS if is_bit_table(table) else MAX_REGISTERS


def plan_reads(tags: Iterable[TagSpec], default_unit_id: int, max_gap: int = 0) -> list[ReadRequest]:
    """Coalesce tags into requests: same table and unit, at most `max_gap` unused items between."""
    groups: dict[tuple[ModbusTable, int], list[TagSpec]] = {}
    for tag in tags:
        address = _modbus(tag)
        unit = address.unit_id if address.unit_id is not None else default_unit_id
        groups.setdefault((address.table, unit), []).append(tag)
    requests: list[ReadRequest] = []
    for (table, unit), members in sorted(groups.items()):
        requests.extend(_plan_group(table, unit, members, max_gap))
    return requests


def _plan_group(table: ModbusTable, unit: int, tags: list[TagSpec], max_gap: int) -> list[ReadRequest]:
    limit = max_count(table)
    ordered = sorted(tags, key=lambda t: (_start(t), _size(t)))
    requests: list[ReadRequest] = []
    batch: list[TagSpec] = []
    start = end = 0
    for tag in ordered:
        if _size(tag) > limit:
            raise ValueError(f"tag {tag.name!r} spans {_size(tag)} items, over the {limit} per request")
        tag_end = _start(tag) + _size(tag)
        fits = batch and _start(tag) - end <= max_gap and max(end, tag_end) - start <= limit
        if fits:
            batch.append(tag)
            end = max(end, tag_end)
            continue
        if batch:
            requests.append(ReadRequest(table, unit, start, end - start, tuple(batch)))
        batch, start, end = [tag], _start(tag), tag_end
    if batch:
        requests.append(ReadRequest(table, unit, start, end - start, tuple(batch)))
    return requests


def _modbus(tag: TagSpec) -> ModbusAddress:
    if tag.modbus is None:
        raise ValueError(f"tag {tag.name!r} has no Modbus address")
    return tag.modbus


def _start(tag: TagSpec) -> int:
    return _modbus(tag).address


def _size(tag: TagSpec) -> int:
    """Items the tag occupies: one bit in bit tables, its registers otherwise."""
    return 1 if is_bit_table(_modbus(tag).table) else tag.register_count()
