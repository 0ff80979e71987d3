"""Quality records through the API: disposition, exceptions, refused then accepted release, DHR PDF, holds."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import AuditEvent
from mes.production.demo_data import PM100
from mes.services.api_tokens import create_token
from tests.e2e.api.conftest import Api
from tests.e2e.api.test_production_scenario import board, operation, order
from tests.support.production import SCREWS, battery_scan


@pytest.fixture
def qa_api(client, seeded) -> Api:
    """The API as Anna Volkova, quality engineer."""
    with unit_of_work(seeded) as s:
        return Api(client, create_token(s, AuditActor.system("pytest"), "quality", "qa desk"))


def test_a_batch_is_released_through_the_api_once_its_exceptions_are_reviewed(api, qa_api, seeded):
    number, (serial,) = order(api, PM100, 1)
    operation(api, serial, 10, (board(api), battery_scan("PACK-Q1"), SCREWS))
    operation(api, serial, 20)
    assert operation(api, serial, 30, rail_3v3=3.45)["result"] == "fail"
    nc = api.ok("GET", f"/units/{serial}/dhr")["nonconformances"][0]["number"]

    wrong = qa_api.post(f"/nonconformances/{nc}/disposition", {"disposition": "use_as_is", "password": "nope"})
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "signature_wrong_credentials"
    qa_api.ok("POST", f"/nonconformances/{nc}/notes", {"text": "3.45 V within the regulator datasheet"}, 201)
    qa_api.ok("POST", f"/nonconformances/{nc}/disposition",
              {"disposition": "concession", "justification": "design margin 3.5 V", "password": "demo"})
    operation(api, serial, 40)

    refused = qa_api.post(f"/work-orders/{number}/batch-record/release", {"password": "demo"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "exceptions_open"
    record = qa_api.ok("GET", f"/work-orders/{number}/batch-record")
    open_keys = [e["key"] for e in record["exceptions"] if e["open"]]
    assert open_keys and all(k.startswith("oos:") for k in open_keys)
    for key in open_keys:
        qa_api.ok("POST", f"/work-orders/{number}/batch-record/review",
                  {"key": key, "decision": "covered by the concession", "password": "demo"}, 201)
    released = qa_api.ok("POST", f"/work-orders/{number}/batch-record/release", {"password": "demo"})
    assert released["quantity_released"] == 1
    assert qa_api.ok("GET", f"/work-orders/{number}")["status"] == "closed"

    pdf = qa_api.get(f"/units/{serial}/dhr.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Anna Volkova — Dispositioned" in text and "Anna Volkova — Released" in text
    assert qa_api.get(f"/work-orders/{number}/batch-record.pdf?lang=ru").status_code == 200
    with seeded() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action.in_(("EXPORT", "SIGN")))))
        every_value = " ".join(f"{e.old_value} {e.new_value} {e.reason}" for e in s.scalars(select(AuditEvent)))
    assert {(e.entity, e.new_value) for e in events if e.action == "EXPORT"} >= {
        ("unit", '"pdf"'), ("work_order", '"json"'), ("work_order", '"pdf"')}
    assert "password" not in every_value and "nope" not in every_value


def test_a_held_work_order_refuses_operations_until_the_hold_is_released(api, qa_api):
    number, (serial,) = order(api, PM100, 1)
    hold = qa_api.ok("POST", "/holds", {"entity": "work_order", "key": number, "reason": "supplier alert"}, 201)
    refused = api.post(f"/units/{serial}/operations/10/start", {"station": "SCR01"})
    assert refused.status_code == 409
    assert api.post(f"/holds/{hold['id']}/release", {"reason": "cleared"}).status_code == 403  # operator
    qa_api.ok("POST", f"/holds/{hold['id']}/release", {"reason": "alert withdrawn"})
    assert api.ok("GET", f"/work-orders/{number}")["status"] == "released"
