"""What the web speed work shares between requests stays correct: each viewer's language, fresh status,
and an account locked elsewhere loses its session within the user cache's time."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from mes.edge.status_store import record_status
from mes.models import Equipment, User, utcnow
from tests.support.waiting import eventually
from tests.support.web import sign_in
from web.auth import SignedInUsers


def scr01(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(Equipment.id).where(Equipment.code == "SCR01-SPINDLE"))


def test_viewers_in_two_languages_each_get_the_dashboard_in_their_own(seeded, app):
    record_status(seeded, scr01(seeded), connected=True, values={"state": 6, "good_count": 7})
    russian, english = app.test_client(), app.test_client()
    sign_in(russian, "operator")  # ru
    sign_in(english, "quality")  # en
    for _ in range(2):  # the second round is served from the shared rendering
        ru_page = russian.get("/lines/L1").get_data(as_text=True)
        en_page = english.get("/lines/L1").get_data(as_text=True)
        assert "Линия" in ru_page and "Active alarms" not in ru_page
        assert "Active alarms" in en_page and "Ivan Petrov" not in en_page and "Anna Volkova" in en_page
        assert russian.get("/lines/L1/status.json").json["stations"][0]["state_label"] != (
            english.get("/lines/L1/status.json").json["stations"][0]["state_label"])


def test_a_new_status_reaches_the_page_and_the_json_once_the_snapshot_renews(seeded, client):
    sign_in(client, "quality")
    # the unit the machine last reported (the counts are the shift's MES records, not live PLC values)
    record_status(seeded, scr01(seeded), connected=True, values={"state": 6, "result_serial": "SN100"})
    assert client.get("/lines/L1/status.json").json["stations"][0]["last_serial"] == "SN100"
    record_status(seeded, scr01(seeded), connected=True, values={"state": 6, "result_serial": "SN101"})

    def shows_101() -> bool:
        return (client.get("/lines/L1/status.json").json["stations"][0]["last_serial"] == "SN101"
                and ">SN101<" in client.get("/lines/L1").get_data(as_text=True))

    asyncio.run(eventually(shows_101, timeout=5, what="the new count on the page and in the JSON"))


def test_an_account_locked_elsewhere_loses_its_session_within_the_cache_time(seeded, app):
    app.extensions["mes.signed_in_users"] = SignedInUsers(app.extensions["mes.sessions"], ttl_s=0.2)
    client = app.test_client()
    sign_in(client, "operator")
    assert client.get("/lines/L1").status_code == 200
    with seeded.begin() as s:  # e.g. `mes user` in another process, or another web process
        s.execute(update(User).where(User.username == "operator").values(locked_at=utcnow()))

    def signed_out() -> bool:
        response = client.get("/lines/L1")
        return response.status_code == 302 and "/login" in response.headers["Location"]

    asyncio.run(eventually(signed_out, timeout=5, what="the locked account's session to end"))
