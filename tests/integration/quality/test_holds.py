"""Holds record who held what and why, and drive production's own flags: unit, work order, lot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.domain.routing import UnitOnHold
from mes.models import Hold, MaterialLot, WorkOrder
from mes.production.execution import start_operation
from mes.production.materials import LotReceipt, receive_lot
from mes.quality.errors import HoldBlocked
from mes.quality.holds import place_hold, release_hold
from tests.support.production import ACTOR, released_order, run_op


def _lot(plant, release: bool) -> int:  # type: ignore[no-untyped-def]
    from mes.production.materials import release_lot

    with unit_of_work(plant) as s:
        lot = receive_lot(s, ACTOR, LotReceipt("SCR-M3X8", f"H-{release}", "Krepezh", "RU", Decimal(100)))
        if release:
            release_lot(s, ACTOR, lot.id)
        return lot.id


def test_a_held_released_lot_is_quarantined_and_released_again_with_the_last_hold(plant, qa):
    lot_id = _lot(plant, release=True)
    with unit_of_work(plant) as s:
        first = place_hold(s, qa, "material_lot", str(lot_id), "supplier recall notice").id
        second = place_hold(s, qa, "material_lot", str(lot_id), "incoming inspection repeat").id
    with unit_of_work(plant) as s:
        release_hold(s, qa, first, "recall does not cover this lot")
    with plant() as s:
        assert s.get_one(MaterialLot, lot_id).status == "quarantined"
    with unit_of_work(plant) as s:
        release_hold(s, qa, second, "inspection passed")
    with plant() as s:
        assert s.get_one(MaterialLot, lot_id).status == "released"
        held = s.get_one(Hold, first)
        assert held.held_by_name == "Anna Volkova" and held.released_by_name == "Anna Volkova"


def test_releasing_a_hold_does_not_release_a_lot_that_was_quarantined_before_it(plant, qa):
    lot_id = _lot(plant, release=False)
    with unit_of_work(plant) as s:
        hold_id = place_hold(s, qa, "material_lot", str(lot_id), "supplier audit").id
    with unit_of_work(plant) as s:
        release_hold(s, qa, hold_id, "audit closed")
    with plant() as s:
        assert s.get_one(MaterialLot, lot_id).status == "quarantined"


def test_a_held_unit_cannot_start_until_its_hold_is_released(plant, qa):
    _, (serial,) = released_order(plant, quantity=1, serials=1)
    with unit_of_work(plant) as s:
        hold_id = place_hold(s, qa, "unit", serial, "dropped on the floor").id
    with unit_of_work(plant) as s, pytest.raises(UnitOnHold):
        start_operation(s, ACTOR, serial, 10, "SCR01")
    with unit_of_work(plant) as s:
        release_hold(s, qa, hold_id, "inspected, no damage")
    with unit_of_work(plant) as s:
        assert start_operation(s, ACTOR, serial, 10, "SCR01").seq == 10


def test_an_nc_hold_cannot_be_released_by_hand_while_the_nc_is_open(plant, qa):
    from tests.support.production import SCREWS, battery_scan, finished_board

    number, (serial,) = released_order(plant, quantity=1, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("H-1"), SCREWS))
    run_op(plant, serial, 20, pe_resistance=0.5)
    with plant() as s:
        hold = s.scalars(select(Hold).where(Hold.entity_key == serial)).one()
        assert hold.nonconformance_id is not None
        assert s.scalars(select(WorkOrder.status).where(WorkOrder.number == number)).one() == "in_progress"
    with unit_of_work(plant) as s, pytest.raises(HoldBlocked):
        release_hold(s, qa, hold.id, "looks fine")
