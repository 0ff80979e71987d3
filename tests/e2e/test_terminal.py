"""The operator terminal through the web app: binding, a unit run by hand, refusals that change nothing."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from mes.db import unit_of_work
from mes.models import (
    ComponentConsumption,
    DowntimeEvent,
    Equipment,
    EquipmentStatus,
    InstructionDocument,
    MachineResult,
    MachineResultValue,
    Nonconformance,
    OperationRecord,
    Override,
    Routing,
    RoutingOperation,
    StationJob,
    Terminal,
    Unit,
    WorkInstruction,
    utcnow,
)
from mes.production.execution import complete_operation
from mes.production.terminals import revoke_terminal
from mes.quality.holds import place_hold
from tests.e2e.terminal_support import PARTIAL, audit_count, operator_at, record, register_screen, scan
from tests.support.production import (
    ACTOR,
    MCU,
    SCREWS,
    battery_scan,
    finished_board,
    install,
    released_order,
    run_op,
    values,
)
from tests.support.web import csrf_token, sign_in


@pytest.fixture
def plant(seeded):
    """The demo site ready for the PM-100."""
    install(seeded)
    return seeded


def unit(plant, serial: str) -> Unit:
    with unit_of_work(plant) as s:
        found = s.scalars(select(Unit).where(Unit.serial == serial)).one()
        s.expunge(found)
        return found


def test_a_screen_nobody_registered_tells_the_operator_to_call_the_line_lead(client, plant):
    sign_in(client, "operator")
    page = client.get("/terminal/").get_data(as_text=True)
    assert "Этот экран не привязан к станции" in page and "Вызовите мастера." in page
    assert "/terminal/setup" not in page  # an operator cannot bind it


def test_a_line_lead_binds_the_screen_to_a_station_and_the_screen_remembers_it(client, plant):
    response = register_screen(client, "SCR01")
    cookie = response.headers["Set-Cookie"]
    assert "mes_terminal=" in cookie and "HttpOnly" in cookie
    with unit_of_work(plant) as s:
        terminal = s.scalars(select(Terminal)).one()
        assert terminal.name == "T-1" and len(terminal.token_hash) == 64
        assert cookie.split("mes_terminal=")[1].split(";")[0] not in terminal.token_hash  # only the hash is kept
    sign_in(client, "operator")
    page = client.get("/terminal/").get_data(as_text=True)
    assert "SCR01" in page and "Torque screwing" in page and 'id="scan"' in page


def test_an_operator_cannot_register_a_terminal(client, plant):
    sign_in(client, "operator")
    assert client.get("/terminal/setup").status_code == 403


def test_a_revoked_terminal_is_no_longer_bound(client, plant):
    register_screen(client, "SCR01")
    sign_in(client, "admin")
    with unit_of_work(plant) as s:
        terminal_id = s.scalars(select(Terminal.id)).one()
    client.post(f"/terminal/setup/{terminal_id}/revoke", data={"csrf_token": csrf_token(client, "/terminal/setup")})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/terminal/setup")})
    sign_in(client, "operator")
    assert "Этот экран не привязан к станции" in client.get("/terminal/").get_data(as_text=True)


def test_a_terminal_revoked_by_another_process_loses_its_binding_within_two_seconds(client, plant):
    """The binding is cached per process (web/terminal_binding.py); a revocation elsewhere ends it within 2 s."""
    register_screen(client, "SCR01")
    sign_in(client, "operator")
    assert client.get("/terminal/panel").status_code == 200  # bound: the binding is now cached
    with unit_of_work(plant) as s:  # as the CLI or another web process would
        revoke_terminal(s, ACTOR, s.scalars(select(Terminal.id)).one())
    time.sleep(2.1)
    assert client.get("/terminal/panel").status_code == 409
    assert "Этот экран не привязан к станции" in client.get("/terminal/").get_data(as_text=True)


def test_the_operator_runs_a_unit_through_screwing_by_hand(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    board = finished_board(plant)
    token = operator_at(client, "SCR01")
    page = scan(client, token, serial)
    assert f"Изделие {serial}: операция 10 начата." in page
    assert "Housing screwing" in page and "Компоненты для сканирования" in page
    for code in (board, battery_scan("BT-1"), SCREWS):
        assert "Компонент" in scan(client, token, code)
    page = record(client, token, torque="2,0", angle=300)
    assert f"ГОДЕН: изделие {serial}, операция 10." in page
    assert "Передайте изделие на операцию 20 Electrical safety test" in page
    done = unit(plant, serial)
    assert (done.next_seq, done.open_seq, done.on_hold) == (20, None, False)
    with unit_of_work(plant) as s:
        rec = s.scalars(select(OperationRecord).where(OperationRecord.unit_id == done.id)).one()
        assert rec.result == "pass" and rec.operator_id is not None
        measured = {(m.name, m.value, m.manual) for m in rec.measurements}
        assert measured == {("torque", 2.0, True), ("angle", 300.0, True)}


def test_an_out_of_limits_value_fails_the_unit_opens_an_nc_and_says_what_to_do(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("BT-2"), SCREWS))
    token = operator_at(client, "EST01", lang="en")
    scan(client, token, serial)
    page = record(client, token, pe_resistance=0.5, touch_current=40)
    assert f"FAIL: unit {serial}, operation 20." in page and "Put the unit on the hold shelf and call quality." in page
    assert unit(plant, serial).on_hold
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count()).select_from(Nonconformance)) == 1


def refused(client, plant, token, code, language_text, hint):  # type: ignore[no-untyped-def]
    """Scan a code that must be refused: the message and next step show, and nothing is written."""
    before = audit_count(plant)
    with unit_of_work(plant) as s:
        consumed = s.scalar(select(func.count()).select_from(ComponentConsumption))
        records = s.scalar(select(func.count()).select_from(OperationRecord))
    page = scan(client, token, code)
    assert 'data-outcome="error"' in page and language_text in page and hint in page
    assert audit_count(plant) == before
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count()).select_from(ComponentConsumption)) == consumed
        assert s.scalar(select(func.count()).select_from(OperationRecord)) == records


@pytest.mark.parametrize(("lang", "texts"), [
    ("ru", {"unknown": ("Неизвестный штрихкод: NO-SUCH-1", "Проверьте, что сканируете этикетку"),
            "wrong_part": ("нет в спецификации", "Верните эту деталь."),
            "hold": ("Изделие заблокировано", "Положите его на полку блокировки"),
            "sequence": ("Операция выполняется на станции типа electrical_safety", "Передайте его туда.")}),
    ("en", {"unknown": ("Unknown barcode: NO-SUCH-1", "Check that you scanned the unit"),
            "wrong_part": ("is not in the bill of materials", "Put this part back."),
            "hold": ("The unit is on hold", "Put it on the hold shelf and call quality."),
            "sequence": ("must be done at a station of type electrical_safety", "Take it there.")}),
])
def test_refusals_speak_the_operators_language_say_what_to_do_and_change_nothing(client, plant, lang, texts):
    _, (first, held, moved) = released_order(plant, serials=3)
    run_op(plant, moved, 10, scans=(finished_board(plant), battery_scan("BT-3"), SCREWS))
    with unit_of_work(plant) as s:
        place_hold(s, ACTOR, "unit", held, "suspect housing")
    token = operator_at(client, "SCR01", lang=lang)
    refused(client, plant, token, "NO-SUCH-1", *texts["unknown"])
    refused(client, plant, token, held, *texts["hold"])
    refused(client, plant, token, moved, *texts["sequence"])
    scan(client, token, first)
    refused(client, plant, token, MCU, *texts["wrong_part"])  # the MCU goes into the board, not the monitor


def test_the_result_is_refused_until_every_component_is_scanned(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    page = record(client, token, torque=2.0, angle=300)
    assert "не отсканированы компоненты" in page and "Отсканируйте недостающие компоненты" in page
    assert unit(plant, serial).open_seq == 10


def test_a_typed_value_that_is_no_number_is_refused(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    page = record(client, token, torque="два", angle=300)
    assert "torque — не число." in page and unit(plant, serial).open_seq == 10


def test_an_unqualified_operator_is_let_through_by_a_line_leads_signed_override(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        for op in s.scalars(select(RoutingOperation).where(RoutingOperation.seq == 10)):
            op.required_qualification = "SCREWING"
    token = operator_at(client, "SCR01")
    before = audit_count(plant)
    page = scan(client, token, serial)
    assert "нет действующей квалификации SCREWING" in page and "Разрешение мастера" in page
    assert unit(plant, serial).open_seq is None and audit_count(plant) == before  # refused: nothing written
    wrong = client.post("/terminal/override", headers=PARTIAL, data={
        "lead": "lead", "password": "wrong", "reason": "trainee under supervision", "csrf_token": token})
    assert "Неверное имя пользователя или пароль" in wrong.get_data(as_text=True)
    assert unit(plant, serial).open_seq is None
    page = client.post("/terminal/override", headers=PARTIAL, data={
        "lead": "lead", "password": "demo", "reason": "trainee under supervision", "csrf_token": token}
    ).get_data(as_text=True)
    assert f"Изделие {serial}: операция 10 начата." in page
    with unit_of_work(plant) as s:
        override = s.scalars(select(Override)).one()
        assert (override.check, override.subject, override.serial) == ("not_qualified", "operator", serial)
        assert override.used_by_record_id is not None and override.signature_id is not None


def test_an_operator_cannot_sign_the_override_for_themselves(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        for op in s.scalars(select(RoutingOperation).where(RoutingOperation.seq == 10)):
            op.required_qualification = "SCREWING"
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    page = client.post("/terminal/override", headers=PARTIAL, data={
        "lead": "operator", "password": "demo", "reason": "me", "csrf_token": token}).get_data(as_text=True)
    assert "Ваша роль не даёт права на эту подпись" in page
    assert unit(plant, serial).open_seq is None


def test_scanning_the_unit_again_resumes_its_open_operation_for_the_next_operator(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    client.post("/terminal/aside", data={"csrf_token": token}, headers=PARTIAL)
    page = scan(client, token, serial)
    assert f"Изделие {serial}: операция 10 продолжается." in page
    with unit_of_work(plant) as s:
        assert s.scalar(select(func.count()).select_from(OperationRecord)) == 1


def test_the_terminal_login_is_in_the_terminals_language_and_names_the_station(client, plant):
    register_screen(client, "FT01", language="en")
    page = client.get("/terminal/login").get_data(as_text=True)
    assert "Sign in with a badge" in page and "FT01 — Functional test" in page


def test_the_operator_hands_the_started_unit_to_the_machine_and_can_take_it_out(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    page = client.post("/terminal/machine/load", data={"csrf_token": token}, headers=PARTIAL).get_data(as_text=True)
    assert f"Изделие {serial} передано оборудованию." in page
    assert "ждёт, пока оборудование примет серийный номер" in page and "Записать результат" not in page
    again = client.post("/terminal/machine/load", data={"csrf_token": token}, headers=PARTIAL).get_data(as_text=True)
    assert "уже загружено" in again  # one unit per machine; nothing new written
    assert 'data-job-status="pending"' in client.get("/terminal/panel").get_data(as_text=True)
    page = client.post("/terminal/machine/cancel", data={"csrf_token": token}, headers=PARTIAL).get_data(as_text=True)
    assert "отменено" in page and "Записать результат" in page
    with unit_of_work(plant) as s:
        job = s.scalars(select(StationJob)).one()
        assert job.status == "failed" and "operator took the unit out" in job.reason


def test_a_machine_result_arriving_is_announced_once_on_the_screen(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    token = operator_at(client, "EST01")
    scan(client, token, serial)
    with unit_of_work(plant) as s:
        unit_row = s.scalars(select(Unit).where(Unit.serial == serial)).one()
        assert unit_row.open_seq is None  # op 10 is not done: EST01 refuses the start
    run_op(plant, serial, 10, scans=(finished_board(plant), battery_scan("BT-9"), SCREWS))
    scan(client, token, serial)
    client.post("/terminal/machine/load", data={"csrf_token": token}, headers=PARTIAL)
    with unit_of_work(plant) as s:  # what the edge does when the machine reports the unit's values
        job = s.scalars(select(StationJob)).one()
        record = complete_operation(s, ACTOR, serial, 20, values(20))
        job.status, job.operation_record_id = "done", record.id
    page = client.get("/terminal/work", headers=PARTIAL).get_data(as_text=True)
    assert f"ГОДЕН: изделие {serial}, операция 20." in page
    assert "ГОДЕН" not in client.get("/terminal/work", headers=PARTIAL).get_data(as_text=True).split("t-card")[0]


def stopped(plant, code="SCR01-SPINDLE", state=2):  # type: ignore[no-untyped-def]
    """The edge saw the machine in `state` (PackML 2 = Stopped, 6 = Execute) after a result with a torque."""
    with unit_of_work(plant) as s:
        equipment = s.scalars(select(Equipment).where(Equipment.code == code)).one()
        if s.scalars(select(MachineResult)).first() is None:
            result = MachineResult(equipment_id=equipment.id, sequence=1, serial="MT1", passed=True, status_code=1,
                                   cycle_time_s=4.2, received_at=utcnow(), recorded_at=utcnow(), edge_id="test")
            result.values.append(MachineResultValue(name="result_torque", value=2.01, unit="N·m"))
            s.add(result)
        s.merge(EquipmentStatus(equipment_id=equipment.id, connected=True, packml_state=state,
                                values={"state": state, "alarm_code": 7, "good_count": 5, "bad_count": 1,
                                        "result_serial": "MT1"},
                                updated_at=utcnow(), last_good_at=utcnow(), consecutive_failures=0))


def test_the_live_panel_shows_the_machine_and_asks_for_a_reason_when_it_stops(client, plant):
    token = operator_at(client, "SCR01")
    stopped(plant, state=6)
    panel = client.get("/terminal/panel").get_data(as_text=True)
    assert 'data-needs-reason="0"' in panel and "работа" in panel
    assert "Последний результат: MT1" in panel and "torque" in panel and "2.01 N·m" in panel
    stopped(plant, state=2)
    panel = client.get("/terminal/panel").get_data(as_text=True)
    assert 'data-needs-reason="1"' in panel and "остановлено" in panel
    refused_page = client.post("/terminal/downtime", data={"reason": "other", "comment": "", "csrf_token": token},
                               headers=PARTIAL).get_data(as_text=True)
    assert "Опишите, что случилось." in refused_page
    page = client.post("/terminal/downtime", data={"reason": "breakdown", "comment": "spindle jammed",
                                                   "csrf_token": token}, headers=PARTIAL).get_data(as_text=True)
    assert "Простой записан: Поломка оборудования." in page
    panel = client.get("/terminal/panel").get_data(as_text=True)
    assert 'data-needs-reason="0"' in panel and "spindle jammed" in panel and "Снова работает" in panel
    client.post("/terminal/downtime/end", data={"csrf_token": token}, headers=PARTIAL)
    with unit_of_work(plant) as s:
        event = s.scalars(select(DowntimeEvent)).one()
        assert (event.reason, event.comment, event.machine_state) == ("breakdown", "spindle jammed", "STOPPED")
        assert event.ended_at is not None and event.reported_by_id == event.ended_by_id


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_process_engineer_writes_the_instruction_and_the_operator_sees_it_with_its_drawing(client, plant):
    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        op_id = s.scalars(select(RoutingOperation.id).join(RoutingOperation.routing)
                          .where(Routing.code == "R-PM100", RoutingOperation.seq == 10)).one()
    sign_in(client, "process")
    token = csrf_token(client, f"/terminal/instructions/{op_id}")
    refused_upload = client.post(f"/terminal/instructions/{op_id}", data={
        "csrf_token": token, "title": "fake", "document": (io.BytesIO(b"MZ not an image"), "x.png", "image/png")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "is not a image/png document" in refused_upload.get_data(as_text=True)
    client.post(f"/terminal/instructions/{op_id}", data={
        "csrf_token": token, "text": "1. Put the board in the housing.\n2. Tighten 4 screws crosswise.",
        "title": "Screw order", "document": (io.BytesIO(PNG), "order.png", "image/png")},
        content_type="multipart/form-data")
    client.post("/logout", data={"csrf_token": token})
    with unit_of_work(plant) as s:
        document = s.scalars(select(InstructionDocument)).one()
        assert s.scalars(select(WorkInstruction)).one().revision == 1
    token = operator_at(client, "SCR01")
    page = scan(client, token, serial)
    assert "Tighten 4 screws crosswise." in page and f"/terminal/documents/{document.id}" in page
    image = client.get(f"/terminal/documents/{document.id}")
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    client.post("/terminal/logout", data={"csrf_token": token})
    assert client.get(f"/terminal/documents/{document.id}").status_code == 302  # signed-in users only


@pytest.mark.parametrize(("background", "still_signed_in"), [(True, False), (False, True)])
def test_the_live_panel_polling_does_not_keep_an_idle_session_open(app, client, plant, background, still_signed_in):
    operator_at(client, "SCR01")
    with client.session_transaction() as cookie_session:  # the operator's last own action: 50 s ago
        cookie_session["last_seen"] = time.time() - 50
    headers = {"X-Background-Refresh": "1"} if background else {}
    assert client.get("/terminal/panel", headers=headers).status_code == 200
    with client.session_transaction() as cookie_session:
        assert (time.time() - cookie_session["last_seen"] > 45) == background
    app.config["MES_SESSION_IDLE_S"] = 40
    response = client.get("/terminal/")
    assert (response.status_code == 200) == still_signed_in


def test_the_line_lead_may_sign_the_override_with_a_scanned_badge_and_the_password(client, plant):
    from mes.security.policy import AccountPolicy
    from mes.security.users import assign_badge

    _, (serial,) = released_order(plant, serials=1)
    with unit_of_work(plant) as s:
        assign_badge(s, ACTOR, "lead", "LEAD-0042", "1357", AccountPolicy.from_env())
        for op in s.scalars(select(RoutingOperation).where(RoutingOperation.seq == 10)):
            op.required_qualification = "SCREWING"
    token = operator_at(client, "SCR01")
    scan(client, token, serial)
    page = client.post("/terminal/override", headers=PARTIAL, data={
        "lead": "LEAD-0042", "password": "demo", "reason": "qualified tomorrow", "csrf_token": token}
    ).get_data(as_text=True)
    assert f"Изделие {serial}: операция 10 начата." in page
    with unit_of_work(plant) as s:
        assert s.scalars(select(Override)).one().reason == "qualified tomorrow"
