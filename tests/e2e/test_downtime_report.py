"""The downtime report page, its CSV and GET /api/v1/downtime: supervisors only, filters, corrections, errors."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import AuditEvent, DowntimeEvent, Station, utcnow
from mes.production.downtime import record_downtime
from mes.services.api_tokens import create_token
from tests.support.production import ACTOR
from tests.support.web import csrf_token, sign_in


def local_today() -> str:
    """Today in the site's time zone: the report's dates are local."""
    return utcnow().astimezone(ZoneInfo("Europe/Moscow")).date().isoformat()


def a_stop(sessions, station: str = "SCR01", reason: str = "material_shortage", comment: str = "no screws",
           minutes: float = 12) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        event = record_downtime(s, ACTOR, station, reason, comment)
        event.started_at = utcnow() - timedelta(minutes=minutes)  # within the shift running now, if it is that old
        return event.id


def test_the_report_of_the_shift_lists_the_stop_with_its_reason_in_russian(seeded, client):
    a_stop(seeded, minutes=0.5)
    sign_in(client, "lead")  # line lead, Russian
    page = client.get("/downtime/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Нет материалов или компонентов" in html and "no screws" in html and "SCR01" in html
    assert 'href="/downtime/"' in client.get("/lines/L1").get_data(as_text=True)  # reachable from the top bar


def test_operators_and_quality_engineers_may_not_open_the_report(seeded, client):
    sign_in(client, "operator")
    assert client.get("/downtime/").status_code == 403
    assert 'href="/downtime/"' not in client.get("/lines/L1").get_data(as_text=True)


def test_a_bad_date_is_refused_in_the_users_language(seeded, client):
    sign_in(client, "lead")
    page = client.get("/downtime/?from=2026-13-01")
    assert page.status_code == 422
    assert "from: 2026-13-01 — не дата (ГГГГ-ММ-ДД)" in page.get_data(as_text=True)


def test_the_csv_lists_each_stop_in_local_time(seeded, client):
    a_stop(seeded, minutes=0.5)
    sign_in(client, "lead")
    today = local_today()
    response = client.get(f"/downtime/export.csv?from={today}&to={today}&lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv"
    assert rows[0][:3] == ["Station", "Reason", "Comment"]
    assert rows[1][:3] == ["SCR01", "No material or components", "no screws"]


def test_a_supervisor_closes_and_reclassifies_a_stop_with_a_reason_audited(seeded, client):
    event_id = a_stop(seeded, minutes=0.5)
    sign_in(client, "lead")
    token = csrf_token(client, "/downtime/")
    refused = client.post(f"/downtime/{event_id}/close", data={"why": " ", "csrf_token": token})
    assert refused.status_code == 422 and "Укажите, почему простой изменяется" in refused.get_data(as_text=True)
    assert client.post(f"/downtime/{event_id}/reclassify", data={
        "reason": "breakdown", "comment": "feeder jammed", "why": "the operator chose the wrong reason",
        "csrf_token": token}).status_code == 303
    assert client.post(f"/downtime/{event_id}/close", data={
        "why": "the line was restarted by maintenance", "csrf_token": token}).status_code == 303
    with seeded() as s:
        stop = s.get_one(DowntimeEvent, event_id)
        assert (stop.reason, stop.comment, stop.ended_at is not None) == ("breakdown", "feeder jammed", True)
        reasons = list(s.scalars(select(AuditEvent.reason).where(AuditEvent.entity == "downtime_event",
                                                                 AuditEvent.entity_id == str(event_id),
                                                                 AuditEvent.action == "UPDATE")))
    assert reasons == ["the operator chose the wrong reason"] * 2 + ["the line was restarted by maintenance"]


def api_get(client, sessions, username: str, query: str = ""):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        token = create_token(s, ACTOR, username, "pytest")
    return client.get(f"/api/v1/downtime{query}", headers={"Authorization": f"Bearer {token}"})


def test_the_api_gives_totals_in_pareto_order_and_stops_in_local_time(seeded, client):
    a_stop(seeded, "SCR01", "breakdown", "spindle", minutes=0.2)
    a_stop(seeded, "LEAK01", "changeover", "to IP-7", minutes=0.1)
    with unit_of_work(seeded) as s:  # the changeover began earlier: it is the longer one
        s.execute(DowntimeEvent.__table__.update().where(DowntimeEvent.station_id == select(Station.id).where(
            Station.code == "LEAK01").scalar_subquery()).values(started_at=utcnow() - timedelta(seconds=50)))
    today = local_today()
    data = api_get(client, seeded, "lead", f"?from={today}&to={today}").get_json()
    assert [row["reason"] for row in data["by_reason"]] == ["changeover", "breakdown"]
    assert data["by_reason"][-1]["cumulative"] == 1.0
    assert {stop["station"]: stop["open"] for stop in data["stops"]} == {"SCR01": True, "LEAK01": True}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+03:00", data["start"])  # local midnight, Moscow
    only = api_get(client, seeded, "lead", f"?from={today}&station=SCR01&reason=breakdown").get_json()
    assert [stop["comment"] for stop in only["stops"]] == ["spindle"]


def test_api_errors_are_json_with_stable_codes(seeded, client):
    assert api_get(client, seeded, "lead", "?shift=9").get_json()["error"]["code"] == "unknown_shift"
    assert api_get(client, seeded, "lead", "?day=x&shift=1").get_json()["error"]["code"] == "invalid_date"
    bad_reason = api_get(client, seeded, "lead", "?reason=lunch")
    assert (bad_reason.status_code, bad_reason.get_json()["error"]["code"]) == (422, "unknown_downtime_reason")
    assert api_get(client, seeded, "operator").status_code == 403
    assert "/downtime" in client.get("/api/v1/openapi.json").get_json()["paths"]
