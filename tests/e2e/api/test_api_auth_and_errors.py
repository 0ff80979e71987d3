"""The API's gate and its error contract: 401 without a token, 400/404/409/422 for bad requests, never 500."""

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mes.cli import main
from mes.models import Routing

WRITE_PATHS = ["/work-orders", "/work-orders/X/release", "/work-orders/X/serials", "/work-orders/X/hold",
               "/work-orders/X/resume", "/units/X/operations/10/start",
               "/units/X/operations/10/complete", "/units/X/measurements", "/units/X/components",
               "/units/X/rework", "/units/X/scrap", "/material-lots", "/material-lots/1/release",
               "/material-lots/1/quarantine"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer mes_wrong", "Basic b3BlcmF0b3I6ZGVtbw==", "mes_x"])
def test_a_request_without_a_valid_bearer_token_gets_a_json_401(seeded, client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/work-orders", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_is_not_an_api_credential(seeded, client):
    from tests.support.web import sign_in

    sign_in(client, "operator")
    assert client.post("/api/v1/work-orders", json={}).status_code == 401


def test_the_cli_creates_a_token_that_the_api_accepts(seeded, client, engine):
    result = CliRunner().invoke(main, ["api-token", "create", "--user", "quality"],
                                env={"MES_DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert re.fullmatch(r"mes_[A-Za-z0-9_-]{43}", token)
    assert client.get("/api/v1/work-orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_cli_refuses_an_unknown_user(seeded, engine):
    result = CliRunner().invoke(main, ["api-token", "create", "--user", "nobody"],
                                env={"MES_DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    assert result.exit_code != 0 and "nobody" in result.output


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_malformed_json_is_a_400_on_every_write_endpoint(api, path):
    response = api.client.post(f"/api/v1{path}", data="{not json", content_type="application/json",
                               headers=api.allowed_to("POST", path).headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_a_json_array_instead_of_an_object_is_a_400(api, path):
    assert api.allowed_to("POST", path).post(path, json=[1, 2]).status_code == 400


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/work-orders", {"product_gtin": "04607123000014", "quantity": "5"}),
        ("/work-orders", {"product_gtin": "04607123000014", "quantity": True}),
        ("/work-orders", {"product_gtin": 4607123000014, "quantity": 5}),
        ("/work-orders", {"product_gtin": "04607123000014", "quantity": 0}),
        ("/work-orders", {"quantity": 5}),
        ("/material-lots", {"part_number": "P", "lot_number": "L", "supplier": "S", "country_of_origin": "RU",
                            "quantity": "lots"}),
        ("/material-lots", {"part_number": "P", "lot_number": "L", "supplier": "S", "country_of_origin": "RU",
                            "quantity": 1, "expiry": "31.12.2027"}),
        ("/material-lots", {"part_number": "P", "lot_number": "L", "supplier": "S", "country_of_origin": "RUS",
                            "quantity": 1}),
        ("/material-lots", {"part_number": "P", "lot_number": "L", "supplier": "S", "country_of_origin": "RU",
                            "quantity": "NaN"}),
    ],
)
def test_wrong_types_and_values_are_a_422_naming_the_field(api, path, payload):
    response = api.allowed_to("POST", path).post(path, json=payload)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_measurements_with_wrong_shapes_are_a_422(api):
    for bad in ({"measurements": "torque=2"}, {"measurements": [{"name": "torque", "value": "2"}]},
                {"measurements": [{"value": 2}]}, {"measurements": [{"name": "t", "value": 1, "manual": "y"}]}):
        assert api.post("/units/X/operations/10/complete", json=bad).status_code == 422


@pytest.mark.parametrize("path", ["/work-orders/NOPE", "/units/NOPE", "/units/NOPE/trace", "/material-lots/999",
                                  "/lots/NOPE/where-used", "/units/NOPE/where-used"])
def test_unknown_ids_are_a_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_ids_in_writes_are_a_404_too(api):
    assert api.as_user("lead").post("/work-orders/NOPE/release").status_code == 404
    assert api.post("/units/NOPE/operations/10/start", json={"station": "SCR01"}).status_code == 404
    assert api.as_user("quality").post("/material-lots/999/release").status_code == 404


def test_a_malformed_scan_is_a_422_with_the_gs1_error_code_and_a_russian_message(api):
    lead = api.as_user("lead")
    number = lead.ok("POST", "/work-orders", {"product_gtin": "04607123000014", "quantity": 1}, 201)["number"]
    lead.ok("POST", f"/work-orders/{number}/release")
    (serial,) = lead.ok("POST", f"/work-orders/{number}/serials", {"count": 1}, 201)["serials"]
    api.ok("POST", f"/units/{serial}/operations/10/start", {"station": "SCR01"}, 201)
    response = api.client.post(f"/api/v1/units/{serial}/components", json={"scan": "]d20104607123990019"},
                               headers={**api.headers, "Accept-Language": "ru"})
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "gs1_bad_check_digit",
                                            "message": "Неверная контрольная цифра GTIN (04607123990019)"}


def test_breaking_a_production_rule_is_a_409(api):
    lead = api.as_user("lead")
    number = lead.ok("POST", "/work-orders", {"product_gtin": "04630045100012", "quantity": 1}, 201)["number"]
    response = lead.post(f"/work-orders/{number}/release")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "routing_not_approved"


def test_the_openapi_document_names_every_api_route_and_method(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented


def test_the_cli_installs_the_demo_production_data_once(seeded, engine):
    env = {"MES_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    for _ in range(2):
        result = CliRunner().invoke(main, ["production", "demo-data"], env=env)
        assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert set(conn.scalars(select(Routing.code).where(Routing.approved))) == {"R-PM100", "R-PCB100"}


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/no-such-endpoint", 404, "not_found"), ("POST", "/units/X/nothing-here", 404, "not_found"),
    ("GET", "/work-orders/X/release", 405, "method_not_allowed"),
    ("DELETE", "/work-orders", 405, "method_not_allowed")])
def test_an_unknown_path_or_method_under_the_api_is_a_json_error_not_the_html_page(api, method, path, status, code):
    response = api.client.open(f"/api/v1{path}", method=method, headers={**api.headers, "Accept-Language": "ru"})
    assert (response.status_code, response.mimetype) == (status, "application/json")
    assert response.get_json()["error"]["code"] == code and "API" in response.get_json()["error"]["message"]
    if status == 405:
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]


def test_a_body_over_the_limit_is_a_json_413_and_nothing_is_created(api, engine):
    from mes.models import WorkOrder
    from web.api import MAX_BODY_BYTES

    padding = "x" * (MAX_BODY_BYTES + 1)
    response = api.as_user("lead").post("/work-orders", {"product_gtin": "04607123000014", "quantity": 1,
                                                         "note": padding})
    assert (response.status_code, response.get_json()["error"]["code"]) == (413, "request_too_large")
    with engine.connect() as conn:
        assert conn.scalar(select(WorkOrder.id)) is None


def test_an_unexpected_failure_is_a_json_500_that_rolls_back(api, engine, monkeypatch):
    from mes.models import WorkOrder
    from mes.production import workorders

    release = workorders.release_work_order

    def broken(session, actor, number):  # type: ignore[no-untyped-def]
        release(session, actor, number)  # a real change, written to the transaction
        session.flush()
        raise RuntimeError("a bug")

    lead = api.as_user("lead")
    number = lead.ok("POST", "/work-orders", {"product_gtin": "04607123000014", "quantity": 1}, 201)["number"]
    monkeypatch.setattr(workorders, "release_work_order", broken)
    response = lead.post(f"/work-orders/{number}/release")
    assert (response.status_code, response.get_json()["error"]["code"]) == (500, "internal_error")
    assert "a bug" not in response.get_data(as_text=True)  # no internals leak to the client
    with engine.connect() as conn:
        assert conn.scalar(select(WorkOrder.status).where(WorkOrder.number == number)) == "planned"
