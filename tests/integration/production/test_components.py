"""Component scans against the BOM, the lot's status, expiry and quantity, and "a serial goes in once"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.domain.gs1_scan import BadCheckDigit
from mes.models import ComponentConsumption, MaterialLot
from mes.production.common import today
from mes.production.components import consume_component
from mes.production.errors import (
    ComponentAlreadyConsumed,
    ComponentNotUsable,
    InsufficientQuantity,
    LotExpired,
    LotNotReleased,
    NotFound,
    TooManyComponents,
    WrongPart,
)
from mes.production.execution import start_operation
from mes.production.materials import LotReceipt, quarantine_lot, receive_lot, release_lot
from tests.support.production import ACTOR, SCREWS, battery_scan, finished_board, released_order


def started(plant, count=1):
    _, serials = released_order(plant, serials=count)
    with unit_of_work(plant) as s:
        for serial in serials:
            start_operation(s, ACTOR, serial, 10, "SCR01")
    return serials


def consume(plant, serial, scan, quantity=None):
    with unit_of_work(plant) as s:
        return consume_component(s, ACTOR, serial, scan, quantity)


def lot(plant, part, number="S-77"):
    with unit_of_work(plant) as s:
        return s.scalars(select(MaterialLot).filter_by(part_number=part, lot_number=number)).one()


def test_screws_by_internal_label_decrement_the_lot_by_the_bom_quantity(plant):
    (serial,) = started(plant)
    row = consume(plant, serial, SCREWS)
    assert (row.part_number, row.quantity) == ("SCR-M3X8", Decimal(4))
    assert lot(plant, "SCR-M3X8").quantity_on_hand == Decimal(10000 - 4)


def test_more_than_the_bom_quantity_is_refused(plant):
    (serial,) = started(plant)
    consume(plant, serial, SCREWS, Decimal(3))
    with pytest.raises(TooManyComponents):
        consume(plant, serial, SCREWS, Decimal(2))


def test_an_approved_substitute_is_accepted_and_any_other_part_is_refused(plant):
    with unit_of_work(plant) as s:
        for part in ("SCR-M3X8-ALT", "SCR-M4X8"):
            release_lot(s, ACTOR, receive_lot(s, ACTOR, LotReceipt(part, "X1", "Vendor", "DE", Decimal(100))).id)
    (serial,) = started(plant)
    assert consume(plant, serial, "MES1|PN:SCR-M3X8-ALT|LOT:X1").part_number == "SCR-M3X8-ALT"
    with pytest.raises(WrongPart):
        consume(plant, serial, "MES1|PN:SCR-M4X8|LOT:X1")


def test_a_quarantined_lot_cannot_be_consumed(plant):
    with unit_of_work(plant) as s:
        quarantine_lot(s, ACTOR, lot(plant, "SCR-M3X8").id, reason="supplier complaint")
    (serial,) = started(plant)
    with pytest.raises(LotNotReleased):
        consume(plant, serial, SCREWS)


def test_an_expired_lot_cannot_be_consumed(plant):
    with unit_of_work(plant) as s:
        receipt = LotReceipt("SCR-M3X8", "OLD-1", "Krepezh OOO", "RU", Decimal(10), today() - timedelta(days=1))
        release_lot(s, ACTOR, receive_lot(s, ACTOR, receipt).id)
    (serial,) = started(plant)
    with pytest.raises(LotExpired):
        consume(plant, serial, "MES1|PN:SCR-M3X8|LOT:OLD-1")


def test_the_expiry_printed_on_a_gs1_label_counts_too(plant):
    (serial,) = started(plant)
    gone = (today() - timedelta(days=40)).strftime("%y%m00")
    with pytest.raises(LotExpired):
        consume(plant, serial, battery_scan("BX1").replace("10B2611", f"17{gone}10B2611"))


def test_a_lot_without_enough_left_is_refused(plant):
    with unit_of_work(plant) as s:
        release_lot(s, ACTOR, receive_lot(s, ACTOR, LotReceipt("SCR-M3X8", "LOW", "K", "RU", Decimal(2))).id)
    (serial,) = started(plant)
    with pytest.raises(InsufficientQuantity):
        consume(plant, serial, "MES1|PN:SCR-M3X8|LOT:LOW")


def test_a_serialized_purchased_component_goes_into_one_unit_only(plant):
    first, second = started(plant, 2)
    consume(plant, first, battery_scan("BAT-77"))
    with pytest.raises(ComponentAlreadyConsumed):
        consume(plant, second, battery_scan("BAT-77"))


def test_a_subassembly_goes_in_once_and_only_when_finished(plant):
    first, second = started(plant, 2)
    board = finished_board(plant)
    row = consume(plant, first, board)
    assert row.component_serial == board
    with pytest.raises(ComponentAlreadyConsumed):
        consume(plant, second, board)
    _, (untested,) = released_order(plant, "04607123000021", 1, 1)
    with pytest.raises(ComponentNotUsable):
        consume(plant, second, untested)


def test_unknown_lots_and_malformed_codes_get_their_own_errors(plant):
    (serial,) = started(plant)
    with pytest.raises(NotFound):
        consume(plant, serial, "MES1|PN:SCR-M3X8|LOT:NOPE")
    with pytest.raises(BadCheckDigit):
        consume(plant, serial, "]d20104607123990019" "10B2611")
    with unit_of_work(plant) as s:
        assert s.scalars(select(ComponentConsumption)).all() == []
