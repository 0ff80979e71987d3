"""Overrides through the API (a refused start, a lead's signed override, the exception in review) and history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import AuditEvent, Equipment, Override
from mes.production.demo_data import PM100
from mes.services.api_tokens import create_token
from tests.e2e.api.conftest import Api
from tests.e2e.api.test_production_scenario import order


def api_as(client, sessions, username: str) -> Api:
    with unit_of_work(sessions) as s:
        return Api(client, create_token(s, AuditActor.system("pytest"), username, f"{username} desk"))


@pytest.fixture
def lead_api(client, seeded) -> Api:
    return api_as(client, seeded, "lead")


@pytest.fixture
def qa_api(client, seeded) -> Api:
    return api_as(client, seeded, "quality")


def expire_calibration(sessions, code: str = "SCR01-SPINDLE") -> None:
    with unit_of_work(sessions) as s:
        s.scalars(select(Equipment).where(Equipment.code == code)).one().calibration_due = date.today() - timedelta(3)


def start(api, serial, equipment="SCR01-SPINDLE"):
    return api.post(f"/units/{serial}/operations/10/start", {"station": "SCR01", "equipment": equipment})


def grant(api, unit, **extra):
    request = {"serial": unit, "seq": 10, "check": "calibration_expired", "subject": "SCR01-SPINDLE",
               "reason": "calibrated this morning, certificate in the post", "password": "demo", **extra}
    return api.post("/overrides", request)


def test_a_refused_start_goes_through_after_a_leads_override_and_is_an_exception_in_review(api, lead_api, qa_api,
                                                                                          seeded):
    expire_calibration(seeded)
    number, (serial, other) = order(api, PM100, 2)
    refused = start(api, serial)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "calibration_expired"

    granted = grant(lead_api, serial)
    assert granted.status_code == 201, granted.get_json()
    override = granted.get_json()
    assert override["granted_by"] == "Olga Smirnova" and override["used_at_utc"] is None
    assert override["signature"]["meaning"] == "approved" and override["signature"]["valid"] is True
    assert "Olga Smirnova — Approved — " in override["signature"]["manifestation"]

    assert start(api, serial).status_code == 201
    assert start(api, other).status_code == 409  # one unit, one operation, one start
    listed = api.ok("GET", f"/overrides?work_order={number}")["overrides"]
    assert [o["id"] for o in listed] == [override["id"]] and listed[0]["used_at_utc"].endswith("Z")
    assert api.ok("GET", f"/overrides?serial={serial}&unused=1")["overrides"] == []

    record = qa_api.ok("GET", f"/work-orders/{number}/batch-record")
    exceptions = [e for e in record["exceptions"] if e["kind"] == "override"]
    assert [e["key"] for e in exceptions] == [f"override:{override['id']}"]
    assert exceptions[0]["open"] and "calibrated this morning" in exceptions[0]["detail"]


def test_a_lead_signs_at_the_operators_terminal_with_user_name_and_password(api, seeded):
    expire_calibration(seeded)
    _, (serial,) = order(api, PM100, 1)
    assert grant(api, serial).get_json()["error"]["code"] == "signer_not_authorized"  # the operator himself
    wrong = grant(api, serial, username="lead", password="not-it")
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "signature_wrong_credentials"
    unknown = grant(api, serial, username="nobody")
    assert unknown.get_json()["error"]["code"] == "signature_wrong_credentials"
    assert grant(api, serial, username="lead").status_code == 201
    assert start(api, serial).status_code == 201
    with seeded() as s:
        fails = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "SIGN_FAIL")))
        override = s.scalars(select(Override)).one()
    assert {e.user_name for e in fails} >= {"Olga Smirnova", "nobody"}
    assert override.granted_by_id != override.used_by_record_id and override.used_by_record_id is not None


@pytest.mark.parametrize(("change", "code", "status"), [
    ({"reason": "   "}, "invalid_input", 422),
    ({"check": "wrong_product"}, "not_overridable", 422),
    ({"subject": "NO-SUCH-MACHINE"}, "override_subject_unknown", 422),
    ({"seq": 99}, "invalid_input", 422),
    ({"serial": "NOPE"}, "not_found", 404),
    ({"password": ""}, "invalid_input", 422),
])
def test_a_bad_override_is_refused_before_anything_is_signed(lead_api, api, seeded, change, code, status):
    _, (serial,) = order(api, PM100, 1)
    refused = grant(lead_api, serial, **change)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (status, code)
    with seeded() as s:
        assert s.scalars(select(AuditEvent.id).where(AuditEvent.action.in_(("SIGN", "SIGN_FAIL")))).first() is None


def test_a_second_open_override_for_the_same_start_is_refused(lead_api, api, seeded):
    _, (serial,) = order(api, PM100, 1)
    assert grant(lead_api, serial).status_code == 201
    again = grant(lead_api, serial, reason="and once more")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "override_already_open"
    assert "уже разрешает" in lead_api.client.post("/api/v1/overrides", json={
        "serial": serial, "seq": 10, "check": "calibration_expired", "subject": "SCR01-SPINDLE", "reason": "x",
        "password": "demo"}, headers={**lead_api.headers, "Accept-Language": "ru"}).get_json()["error"]["message"]


def test_a_records_history_shows_who_when_where_what_why_and_its_signatures(api, lead_api, qa_api, seeded):
    _, (serial,) = order(api, PM100, 1)
    override_id = grant(lead_api, serial).get_json()["id"]
    assert api.get(f"/history/override/{override_id}").status_code == 403  # operators hold no audit.view
    history = qa_api.ok("GET", f"/history/override/{serial}/10/calibration_expired")
    assert [e["action"] for e in history["events"]] == ["SIGN"]
    assert history["signatures"][0]["manifestation"].startswith("Olga Smirnova — Approved — ")
    created = qa_api.ok("GET", f"/history/override/{override_id}")["events"][0]
    assert created == {**created, "action": "CREATE", "user_name": "Olga Smirnova", "workstation": "pytest-term",
                       "new": {"check": "calibration_expired", "subject": "SCR01-SPINDLE", "serial": serial, "seq": 10,
                               "reason": "calibrated this morning, certificate in the post"}}
    assert created["ts_utc"].endswith("Z") and created["reason"].startswith("calibrated")


def test_the_audit_search_filters_and_pages(api, lead_api, qa_api, seeded):
    number, (serial,) = order(api, PM100, 1)
    grant(lead_api, serial)
    mine = qa_api.ok("GET", "/audit?user=lead&action=SIGN,CREATE")
    assert {e["action"] for e in mine["events"]} == {"SIGN", "CREATE"}
    assert {e["user_name"] for e in mine["events"]} == {"Olga Smirnova"}
    first = qa_api.ok("GET", f"/audit?entity=work_order&entity_id={number}&limit=2")
    assert len(first["events"]) == 2 and first["next_before_id"] == first["events"][-1]["id"]
    rest = qa_api.ok("GET", f"/audit?entity=work_order&entity_id={number}&before_id={first['next_before_id']}")
    assert all(e["id"] < first["next_before_id"] for e in rest["events"]) and rest["next_before_id"] is None
    future = qa_api.ok("GET", "/audit?since=2999-01-01T00:00:00Z")
    assert future == {"events": [], "next_before_id": None}
    naive = qa_api.get("/audit?since=2026-11-26T07:00:00")
    assert naive.status_code == 422 and "time zone" in naive.get_json()["error"]["message"]
    assert qa_api.get("/audit?limit=abc").status_code == 422
