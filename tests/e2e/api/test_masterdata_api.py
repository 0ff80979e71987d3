"""The master-data API: a process engineer drafts, a quality engineer approves with a password; errors are JSON."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import AuditEvent, ElectronicSignature
from mes.services.api_tokens import create_token
from tests.support.ports import free_port

USERS = ("process", "quality", "admin", "operator")


class Client:
    """JSON over the test client with one demo user's bearer token."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, json: Any = None, status: int = 200, lang: str = "en") -> Any:
        response = self.client.open(f"/api/v1{path}", method=method, json=json,
                                     headers={**self.headers, "Accept-Language": lang})
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json()


@pytest.fixture
def as_user(seeded, client) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    with unit_of_work(seeded) as s:
        tokens = {u: create_token(s, AuditActor.system("pytest"), u, "master data test") for u in USERS}
    return {u: Client(client, t) for u, t in tokens.items()}


PARAMS = [{"name": "target_torque", "value": "2.0", "unit": "N·m", "min": 1.5, "max": 2.5},
          {"name": "program", "value": "3"}]


def test_a_recipe_is_drafted_by_a_process_engineer_and_approved_by_a_quality_engineer(as_user, seeded):
    process, quality = as_user["process"], as_user["quality"]
    process.call("POST", "/recipes", {"code": "RCP-SCR", "name": "Screwing", "equipment_kind": "screwdriving",
                                      "product_gtin": "04607123000014"}, 201)
    draft = process.call("POST", "/recipes/RCP-SCR/versions", {"parameters": PARAMS, "note": "first"}, 201)
    assert draft["status"] == "draft" and draft["author"]
    error = process.call("GET", "/recipes/RCP-SCR/approved", status=409)["error"]
    assert error["code"] == "recipe_not_approved"
    refused = process.call("POST", "/recipes/RCP-SCR/versions/1/approve", {"password": "demo"}, 409)
    assert refused["error"]["code"] == "two_person_rule"
    wrong = quality.call("POST", "/recipes/RCP-SCR/versions/1/approve", {"password": "nope"}, 409)
    assert wrong["error"]["code"] == "signature_wrong_credentials"
    approved = quality.call("POST", "/recipes/RCP-SCR/versions/1/approve", {"password": "demo", "reason": "ok"})
    assert approved["status"] == "approved" and approved["signature_id"]
    assert process.call("GET", "/recipes/RCP-SCR/approved")["parameters"][0]["value"] == "2.0"
    with seeded() as s:
        signature = s.scalars(select(ElectronicSignature)).one()
        assert signature.meaning == "approved" and signature.entity_id == "RCP-SCR/v1"
        assert "demo" not in str([e.new_value for e in s.scalars(select(AuditEvent))])  # no password in the trail


def test_bad_input_is_a_json_error_in_the_clients_language_and_changes_nothing(as_user):
    process = as_user["process"]
    process.call("POST", "/recipes", {"code": "RCP-SCR", "name": "Screwing", "equipment_kind": "screwdriving"}, 201)
    out_of_range = [{"name": "target_torque", "value": "3.0", "min": 1.5, "max": 2.5}]
    error = process.call("POST", "/recipes/RCP-SCR/versions", {"parameters": out_of_range}, 422, lang="ru")["error"]
    assert error["code"] == "parameter_out_of_range" and "вне диапазона" in error["message"]
    assert process.call("GET", "/recipes/RCP-SCR")["versions"] == []
    error = process.call("POST", "/brands/MEDTEK/products", {"gtin": "04607123000015", "model": "X",
                                                             "revision": "A"}, 422)["error"]
    assert error["code"] == "invalid_master_data" and "check digit" in error["message"]
    assert process.call("POST", "/recipes/RCP-SCR/versions/1/approve", {}, 422)["error"]["code"] == "invalid_input"


def test_roles_without_the_permission_are_refused(as_user):
    body = {"code": "RCP-X", "name": "X", "equipment_kind": "screwdriving"}
    assert as_user["quality"].call("POST", "/recipes", body, 403)["error"]["code"] == "permission_denied"
    assert as_user["admin"].call("POST", "/recipes", body, 403)["error"]["code"] == "permission_denied"
    as_user["operator"].call("GET", "/recipes", status=403)
    as_user["admin"].call("GET", "/recipes")  # administrators may read master data


def test_a_routing_version_is_copied_and_approved_with_a_signature(as_user):
    process, quality = as_user["process"], as_user["quality"]
    quality.call("POST", "/routings/R-PM100/versions/1/approve", {"password": "demo"})
    v2 = process.call("POST", "/routings/R-PM100/versions", {}, 201)
    assert v2["version"] == 2 and not v2["approved"] and len(v2["operations"]) == 4
    assert process.call("POST", "/routings/R-PM100/versions/2/approve", {"password": "demo"}, 409)[
        "error"]["code"] == "two_person_rule"
    approved = quality.call("POST", "/routings/R-PM100/versions/2/approve", {"password": "demo"})
    assert approved["approved"] and approved["approved_by"]
    codes = {(r["code"], r["version"], r["approved"]) for r in process.call("GET", "/routings")["routings"]}
    assert ("R-PM100", 2, True) in codes


def test_a_bom_is_drafted_and_approved_by_two_people(as_user):
    process, quality = as_user["process"], as_user["quality"]
    bom = process.call("POST", "/products/04607123000014/boms", {"lines": [
        {"part_number": "BAT-2S", "quantity": 1, "capture": "serial", "operation_seq": 10}]}, 201)
    assert not bom["approved"]
    approved = quality.call("POST", f"/products/04607123000014/boms/{bom['version']}/approve", {"password": "demo"})
    assert approved["approved"] and approved["signature_id"]


def test_the_connection_test_reports_an_unreachable_machine_without_failing_the_request(as_user, seeded):
    from mes.models import Equipment

    with unit_of_work(seeded) as s:
        s.scalars(select(Equipment).filter_by(code="SCR01-SPINDLE")).one().endpoint = f"127.0.0.1:{free_port()}"
    report = as_user["admin"].call("POST", "/equipment/SCR01-SPINDLE/connection-test", {"timeout_s": 1})
    assert report["ok"] is False and report["error"] and report["tag"] == "state"
    assert as_user["admin"].call("POST", "/equipment/NOPE/connection-test", {}, 404)["error"]["code"] == "not_found"
