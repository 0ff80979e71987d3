"""Genealogy: backward from a serial to lots and suppliers, forward from a lot or serial to finished units."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import ComponentConsumption, MaterialLot, Unit
from mes.production.demo_data import BOARD, PM100
from mes.production.errors import NotFound
from mes.production.genealogy import trace_backward, where_used
from mes.production.materials import LotReceipt, receive_lot, release_lot
from tests.support.production import ACTOR, build_pm100, released_order


@pytest.fixture
def two_monitors(plant):
    """Two finished PM-100s, each with its own board, battery and screws."""
    number, serials = released_order(plant, quantity=2, serials=2)
    boards = [build_pm100(plant, serial, f"BAT-{i}") for i, serial in enumerate(serials)]
    return number, serials, boards


def test_backward_trace_lists_components_with_lots_suppliers_and_the_boards_own_components(plant, two_monitors):
    number, serials, boards = two_monitors
    with unit_of_work(plant) as s:
        tree = trace_backward(s, serials[0])
    assert (tree["serial"], tree["gtin"], tree["work_order"]) == (serials[0], PM100, number)
    parts = {c["part_number"]: c for c in tree["components"]}
    assert set(parts) == {BOARD, "BAT-2S", "SCR-M3X8"}
    assert parts["BAT-2S"]["serial"] == "BAT-0"
    assert parts["BAT-2S"]["lot"]["supplier"] == "Ampere Cells Ltd"
    assert parts["BAT-2S"]["lot"]["country_of_origin"] == "CN"
    assert parts["SCR-M3X8"]["quantity"] == "4.0000"
    board = parts[BOARD]["unit"]
    assert board["serial"] == boards[0]
    assert [(c["part_number"], c["lot"]["lot_number"]) for c in board["components"]] == [("MCU-32", "M-2611")]


def test_forward_trace_of_a_lot_reaches_finished_units_through_subassemblies(plant, two_monitors):
    number, serials, boards = two_monitors
    with unit_of_work(plant) as s:
        used = where_used(s, lot_number="M-2611")
    assert sorted(used["finished_units"]) == sorted(serials)
    assert {u["serial"]: u["depth"] for u in used["units"]} == {
        boards[0]: 1, boards[1]: 1, serials[0]: 2, serials[1]: 2}
    assert number in used["work_orders"] and len(used["work_orders"]) == 3


def test_forward_trace_of_a_component_serial_names_only_the_unit_it_went_into(plant, two_monitors):
    _, serials, boards = two_monitors
    with unit_of_work(plant) as s:
        assert where_used(s, serial="BAT-1")["finished_units"] == [serials[1]]
        assert where_used(s, serial=boards[0])["finished_units"] == [serials[0]]


def test_an_unused_lot_affects_nothing_and_an_unknown_lot_is_not_found(plant):
    with unit_of_work(plant) as s:
        assert where_used(s, lot_number="B2611")["units"] == []
        with pytest.raises(NotFound):
            where_used(s, lot_number="NOPE")
        with pytest.raises(NotFound):
            trace_backward(s, "NOPE")


def _lot(s, lot_number: str) -> MaterialLot:
    return s.scalars(select(MaterialLot).where(MaterialLot.lot_number == lot_number)).one()


def _consume(s, unit: Unit, part: str, lot: MaterialLot | None = None, component: Unit | None = None,
             serial: str | None = None, quantity: int = 1) -> None:
    """A consumption row as the component service writes it (the tree's shape is what the traces read)."""
    s.add(ComponentConsumption(unit_id=unit.id, part_number=part, material_lot_id=lot.id if lot else None,
                               component_unit_id=component.id if component else None,
                               component_serial=component.serial if component else serial,
                               quantity=Decimal(quantity), scanned="test"))
    if component is not None:
        component.status, component.parent_unit_id = "consumed", unit.id


@pytest.fixture
def two_levels(plant):
    """Modules in boards in monitors: a capacitor lot two subassembly levels below the finished units.

    M1 → B1 → D1 and M2 → B2 → D2; M3 built into nothing yet. M2 took the capacitor lot twice (two
    scans), D2 took an MCU directly as well as through its board, D1 a serialized battery.
    """
    with unit_of_work(plant) as s:
        cap = receive_lot(s, ACTOR, LotReceipt("CAP-10U", "C-1", "Kondensator AO", "RU", Decimal(100)))
        release_lot(s, ACTOR, cap.id, reason="test")
    modules_wo, modules = released_order(plant, BOARD, 3, 3)
    boards_wo, boards = released_order(plant, BOARD, 2, 2)
    devices_wo, devices = released_order(plant, PM100, 2, 2)
    with unit_of_work(plant) as s:
        unit = {serial: s.scalars(select(Unit).where(Unit.serial == serial)).one()
                for serial in modules + boards + devices}
        m1, m2, m3 = (unit[x] for x in modules)
        b1, b2 = (unit[x] for x in boards)
        d1, d2 = (unit[x] for x in devices)
        cap, mcu, screws, bat = (_lot(s, x) for x in ("C-1", "M-2611", "S-77", "B2611"))
        for m in (m1, m2, m3):
            _consume(s, m, "CAP-10U", cap)
        _consume(s, m2, "CAP-10U", cap)
        for m, b in ((m1, b1), (m2, b2)):
            _consume(s, b, BOARD, component=m)
            _consume(s, b, "MCU-32", mcu)
        for b, d in ((b1, d1), (b2, d2)):
            _consume(s, d, BOARD, component=b)
            _consume(s, d, "SCR-M3X8", screws, quantity=4)
        _consume(s, d1, "BAT-2S", bat, serial="BAT-77")
        _consume(s, d2, "MCU-32", mcu)
    return {"modules": modules, "boards": boards, "devices": devices,
            "orders": sorted([modules_wo, boards_wo, devices_wo])}


def test_backward_trace_goes_two_subassembly_levels_down_to_lots_and_suppliers(plant, two_levels):
    d1, m1, b1 = two_levels["devices"][0], two_levels["modules"][0], two_levels["boards"][0]
    with unit_of_work(plant) as s:
        tree = trace_backward(s, d1)
    assert tree["serial"] == d1 and tree["gtin"] == PM100
    parts = {c["part_number"]: c for c in tree["components"]}
    assert set(parts) == {BOARD, "SCR-M3X8", "BAT-2S"}
    assert (parts["BAT-2S"]["serial"], parts["BAT-2S"]["lot"]["lot_number"]) == ("BAT-77", "B2611")
    assert parts["SCR-M3X8"]["lot"]["supplier"] == "Krepezh OOO" and parts["SCR-M3X8"]["quantity"] == "4.0000"
    board = parts[BOARD]["unit"]
    assert (parts[BOARD]["serial"], board["serial"], board["gtin"]) == (b1, b1, BOARD)
    assert [c["part_number"] for c in board["components"]] == [BOARD, "MCU-32"]
    module = board["components"][0]["unit"]
    assert module["serial"] == m1
    assert [(c["part_number"], c["lot"]["lot_number"], c["lot"]["supplier"], c["lot"]["country_of_origin"])
            for c in module["components"]] == [("CAP-10U", "C-1", "Kondensator AO", "RU")]
    assert module["components"][0].get("unit") is None


def test_backward_trace_lists_a_lot_scanned_twice_twice_and_a_bare_unit_with_no_components(plant, two_levels):
    _, (bare,) = released_order(plant, PM100, 1, 1)
    with unit_of_work(plant) as s:
        module = trace_backward(s, two_levels["modules"][1])
        empty = trace_backward(s, bare)
    assert [c["lot"]["lot_number"] for c in module["components"]] == ["C-1", "C-1"]
    assert (empty["serial"], empty["components"]) == (bare, [])


def test_forward_trace_of_a_lot_climbs_two_levels_to_every_finished_unit_and_batch(plant, two_levels):
    (m1, m2, m3), (b1, b2), (d1, d2) = two_levels["modules"], two_levels["boards"], two_levels["devices"]
    with unit_of_work(plant) as s:
        used = where_used(s, lot_number="C-1")
        by_part = where_used(s, lot_number="C-1", part_number="CAP-10U")
    assert {u["serial"]: u["depth"] for u in used["units"]} == {m1: 1, m2: 1, m3: 1, b1: 2, b2: 2, d1: 3, d2: 3}
    assert sorted(used["finished_units"]) == sorted([d1, d2, m3])  # M3 is built into nothing (yet)
    assert used["work_orders"] == two_levels["orders"]
    assert [u["depth"] for u in used["units"]] == sorted(u["depth"] for u in used["units"])
    assert by_part == used


def test_forward_trace_names_each_unit_once_at_its_nearest_depth(plant, two_levels):
    (_, _, _), (b1, b2), (d1, d2) = two_levels["modules"], two_levels["boards"], two_levels["devices"]
    with unit_of_work(plant) as s:
        used = where_used(s, lot_number="M-2611")
    assert {u["serial"]: u["depth"] for u in used["units"]} == {b1: 1, b2: 1, d1: 2, d2: 1}
    assert [u["serial"] for u in used["units"]].count(d2) == 1


def test_forward_trace_of_a_subassembly_serial_and_of_a_purchased_serial(plant, two_levels):
    (m1, _, m3), (b1, _), (d1, _) = two_levels["modules"], two_levels["boards"], two_levels["devices"]
    with unit_of_work(plant) as s:
        assert {u["serial"]: u["depth"] for u in where_used(s, serial=m1)["units"]} == {b1: 1, d1: 2}
        assert where_used(s, serial="BAT-77")["finished_units"] == [d1]
        assert where_used(s, serial=m3)["units"] == []  # known, built into nothing
        with pytest.raises(NotFound):
            where_used(s, serial="NO-SUCH-SERIAL")


def test_a_lot_asked_with_another_part_number_is_not_found(plant, two_levels):
    with unit_of_work(plant) as s, pytest.raises(NotFound):
        where_used(s, lot_number="C-1", part_number="MCU-32")
