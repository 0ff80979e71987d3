"""Editing drafts through the API: operations of a routing version and lines of a BOM version, checked
(JSON errors with a stable code, in the client's language), audited, and approved by a second person."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import AuditEvent
from mes.production.demo_data import BOARD, PM100
from mes.services.api_tokens import create_token
from tests.e2e.api.test_masterdata_api import Client
from tests.support.production import install

V2 = "/routings/R-PM100/versions/2"


@pytest.fixture
def as_user(seeded, client) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    """The demo production data installed (R-PM100 v1 and the PM-100 BOM v1 approved); tokens by user name."""
    install(seeded)
    with unit_of_work(seeded) as s:
        tokens = {u: create_token(s, AuditActor.system("pytest"), u, "drafts test") for u in ("process", "quality")}
    return {u: Client(client, t) for u, t in tokens.items()}


def _seqs(routing: dict) -> list[int]:  # type: ignore[type-arg]
    return [op["seq"] for op in routing["operations"]]


def test_a_process_engineer_edits_the_operations_of_a_draft_and_a_quality_engineer_approves(as_user, seeded):
    process, quality = as_user["process"], as_user["quality"]
    process.call("POST", "/routings/R-PM100/versions", {}, 201)
    added = process.call("POST", f"{V2}/operations", {
        "seq": 25, "name": "Leak test", "station_type": "leak_test", "rework_target_seq": 10,
        "plan": [{"name": "leak_rate", "unit": "sccm", "max": 0.5, "source_tag": "result_leak_rate"}]}, 201)
    assert _seqs(added) == [10, 20, 25, 30, 40]
    moved = process.call("PATCH", f"{V2}/operations/40", {"seq": 5, "name": "UDI marking first"})
    assert (moved["operations"][0]["seq"], moved["operations"][0]["name"]) == (5, "UDI marking first")
    reordered = process.call("PUT", f"{V2}/order", {"order": [5, 10, 20, 30, 25]})
    assert [op["name"] for op in reordered["operations"]][-2:] == ["Functional test", "Leak test"]
    planned = process.call("PUT", f"{V2}/operations/30/plan", {"plan": [{"name": "leak_rate", "unit": "sccm",
                                                                           "max": 1.0}]})
    leak = planned["operations"][-1]  # the leak test, now number 30, its loop still back to 10
    assert leak["name"] == "Leak test" and leak["plan"][0]["high"] == 1.0 and leak["rework_target_seq"] == 10
    removed = process.call("DELETE", f"{V2}/operations/20")
    assert _seqs(removed) == [5, 10, 25, 30]
    refused = process.call("POST", f"{V2}/approve", {"password": "demo"}, 409)
    assert refused["error"]["code"] == "two_person_rule"
    approved = quality.call("POST", f"{V2}/approve", {"password": "demo", "reason": "leak test added"})
    assert approved["approved"] and approved["signature_id"] and _seqs(approved) == [5, 10, 25, 30]
    with seeded() as s:
        fields = [e.field for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "routing",
                                                                       AuditEvent.entity_id == "R-PM100/v2"))]
    assert fields.count("operations") == 4  # added, moved, reordered, removed


def test_a_bad_edit_is_a_json_error_in_the_clients_language_and_changes_nothing(as_user):
    process = as_user["process"]
    process.call("POST", "/routings/R-PM100/versions", {}, 201)
    cases = [
        ("POST", f"{V2}/operations", {"seq": 20, "name": "Twice", "station_type": "leak_test"}, 422,
         "invalid_master_data", "уже есть"),
        ("POST", f"{V2}/operations", {"seq": 25, "name": "Weld", "station_type": "welding"}, 422,
         "invalid_master_data", "нет станции"),
        ("POST", f"{V2}/operations", {"seq": "x", "name": "A", "station_type": "leak_test"}, 422, "invalid_input", ""),
        ("PATCH", f"{V2}/operations/20", {"rework_target_seq": 30}, 422, "invalid_master_data", "более ранней"),
        ("PATCH", f"{V2}/operations/40", {"seq": 10}, 422, "invalid_master_data", "уже есть"),
        ("PUT", f"{V2}/order", {"order": [10, 20]}, 422, "invalid_master_data", "каждую операцию"),
        ("PUT", f"{V2}/order", {"order": "10,20"}, 422, "invalid_input", ""),
        ("DELETE", f"{V2}/operations/99", None, 404, "not_found", ""),
        ("DELETE", "/routings/R-PM100/versions/1/operations/10", None, 409, "already_approved", "новую версию"),
    ]
    for method, path, data, status, code, russian in cases:
        error = process.call(method, path, data, status, lang="ru")["error"]
        assert error["code"] == code and russian in error["message"], (method, path, error)
    assert _seqs(process.call("GET", V2)) == [10, 20, 30, 40]


def test_bom_lines_of_a_draft_are_added_changed_and_removed_and_an_approved_bom_is_refused(as_user):
    process, quality = as_user["process"], as_user["quality"]
    boms = f"/products/{PM100}/boms"
    process.call("POST", boms, {"lines": [{"part_number": BOARD, "quantity": 1, "capture": "serial",
                                           "operation_seq": 10}]}, 201)
    draft = process.call("POST", f"{boms}/2/lines", {"part_number": "SCR-M3X8", "quantity": "4", "capture": "lot",
                                                     "operation_seq": 10, "substitutes": ["SCR-M3X8-ALT"]}, 201)
    assert [ln["part_number"] for ln in draft["lines"]] == [BOARD, "SCR-M3X8"]
    changed = process.call("PUT", f"{boms}/2/lines/2", {"part_number": "SCR-M3X8", "quantity": 6, "capture": "lot",
                                                        "operation_seq": 10, "substitutes": []})
    assert Decimal(changed["lines"][1]["quantity"]) == 6 and changed["lines"][1]["substitutes"] == []
    for data, russian in (({"part_number": BOARD, "quantity": 1}, "уже есть"),
                          ({"part_number": "BAT-2S", "quantity": -1}, "положительное"),
                          ({"part_number": "BAT-2S", "quantity": 1, "substitutes": ["BAT-2S"]}, "самого себя"),
                          ({"part_number": "NOPE-1", "quantity": 1}, "неизвестен")):
        error = process.call("POST", f"{boms}/2/lines", data, 422, lang="ru")["error"]
        assert error["code"] == "invalid_master_data" and russian in error["message"]
    assert process.call("DELETE", f"{boms}/2/lines/1")["lines"][0]["part_number"] == "SCR-M3X8"
    assert process.call("DELETE", f"{boms}/1/lines/1", status=409)["error"]["code"] == "already_approved"
    quality.call("POST", f"{boms}/2/approve", {"password": "demo"})
    listed = process.call("GET", boms)["boms"]
    assert [b["version"] for b in listed] == [1, 2] and listed[1]["approved"] and listed[1]["approved_by"]
    assert process.call("PUT", f"{boms}/2/lines/2", {"part_number": "SCR-M3X8", "quantity": 5},
                        409)["error"]["code"] == "already_approved"


def test_the_quality_engineer_may_not_edit_a_draft(as_user):
    as_user["process"].call("POST", "/routings/R-PM100/versions", {}, 201)
    error = as_user["quality"].call("DELETE", f"{V2}/operations/40", status=403)["error"]
    assert error["code"] == "permission_denied"


def test_the_editor_of_an_imported_draft_may_not_approve_it(as_user):
    process, quality = as_user["process"], as_user["quality"]
    process.call("POST", "/routings/R-IP7/versions/1/operations",
                 {"seq": 45, "name": "Visual inspection", "station_type": "functional_test"}, 201)
    assert process.call("POST", "/routings/R-IP7/versions/1/approve", {"password": "demo"},
                        409)["error"]["code"] == "two_person_rule"
    assert quality.call("POST", "/routings/R-IP7/versions/1/approve", {"password": "demo"})["approved"]
