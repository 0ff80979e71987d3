"""A result block survives the spool byte for byte; the spool keeps order, one copy, and a crash."""

from datetime import UTC, datetime

from equipment_adapters.tags import DataType, TagSpec
from mes.edge.parameters import parse_parameter
from mes.edge.results import ResultBlock, ResultValue
from mes.edge.spool import Spool


def block(seq: int, equipment_id: int = 3) -> ResultBlock:
    return ResultBlock(equipment_id, "MARK01-LASER", seq, f"MARK01-{seq:06d}", 2, 6.01,
                       datetime(2026, 11, 26, 7, 0, 1, 123456, tzinfo=UTC), None,
                       (ResultValue("result_grade", 4.0, None, ""), ResultValue("result_mark_data", None, "0104…", "")))


def test_a_block_round_trips_through_json():
    original = block(17)
    assert ResultBlock.from_json(original.to_json()) == original
    assert not original.passed


def test_the_spool_returns_results_first_in_first_out_and_keeps_one_copy_per_sequence(tmp_path):
    spool = Spool(tmp_path / "s.sqlite3")
    assert spool.put(block(5)) and spool.put(block(6)) and spool.put(block(1, equipment_id=4))
    assert not spool.put(block(5))
    assert [(e.block.equipment_id, e.block.sequence) for e in spool.oldest()] == [(3, 5), (3, 6), (4, 1)]
    assert spool.holds(3) and not spool.holds(9)
    spool.remove(spool.oldest()[0].id)
    assert spool.count() == 2
    spool.close()


def test_what_was_spooled_is_still_there_after_the_process_reopens_the_file(tmp_path):
    spool = Spool(tmp_path / "s.sqlite3")
    spool.put(block(8))
    spool.close()
    again = Spool(tmp_path / "s.sqlite3")
    assert [e.block for e in again.oldest()] == [block(8)]
    assert again._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: fsync on every commit
    again.close()


def test_command_line_parameter_values_take_the_tag_type():
    assert parse_parameter(TagSpec("p", DataType.UINT16), "7") == 7
    assert parse_parameter(TagSpec("p", DataType.FLOAT32), "2.5") == 2.5
    assert parse_parameter(TagSpec("p", DataType.UINT16, gain=0.1), "2.5") == 2.5
    assert parse_parameter(TagSpec("p", DataType.STRING), "04607123000014") == "04607123000014"
    assert parse_parameter(TagSpec("p", DataType.BOOL), "true") is True
