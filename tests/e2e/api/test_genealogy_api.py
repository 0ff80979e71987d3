"""Genealogy over the API: an unused lot or serial is an empty answer, an unknown one a 404, in JSON."""

from tests.support.production import released_order


def test_a_received_lot_used_nowhere_yet_is_an_empty_answer_not_a_404(api):
    used = api.ok("GET", "/lots/S-77/where-used")
    assert used == {"units": [], "finished_units": [], "work_orders": []}
    assert api.ok("GET", "/lots/S-77/where-used?part_number=SCR-M3X8")["units"] == []


def test_a_lot_asked_under_another_part_number_is_a_404(api):
    response = api.get("/lots/S-77/where-used?part_number=MCU-32")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_serial_built_into_nothing_is_an_empty_answer_and_its_trace_has_no_components(api, seeded):
    _, (serial,) = released_order(seeded, quantity=1, serials=1)
    assert api.ok("GET", f"/units/{serial}/where-used")["units"] == []
    trace = api.ok("GET", f"/units/{serial}/trace")
    assert (trace["serial"], trace["components"]) == (serial, [])
