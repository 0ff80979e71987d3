"""The API's signing endpoints pass the signer's user name to the e-signature service, which checks it."""

from __future__ import annotations

from sqlalchemy import select

from mes.models import AuditEvent, User
from mes.production.demo_data import PM100
from tests.e2e.api.test_production_scenario import board, operation, order
from tests.support.production import SCREWS, battery_scan


def failed_nc(api) -> str:  # type: ignore[no-untyped-def]
    """A unit failed at functional test: its NC awaits disposition."""
    _number, (serial,) = order(api, PM100, 1)
    operation(api, serial, 10, (board(api), battery_scan("PACK-U1"), SCREWS))
    operation(api, serial, 20)
    assert operation(api, serial, 30, rail_3v3=3.45)["result"] == "fail"
    return api.ok("GET", f"/units/{serial}/dhr")["nonconformances"][0]["number"]


def test_another_users_name_with_the_right_password_is_refused_audited_and_counted(api, seeded):
    nc = failed_nc(api)
    qa = api.as_user("quality")
    wrong = qa.post(f"/nonconformances/{nc}/disposition",
                    {"disposition": "scrap", "password": "demo", "username": "lead"})
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "signature_wrong_credentials"
    with seeded() as s:
        assert s.scalars(select(User.failed_logins).where(User.username == "quality")).one() == 1
        assert s.scalars(select(AuditEvent.reason).where(AuditEvent.action == "SIGN_FAIL")).all() == [
            "signature_wrong_credentials"]
    empty = qa.post(f"/nonconformances/{nc}/disposition", {"disposition": "scrap", "password": "demo", "username": ""})
    assert (empty.status_code, empty.get_json()["error"]["code"]) == (422, "signature_username_required")
    signed = qa.ok("POST", f"/nonconformances/{nc}/disposition",
                   {"disposition": "scrap", "password": "demo", "username": "quality"})
    assert signed["status"] == "closed" and signed["signature_id"]
