"""Each gap of the result handshake: a crash between two steps loses nothing and doubles nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, func, select

from equipment_adapters import create_adapter
from mes.edge.result_store import Recorded, record_result, record_results
from mes.edge.results import ResultBlock, ResultValue, read_block
from mes.edge.sink import ResultSink
from mes.edge.spool import Spool
from mes.models import AuditEvent, MachineResult
from tests.integration.edge.conftest import plc_books, running_edge, unacked, wait_for


def a_block(equipment_id: int, seq: int) -> ResultBlock:
    return ResultBlock(equipment_id, "SCR01-SPINDLE", seq, f"SCR01-{seq:06d}", 1, 4.2, datetime.now(UTC), None,
                       (ResultValue("result_torque", 2.5, None, "N·m"),))


def test_a_sequence_recorded_twice_gives_one_row_and_one_audit_entry(demo_line):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    assert record_result(demo_line.factory, a_block(equipment_id, 7), edge_id="e") is Recorded.NEW
    assert record_result(demo_line.factory, a_block(equipment_id, 7), edge_id="e") is Recorded.DUPLICATE
    with demo_line.factory() as session:
        assert session.scalar(select(func.count()).select_from(MachineResult)) == 1
        assert session.scalar(select(func.count()).where(AuditEvent.action == "RESULT_RECORDED")) == 1


def test_a_failing_production_hook_never_costs_the_machine_result(demo_line):
    def broken_hook(session, result):
        raise RuntimeError("no open operation for this unit")

    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    outcome = record_result(demo_line.factory, a_block(equipment_id, 8), edge_id="e", on_result=broken_hook)
    assert outcome is Recorded.NEW
    assert [r.sequence for r in demo_line.recorded("SCR01-SPINDLE")] == [8]


def test_the_production_hook_runs_in_the_result_transaction(demo_line):
    seen = []

    def hook(session, result):
        seen.append((result.id is not None, result.sequence, session.in_transaction()))

    record_result(demo_line.factory, a_block(demo_line.equipment_id("SCR01-SPINDLE"), 9), edge_id="e",
                  on_result=hook)
    assert seen == [(True, 9, True)]


async def test_a_crash_after_commit_before_ack_is_re_read_deduplicated_and_acked_on_restart(
        demo_line, edge_settings, tmp_path):
    code = "SCR01-SPINDLE"
    equipment_id = demo_line.equipment_id(code)
    async with demo_line.fleet(code, result_queue_size=0) as fleet:
        machine = fleet.machines[code].machine
        # The first life of the edge: reads the published result and commits it, then dies before the ack.
        adapter = create_adapter(demo_line.devices[code], supervise=False)
        await adapter.connect()
        try:
            await wait_for(lambda: machine.results.published is not None)
            seq = machine.results.published.seq
            block = await read_block(adapter, equipment_id, seq)
        finally:
            await adapter.close()
        spool = Spool(tmp_path / "first-life.sqlite3")
        assert ResultSink(demo_line.factory, spool, "edge-first-life").store(block) is Recorded.NEW
        spool.close()
        assert unacked(fleet, code) == [seq], "the PLC still presents it: no ack was written"
        # The edge restarts: same sequence still published, recorded already -> ack only.
        async with running_edge(demo_line.factory, edge_settings) as edge:
            await wait_for(lambda: seq not in unacked(fleet, code))
            await wait_for(lambda: len(demo_line.recorded(code)) >= 3)
            assert edge.sink.counts[Recorded.DUPLICATE] == 1
    sequences = [r.sequence for r in demo_line.recorded(code)]
    assert sequences.count(seq) == 1 and sequences == sorted(sequences) and sequences[0] == seq


async def test_an_edge_restarted_many_times_records_every_result_once(demo_line, edge_settings):
    code = "LEAK01-TESTER"
    async with demo_line.fleet(code) as fleet:
        first = fleet.machines[code].machine.results.last_seq
        for _ in range(5):
            async with running_edge(demo_line.factory, edge_settings):
                before = len(demo_line.recorded(code))
                await wait_for(lambda b=before: len(demo_line.recorded(code)) >= b + 2)
        issued, held = await plc_books(fleet, code, first)
        recorded = [r.sequence for r in demo_line.recorded(code)]
        assert recorded + held == issued


def test_a_group_commit_stores_each_new_result_once_and_reports_the_known_ones_as_duplicates(demo_line):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    record_result(demo_line.factory, a_block(equipment_id, 20), edge_id="e")
    batch = [a_block(equipment_id, 19), a_block(equipment_id, 20), a_block(equipment_id, 21),
             a_block(equipment_id, 21)]
    outcomes = record_results(demo_line.factory, batch, edge_id="e")
    assert outcomes == [Recorded.NEW, Recorded.DUPLICATE, Recorded.NEW, Recorded.DUPLICATE]
    assert [r.sequence for r in demo_line.recorded("SCR01-SPINDLE")] == [20, 19, 21]
    with demo_line.factory() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "RESULT_RECORDED")) == 3


def test_a_hook_failing_for_one_result_of_a_group_costs_no_result(demo_line):
    def hook(session, result):
        if result.sequence == 31:
            raise RuntimeError("no open operation for this unit")

    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    batch = [a_block(equipment_id, seq) for seq in (30, 31, 32)]
    assert record_results(demo_line.factory, batch, edge_id="e", on_result=hook) == [Recorded.NEW] * 3
    assert [r.sequence for r in demo_line.recorded("SCR01-SPINDLE")] == [30, 31, 32]


def test_a_group_costs_the_same_few_statements_whatever_its_size_and_no_select_before(demo_line):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    engine = demo_line.factory.kw["bind"]
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    record_result(demo_line.factory, a_block(equipment_id, 40), edge_id="e")
    event.listen(engine, "before_cursor_execute", seen)
    try:
        counts = []
        for group in ([41], list(range(42, 62)), [40, 62]):  # 1 result, 20 results, a known one and a new one
            statements.clear()
            outcomes = record_results(demo_line.factory, [a_block(equipment_id, s) for s in group], edge_id="e")
            assert outcomes[-1] is Recorded.NEW
            counts.append(len(statements))
            assert statements[0] == "INSERT", "the unique key, not a SELECT before, finds a known sequence"
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert counts[0] == counts[1] == counts[2] <= 6  # rows, values, audit lock + head (+ clock), audit rows
    assert outcomes == [Recorded.DUPLICATE, Recorded.NEW]
    assert [r.sequence for r in demo_line.recorded("SCR01-SPINDLE")] == [40, *range(41, 63)]


def test_a_spool_replayed_after_a_crash_between_commit_and_delete_gives_one_row_each(demo_line, tmp_path):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    spool = Spool(tmp_path / "spool.sqlite3")
    for seq in (70, 71, 72):
        spool.put(a_block(equipment_id, seq))
    record_result(demo_line.factory, a_block(equipment_id, 70), edge_id="e", spooled=True)  # committed, not deleted
    sink = ResultSink(demo_line.factory, spool, "e")
    try:
        assert sink.replay() == 3
        assert spool.count() == 0
        assert sink.counts[Recorded.DUPLICATE] == 1 and sink.counts[Recorded.NEW] == 2
    finally:
        spool.close()
    recorded = demo_line.recorded("SCR01-SPINDLE")
    assert [(r.sequence, r.spooled) for r in recorded] == [(70, True), (71, True), (72, True)]
    with demo_line.factory() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "RESULT_RECORDED")) == 3


def test_a_group_with_a_result_twice_keeps_the_arrival_order(demo_line):
    equipment_id = demo_line.equipment_id("SCR01-SPINDLE")
    batch = [a_block(equipment_id, seq) for seq in (80, 81, 80, 82)]
    assert record_results(demo_line.factory, batch, edge_id="e") == [
        Recorded.NEW, Recorded.NEW, Recorded.DUPLICATE, Recorded.NEW]
    assert [r.sequence for r in demo_line.recorded("SCR01-SPINDLE")] == [80, 81, 82]
