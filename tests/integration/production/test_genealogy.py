"""Genealogy: backward from a serial to lots and suppliers, forward from a lot or serial to finished units."""

import pytest

from mes.db import unit_of_work
from mes.production.demo_data import BOARD, PM100
from mes.production.errors import NotFound
from mes.production.genealogy import trace_backward, where_used
from tests.support.production import build_pm100, released_order


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
