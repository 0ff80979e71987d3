"""The line page shows each station's state and the time of its last update."""

from sqlalchemy import select

from mes.edge.status_store import record_status
from mes.models import Equipment
from tests.support.web import sign_in


def equipment_id(sessions, code):
    with sessions() as s:
        return s.scalar(select(Equipment.id).where(Equipment.code == code))


def test_the_line_page_lists_every_station_in_flow_order(seeded, client):
    sign_in(client, "operator")
    page = client.get("/lines/L1").get_data(as_text=True)
    positions = [page.index(code) for code in ("SCR01", "LEAK01", "EST01", "FT01", "MARK01")]
    assert positions == sorted(positions)
    assert "данных ещё нет" in page  # nothing heard from the machines yet


def test_the_status_json_carries_what_the_edge_recorded(seeded, client):
    record_status(seeded, equipment_id(seeded, "SCR01-SPINDLE"), connected=True,
                  values={"state": 6, "good_count": 41, "bad_count": 2, "alarm_code": 0})
    record_status(seeded, equipment_id(seeded, "FT01-ATE"), connected=False, error="connection refused")
    sign_in(client, "quality")  # language: en
    data = client.get("/lines/L1/status.json").json
    by_code = {s["code"]: s for s in data["stations"]}
    screw = by_code["SCR01"]
    assert (screw["state_name"], screw["state_group"], screw["good_count"], screw["bad_count"]) == (
        "EXECUTE", "running", 41, 2)
    assert screw["state_label"] == "Execute"
    assert screw["updated_at"] and not screw["stale"]
    assert by_code["FT01"]["connected"] is False
    assert by_code["FT01"]["state_group"] == "offline"
    assert by_code["FT01"]["last_error"] == "connection refused"
    assert by_code["LEAK01"]["updated_at"] is None


def test_state_changes_are_kept_as_history(seeded):
    from mes.models import StateChange

    eq = equipment_id(seeded, "LEAK01-TESTER")
    for state in (4, 6, 6, 11):
        record_status(seeded, eq, connected=True, values={"state": state})
    with seeded() as s:
        history = s.scalars(select(StateChange).where(StateChange.equipment_id == eq).order_by(StateChange.id))
        assert [(h.from_state, h.to_state) for h in history] == [(None, 4), (4, 6), (6, 11)]


def test_times_are_shown_in_the_site_time_zone(seeded, client):
    record_status(seeded, equipment_id(seeded, "SCR01-SPINDLE"), connected=True, values={"state": 4})
    sign_in(client, "operator")
    page = client.get("/lines/L1").get_data(as_text=True)
    assert "Europe/Moscow" in page
    assert "Ожидание" in page or "ожидание" in page


def test_an_unknown_line_is_a_clear_404(seeded, client):
    sign_in(client, "operator")
    assert client.get("/lines/NOPE").status_code == 404
    response = client.get("/lines/NOPE/status.json")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_line"
