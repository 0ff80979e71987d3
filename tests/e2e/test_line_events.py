"""The dashboard's Server-Sent Events: the status when it changes, heartbeats, bounded streams."""

import json
import time

import pytest

from mes.edge.status_store import record_status
from mes.settings import Settings
from tests.e2e.test_line_page import equipment_id
from tests.support.web import sign_in
from web import create_app
from web.line_feed import StreamLimits

FAST = StreamLimits(poll_s=0.01, heartbeat_s=0.05, max_s=0.5, retry_ms=1500, max_streams=1)


@pytest.fixture
def client(engine, tmp_path):
    """A test client of an app whose streams are short and limited to one at a time."""
    settings = Settings(database_url=str(engine.url), secret_key="test-secret", site_file=tmp_path / "none")
    app = create_app(settings, engine=engine, overrides={"MES_SSE_LIMITS": FAST})
    return app.test_client()


def events_of(chunks) -> list[tuple[str, str]]:
    """(event, data) pairs of an SSE body."""
    found = []
    for block in "".join(chunks).split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], fields.get("data", "")))
    return found


def test_the_stream_sends_the_status_first_then_only_heartbeats_while_nothing_changes(seeded, client):
    record_status(seeded, equipment_id(seeded, "SCR01-SPINDLE"), connected=True,
                  values={"state": 6, "good_count": 7, "bad_count": 1, "alarm_code": 0})
    sign_in(client, "quality")
    response = client.get("/lines/L1/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = [chunk.decode() for chunk in response.response]
    response.close()
    assert chunks[0] == "retry: 1500\n\n"
    events = events_of(chunks)
    kinds = [kind for kind, _data in events]
    assert kinds[0] == "status" and set(kinds[1:-1]) <= {"heartbeat", "status"} and "heartbeat" in kinds
    first = json.loads(events[0][1])
    screw = first["stations"][0]
    assert (screw["code"], screw["state_label"], screw["plc_good_count"]) == ("SCR01", "Execute", 7)


def test_a_stream_ends_by_itself_telling_the_page_to_reconnect_and_frees_its_thread(seeded, client):
    sign_in(client, "operator")
    started = time.monotonic()
    response = client.get("/lines/L1/events", buffered=False)
    chunks = [chunk.decode() for chunk in response.response]
    response.close()
    assert time.monotonic() - started < FAST.max_s + 1
    assert events_of(chunks)[-1] == ("reconnect", "{}")


def test_a_stream_beyond_the_limit_is_refused_and_its_slot_comes_back_when_the_first_ends(seeded, client):
    sign_in(client, "operator")
    first = client.get("/lines/L1/events", buffered=False)
    refused = client.get("/lines/L1/events", buffered=False)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    first.close()  # a client that goes away (the server closes its response)
    again = client.get("/lines/L1/events", buffered=False)
    assert again.status_code == 200
    again.close()


def test_the_stream_of_an_unknown_line_is_a_404(seeded, client):
    sign_in(client, "operator")
    response = client.get("/lines/NOPE/events")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_line"


def test_an_anonymous_stream_is_refused(seeded, client):
    response = client.get("/lines/L1/events", headers={"Accept": "text/event-stream"})
    assert response.status_code in (302, 401)
    assert b"event:" not in response.data


def test_the_stream_holds_no_database_connection_between_polls(seeded, client, engine):
    sign_in(client, "operator")
    response = client.get("/lines/L1/events", buffered=False)
    stream = iter(response.response)
    next(stream), next(stream)  # retry line, first status
    assert engine.pool.checkedout() == 0
    response.close()


def test_the_page_carries_the_stream_address_the_status_address_and_its_texts(seeded, client):
    record_status(seeded, equipment_id(seeded, "MARK01-LASER"), connected=True,
                  values={"state": 9, "alarm_code": 401, "result_serial": "SN000042\x00\x00"})
    sign_in(client, "operator")
    page = client.get("/lines/L1").get_data(as_text=True)
    assert 'data-events-url="/lines/L1/events"' in page
    assert 'data-status-url="/lines/L1/status.json"' in page
    assert "Переподключение к серверу…" in page
    assert "MARK01: Авария 401" in page  # the active alarm, listed above the stations
    assert "SN000042<" in page  # the last unit's serial, PLC padding stripped
