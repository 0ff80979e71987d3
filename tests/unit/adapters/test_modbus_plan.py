"""Read planning: how tags are joined into Modbus requests."""

from __future__ import annotations

import pytest

from equipment_adapters.modbus_plan import plan_reads
from equipment_adapters.tags import DataType, ModbusAddress, ModbusTable, TagSpec

HR = ModbusTable.HOLDING_REGISTER


def _tag(name: str, address: int, data_type: DataType = DataType.UINT16, table: ModbusTable = HR,
         unit_id: int | None = None, length: int = 1) -> TagSpec:
    return TagSpec(name, data_type, modbus=ModbusAddress(table, address, unit_id=unit_id, length=length))


def test_touching_tags_of_one_table_become_one_request():
    tags = [_tag("a", 0), _tag("b", 1), _tag("c", 2, DataType.UINT32), _tag("d", 4, DataType.FLOAT64)]
    [request] = plan_reads(tags, default_unit_id=1)
    assert (request.address, request.count) == (0, 8)
    assert request.slice_for(tags[3]) == slice(4, 8)


def test_a_gap_splits_requests_unless_the_device_allows_reading_across_it():
    tags = [_tag("a", 0), _tag("b", 5)]
    assert len(plan_reads(tags, 1)) == 2
    [joined] = plan_reads(tags, 1, max_gap=4)
    assert (joined.address, joined.count) == (0, 6)


def test_requests_never_exceed_125_registers():
    tags = [_tag(f"t{i}", i * 2, DataType.UINT32) for i in range(100)]  # 200 registers
    requests = plan_reads(tags, 1)
    assert [r.count for r in requests] == [124, 76]
    assert sum(len(r.tags) for r in requests) == 100


def test_bit_tables_are_planned_in_bits_up_to_2000():
    tags = [_tag(f"c{i}", i, DataType.BOOL, ModbusTable.COIL) for i in range(2500)]
    assert [r.count for r in plan_reads(tags, 1)] == [2000, 500]


def test_tables_and_unit_ids_are_never_mixed():
    tags = [_tag("a", 0), _tag("b", 1, unit_id=2), _tag("c", 1, table=ModbusTable.INPUT_REGISTER)]
    requests = plan_reads(tags, default_unit_id=1)
    assert {(r.table, r.unit_id) for r in requests} == {(HR, 1), (HR, 2), (ModbusTable.INPUT_REGISTER, 1)}


def test_bit_tags_sharing_a_register_with_a_word_share_the_request():
    word = _tag("word", 10)
    bit = TagSpec("bit", DataType.BIT, modbus=ModbusAddress(HR, 10, bit=3))
    [request] = plan_reads([word, bit], 1)
    assert request.count == 1 and len(request.tags) == 2


def test_a_tag_longer_than_one_request_is_a_configuration_error():
    with pytest.raises(ValueError, match="over the 125"):
        plan_reads([_tag("s", 0, DataType.STRING, length=130)], 1)
