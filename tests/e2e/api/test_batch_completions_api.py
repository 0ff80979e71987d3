"""POST /api/v1/operations/completions: many units in one request, a result per item, JSON errors."""

from sqlalchemy import select

from mes.compliance import verify_chain
from mes.models import Unit
from mes.production.demo_data import PM100
from tests.e2e.api.test_production_scenario import board, measurements, order
from tests.support.production import SCREWS, battery_scan


def item(serial, seq, station, scans=(), **override):
    return {"serial": serial, "seq": seq, "station": station, "scans": list(scans),
            "measurements": measurements(seq, **override)}


def test_the_erp_completes_several_units_in_one_request_and_gets_a_result_for_each(api, engine, seeded):
    _, serials = order(api, PM100, 3)
    boards = [board(api) for _ in serials]
    body = {"completions": [
        item(serials[0], 10, "SCR01", (boards[0], battery_scan("API-B1"), SCREWS)),
        item(serials[1], 10, "SCR01", (boards[1], battery_scan("API-B2"), SCREWS), torque=9.0),
        item(serials[2], 10, "SCR01", (boards[2], battery_scan("API-B1"), SCREWS)),  # that battery is taken
        {"serial": serials[0], "seq": "ten"},
        {"serial": "NO-SUCH-UNIT", "seq": 10},
    ]}
    answer = api.ok("POST", "/operations/completions", body)
    assert (answer["completed"], answer["refused"]) == (2, 3)
    results = answer["results"]
    assert [r["ok"] for r in results] == [True, True, False, False, False]
    assert results[0]["operation"]["result"] == "pass"
    assert results[1]["operation"]["result"] == "fail"  # out of limits: NC and hold, like the single endpoint
    assert results[2]["error"]["code"] == "component_already_consumed"
    assert (results[3]["error"]["code"], results[3]["error"]["status"]) == ("invalid_input", 422)
    assert (results[4]["error"]["code"], results[4]["error"]["status"]) == ("not_found", 404)
    with seeded() as s:
        units = dict(s.execute(select(Unit.serial, Unit.next_seq).where(Unit.serial.in_(serials))).all())
        held = s.scalar(select(Unit.on_hold).where(Unit.serial == serials[1]))
    assert units == {serials[0]: 20, serials[1]: 10, serials[2]: 10}
    assert held
    assert api.get(f"/units/{serials[1]}").get_json()["on_hold"] is True
    assert verify_chain(engine).intact


def test_a_malformed_or_oversized_batch_is_refused_whole_with_a_json_error(api):
    for body, code in (({"completions": []}, "invalid_input"), ({"completions": "x"}, "invalid_input"),
                       ({"completions": [{"serial": "S", "seq": 10}] * 501}, "invalid_input")):
        response = api.post("/operations/completions", body)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == code
    russian = api.client.post("/api/v1/operations/completions", json={"completions": []},
                              headers={**api.headers, "Accept-Language": "ru"})
    assert russian.get_json()["error"]["message"] != api.post("/operations/completions",
                                                              {"completions": []}).get_json()["error"]["message"]


def test_the_batch_endpoint_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/operations/completions"]
    assert document["components"]["schemas"]["CompletionsIn"]["properties"]["completions"]["maxItems"] == 500
