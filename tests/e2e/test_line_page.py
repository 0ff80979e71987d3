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
    assert (screw["state_name"], screw["state_group"], screw["plc_good_count"], screw["plc_bad_count"]) == (
        "EXECUTE", "running", 41, 2)
    assert (screw["good_count"], screw["bad_count"]) == (0, 0)  # this shift's results recorded by the MES: none
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


def test_the_dashboard_counts_this_shifts_machine_results_and_shows_the_shift(seeded, client):
    from mes.db import unit_of_work
    from mes.models import MachineResult, utcnow

    eq = equipment_id(seeded, "SCR01-SPINDLE")
    record_status(seeded, eq, connected=True, values={"state": 6, "good_count": 5000, "bad_count": 70})
    now = utcnow()
    with unit_of_work(seeded) as s:
        for n, passed in enumerate([True, True, True, False]):
            s.add(MachineResult(equipment_id=eq, sequence=n, serial=f"S{n}", passed=passed,
                                status_code=1 if passed else 2, received_at=now, recorded_at=now, edge_id="pytest"))
    sign_in(client, "quality")  # en
    data = client.get("/lines/L1/status.json").json
    screw = data["stations"][0]
    assert (screw["good_count"], screw["bad_count"]) == (3, 1)
    assert data["shift_code"] in {"1", "2", "3"} and data["shift_start"] < data["shift_end"]
    page = client.get("/lines/L1").get_data(as_text=True)
    assert 'id="shift-name"' in page and data["shift_label"] in page
    assert '<dd data-field="good_count">3</dd>' in page and '<dd data-field="bad_count">1</dd>' in page
