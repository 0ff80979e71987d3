"""Two stations acting on the same unit or component at the same instant: exactly one wins."""

import threading

import pytest
from sqlalchemy import func, select

from mes.compliance import verify_chain
from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.models import ComponentConsumption, OperationRecord, Unit
from mes.production.components import consume_component
from mes.production.execution import complete_operation, start_operation
from mes.production.serials import allocate_serials
from tests.support.production import ACTOR, battery_scan, finished_board, released_order, values


def race(count, action):
    """Run `action(i)` in `count` threads released together; return what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(i):
        barrier.wait()
        try:
            outcomes[i] = action(i)
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def only_one_wins(outcomes, error_code):
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(e, DomainError) for e in losses), losses
    assert {e.code for e in losses} <= {error_code, "concurrent_update"}


@pytest.mark.parametrize("attempt", range(3))
def test_two_stations_completing_the_same_operation_of_one_unit_record_it_once(plant, attempt):
    _, (serial,) = released_order(plant, serials=1)
    board = finished_board(plant)
    with unit_of_work(plant) as s:
        start_operation(s, ACTOR, serial, 10, "SCR01")
        consume_component(s, ACTOR, serial, board)
        consume_component(s, ACTOR, serial, battery_scan(f"RACE-{attempt}"))
        consume_component(s, ACTOR, serial, "MES1|PN:SCR-M3X8|LOT:S-77")

    def complete(_i):
        with unit_of_work(plant) as s:
            return complete_operation(s, ACTOR, serial, 10, values(10)).id

    only_one_wins(race(2, complete), "operation_not_started")
    with unit_of_work(plant) as s:
        results = s.scalars(select(OperationRecord.result).join(Unit, Unit.id == OperationRecord.unit_id)
                            .where(Unit.serial == serial)).all()
        assert results == ["pass"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_units_consuming_the_same_board_at_once_get_it_once(plant, attempt):
    _, serials = released_order(plant, serials=2)
    board = finished_board(plant)
    with unit_of_work(plant) as s:
        for serial in serials:
            start_operation(s, ACTOR, serial, 10, "SCR01")

    def consume(i):
        with unit_of_work(plant) as s:
            return consume_component(s, ACTOR, serials[i], board).id

    only_one_wins(race(2, consume), "component_already_consumed")
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count()).where(ComponentConsumption.component_serial == board)) == 1


def test_two_units_consuming_the_same_purchased_serial_at_once_get_it_once(plant):
    _, serials = released_order(plant, serials=2)
    with unit_of_work(plant) as s:
        for serial in serials:
            start_operation(s, ACTOR, serial, 10, "SCR01")

    def consume(i):
        with unit_of_work(plant) as s:
            return consume_component(s, ACTOR, serials[i], battery_scan("ONLY-ONE")).id

    only_one_wins(race(2, consume), "component_already_consumed")


def test_two_work_orders_of_one_brand_allocating_at_once_get_disjoint_serials(plant):
    orders = [released_order(plant, quantity=200)[0] for _ in range(2)]

    def allocate(i):
        with unit_of_work(plant) as s:
            return allocate_serials(s, ACTOR, orders[i], 200)

    first, second = race(2, allocate)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert len(set(first) | set(second)) == 400


def test_two_allocations_racing_for_the_last_serials_of_an_order_cannot_exceed_its_quantity(plant):
    number, _ = released_order(plant, quantity=60)

    def allocate(_i):
        with unit_of_work(plant) as s:
            return allocate_serials(s, ACTOR, number, 50)

    only_one_wins(race(2, allocate), "quantity_exceeded")


def test_the_audit_trail_stays_one_intact_chain_after_racing_writers(plant, engine):
    _, serials = released_order(plant, serials=4)
    board = finished_board(plant)
    with unit_of_work(plant) as s:
        for serial in serials:
            start_operation(s, ACTOR, serial, 10, "SCR01")

    def consume(i):
        with unit_of_work(plant) as s:
            return consume_component(s, ACTOR, serials[i], board if i < 2 else battery_scan(f"P{i}")).id

    race(4, consume)
    report = verify_chain(engine)
    assert report.intact, report.summary()
