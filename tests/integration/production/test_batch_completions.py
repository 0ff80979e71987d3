"""Completions in a batch: the same rules, rows and audit trail as one at a time; a refusal per item."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select, update

from mes.compliance import verify_chain
from mes.db import unit_of_work
from mes.domain.routing import OperationNotStarted
from mes.models import (
    AuditEvent,
    ComponentConsumption,
    MaterialLot,
    Nonconformance,
    OperationRecord,
    Unit,
    WorkOrder,
)
from mes.production.common import concurrency_guard
from mes.production.completions import CompletionRequest, ComponentScan, complete_operations
from mes.production.components import consume_component
from mes.production.errors import ComponentAlreadyConsumed, InsufficientQuantity, UnknownMeasurement
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput
from mes.production.quality import rework_unit
from tests.integration.production.test_concurrency import only_one_wins, race
from tests.support.production import (
    ACTOR,
    SCREWS,
    STATIONS,
    battery_scan,
    finished_board,
    released_order,
    run_op,
    values,
)


def _request(serial, seq, scans=(), **override):
    return CompletionRequest(serial, seq, values(seq, **override), station_code=STATIONS[seq],
                             scans=[ComponentScan(scan) for scan in scans])


def _batch(plant, requests):
    with unit_of_work(plant) as s:
        outcomes = complete_operations(s, ACTOR, requests)
        return [(o.record.result if o.record else None, o.error) for o in outcomes]


def _scenario(plant, batched: bool, tag: str) -> dict:
    """Two PM-100s: A passes every operation; B fails functional test, is reworked and passes the retests."""
    number, (a, b) = released_order(plant, quantity=2, serials=2)
    scans = {a: (finished_board(plant), battery_scan(f"{tag}A"), SCREWS),
             b: (finished_board(plant), battery_scan(f"{tag}B"), SCREWS)}
    with unit_of_work(plant) as s:
        first_event = s.scalar(select(func.max(AuditEvent.id)))
        screws_before = s.scalar(select(MaterialLot.quantity_on_hand).where(MaterialLot.lot_number == "S-77"))
    steps = [[(a, 10, scans[a], {}), (b, 10, scans[b], {})],
             [(a, 20, (), {}), (b, 20, (), {})],
             [(a, 30, (), {}), (b, 30, (), {"rail_3v3": 3.6})],
             "rework",
             [(a, 40, (), {}), (b, 10, (), {})],
             [(b, 20, (), {})], [(b, 30, (), {})], [(b, 40, (), {})]]
    for step in steps:
        if step == "rework":
            with unit_of_work(plant) as s:
                rework_unit(s, ACTOR, b, reason="re-seat the board connector")
        elif batched:
            assert all(error is None for _r, error in _batch(plant, [_request(*item[:3], **item[3])
                                                                     for item in step]))
        else:
            for serial, seq, unit_scans, override in step:
                run_op(plant, serial, seq, scans=unit_scans, **override)
    with unit_of_work(plant) as s:
        index = {a: "A", b: "B"}
        units = {u.serial: u for u in s.scalars(select(Unit).where(Unit.serial.in_([a, b])))}
        ids = {u.id: index[u.serial] for u in units.values()}
        records = s.scalars(select(OperationRecord).where(OperationRecord.unit_id.in_(ids))
                            .order_by(OperationRecord.id)).all()
        return {
            "records": sorted((ids[r.unit_id], r.seq, r.retest_count, r.result) for r in records),
            "measurements": sorted((ids[r.unit_id], r.seq, r.retest_count, m.name, m.value, m.passed, m.manual,
                                    m.source_tag) for r in records for m in r.measurements),
            "consumptions": sorted((ids[c.unit_id], c.part_number, c.quantity, c.component_serial is not None)
                                   for c in s.scalars(select(ComponentConsumption)
                                                      .where(ComponentConsumption.unit_id.in_(ids)))),
            "screws taken": screws_before - s.scalar(select(MaterialLot.quantity_on_hand)
                                                     .where(MaterialLot.lot_number == "S-77")),
            "units": sorted((index[u.serial], u.status, u.on_hold, u.next_seq, u.open_seq) for u in units.values()),
            "ncs": sorted((ids[nc.unit_id], nc.status) for nc in s.scalars(
                select(Nonconformance).where(Nonconformance.unit_id.in_(ids)))),
            "work order": s.scalar(select(WorkOrder.status).where(WorkOrder.number == number)),
            "audit": Counter((e.action, e.entity, e.field) for e in s.scalars(
                select(AuditEvent).where(AuditEvent.id > first_event))),
        }


def test_a_batch_writes_the_same_rows_and_audit_events_as_one_completion_at_a_time(plant, engine):
    by_calls = _scenario(plant, batched=False, tag="C")
    batched = _scenario(plant, batched=True, tag="B")
    assert batched == by_calls
    assert by_calls["work order"] == "completed"
    assert by_calls["units"] == [("A", "completed", False, None, None), ("B", "completed", False, None, None)]
    assert by_calls["screws taken"] == Decimal(8)
    assert ("B", 30, 1, "pass") in by_calls["records"]  # the retest after rework is counted
    assert by_calls["audit"][("CREATE", "nonconformance", None)] == 1
    assert verify_chain(engine).intact


def test_a_refused_request_writes_nothing_and_the_rest_of_the_batch_is_written(plant):
    _, (good, unknown, short, twice, not_started) = released_order(plant, quantity=5, serials=5)
    with unit_of_work(plant) as s:  # screws for two units only
        s.execute(update(MaterialLot).where(MaterialLot.lot_number == "S-77").values(quantity_on_hand=8))
    requests = [
        _request(good, 10, (finished_board(plant), battery_scan("OK-1"), SCREWS)),
        CompletionRequest(unknown, 10, [*values(10), MeasurementInput("colour", 1.0)], station_code="SCR01",
                          scans=[ComponentScan(finished_board(plant)), ComponentScan(battery_scan("UNK-1")),
                                 ComponentScan(SCREWS)]),
        _request(twice, 10, (finished_board(plant), battery_scan("TWICE-1"), SCREWS)),
        _request(short, 10, (finished_board(plant), battery_scan("SHORT-1"), SCREWS)),
        CompletionRequest(twice, 10, values(10)),
        CompletionRequest(not_started, 10, values(10)),
    ]
    outcomes = _batch(plant, requests)
    assert outcomes[0] == ("pass", None)
    assert isinstance(outcomes[1][1], UnknownMeasurement)  # refused: its screws stay for the next ones
    assert outcomes[2] == ("pass", None)
    assert isinstance(outcomes[3][1], InsufficientQuantity)
    assert outcomes[4][1].code == "invalid_input"  # a unit appears once per batch
    assert isinstance(outcomes[5][1], OperationNotStarted)
    with unit_of_work(plant) as s:
        status = dict(s.execute(select(Unit.serial, Unit.next_seq).where(
            Unit.serial.in_([good, unknown, short, twice, not_started]))).all())
        assert status == {good: 20, twice: 20, unknown: 10, short: 10, not_started: 10}
        written = s.scalars(select(Unit.serial).join(OperationRecord, OperationRecord.unit_id == Unit.id)
                            .where(Unit.serial.in_([unknown, short, not_started]))).all()
        assert written == []
        assert s.scalar(select(func.count()).select_from(Unit).where(Unit.status == "consumed")) == 2
        assert s.scalar(select(MaterialLot.quantity_on_hand).where(MaterialLot.lot_number == "S-77")) == 0


def test_two_requests_for_the_same_serialized_component_in_one_batch_the_first_gets_it(plant):
    _, (first, second) = released_order(plant, quantity=2, serials=2)
    battery = battery_scan("SHARED-1")
    outcomes = _batch(plant, [_request(first, 10, (finished_board(plant), battery, SCREWS)),
                              _request(second, 10, (finished_board(plant), battery, SCREWS))])
    assert outcomes[0] == ("pass", None)
    assert isinstance(outcomes[1][1], ComponentAlreadyConsumed)


def test_a_batch_and_a_single_completion_racing_for_one_battery_exactly_one_gets_it(plant, engine):
    _, (in_batch, other, single) = released_order(plant, quantity=3, serials=3)
    battery = battery_scan("RACE-BATCH")
    boards = [finished_board(plant) for _ in range(3)]

    def batch():  # as the API runs it: a deadlock or lock timeout is a retryable concurrent_update
        with concurrency_guard(), unit_of_work(plant) as s:
            outcomes = complete_operations(s, ACTOR, [_request(other, 10, (boards[1], battery_scan("O-1"), SCREWS)),
                                                      _request(in_batch, 10, (boards[0], battery, SCREWS))])
        return outcomes[1].error or outcomes[1].record.id  # the other request commits either way

    def by_calls():
        with concurrency_guard(), unit_of_work(plant) as s:
            start_operation(s, ACTOR, single, 10, "SCR01")
            for scan in (boards[2], battery, SCREWS):
                consume_component(s, ACTOR, single, scan)
            return complete_operation(s, ACTOR, single, 10, values(10)).id

    only_one_wins(race(2, lambda i: batch() if i == 0 else by_calls()), "component_already_consumed")
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count()).select_from(ComponentConsumption)
                        .where(ComponentConsumption.component_serial == "RACE-BATCH")) == 1
    assert verify_chain(engine).intact
