"""The quality workspace through the web UI: batch list, review by exception, e-signed release, records."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import AuditEvent, BatchRelease, MaterialLot, Nonconformance, User, WorkOrder
from mes.production.demo_data import PM100
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput
from tests.support.production import ACTOR, SCREWS, battery_scan, finished_board, install, released_order, run_op
from tests.support.web import csrf_token, sign_in


def completed_batch(sessions, out_of_spec: bool = False) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A one-unit PM-100 batch, completed, whose final grade was typed by hand: one open exception.

    With out_of_spec the unit fails its functional test instead: an open NC holds it, the batch stays open.
    """
    install(sessions)
    number, (serial,) = released_order(sessions, PM100, 1, 1)
    board = finished_board(sessions)
    run_op(sessions, serial, 10, scans=(board, battery_scan(f"PACK-{serial}"), SCREWS))
    run_op(sessions, serial, 20)
    if out_of_spec:
        run_op(sessions, serial, 30, rail_3v3=3.45)
        return number, serial
    run_op(sessions, serial, 30)
    with unit_of_work(sessions) as s:
        start_operation(s, ACTOR, serial, 40, "MARK01")
    with unit_of_work(sessions) as s:
        complete_operation(s, ACTOR, serial, 40, [MeasurementInput("grade", 4.0, manual=True)])
    return number, serial


def post(client, path: str, page: str, **form: str):  # type: ignore[no-untyped-def]
    """Submit a form of the page as a browser would, CSRF token included."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **form})


@pytest.fixture
def quality(client, seeded):  # type: ignore[no-untyped-def]
    """The client signed in as Anna Volkova, quality engineer (English by default)."""
    sign_in(client, "quality")
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, tags stripped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def sign_in_as(client, username: str, lang: str):  # type: ignore[no-untyped-def]
    """Sign in and choose the screen language."""
    sign_in(client, username)
    client.get(f"/quality/?lang={lang}")
    return client


def released(sessions, number: str) -> BatchRelease | None:  # type: ignore[no-untyped-def]
    """The QA release of a batch, if any."""
    with sessions() as s:
        wo = s.scalars(select(WorkOrder).where(WorkOrder.number == number)).one()
        return s.scalars(select(BatchRelease).where(BatchRelease.work_order_id == wo.id)).first()


def failed_signings(sessions, username: str) -> int:  # type: ignore[no-untyped-def]
    """The account's count of failures in a row (sign-in and signing)."""
    with sessions() as s:
        return s.scalars(select(User.failed_logins).where(User.username == username)).one()


def test_the_batch_list_shows_each_batch_with_its_status_and_open_exceptions_in_russian(quality, seeded):
    number, _serial = completed_batch(seeded)
    quality.get("/quality/?lang=ru")
    page = quality.get("/quality/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"/quality/batches/{number}\">.*?</tr>", html, re.S).group(0)
    assert 'data-open-exceptions="1"' in row and "завершён" in row
    assert "Открытые исключения" in html and "Партии" in html
    assert quality.get("/quality/?status=closed").get_data(as_text=True).count(number) == 0


def test_release_is_refused_while_an_exception_is_open_and_accepted_once_it_is_reviewed(quality, seeded):
    number, serial = completed_batch(seeded)
    batch = f"/quality/batches/{number}"
    refused = post(quality, f"{batch}/release", batch, username="quality", password="demo")
    assert refused.status_code == 409
    assert "Release refused: 1 exception(s) not reviewed" in text_of(refused)
    assert released(seeded, number) is None

    key = re.search(r'data-key="(manual:\d+)"', quality.get(batch).get_data(as_text=True)).group(1)
    reviewed = post(quality, f"{batch}/review", batch, key=key, decision="grade read by eye, 4 of 4",
                    username="quality", password="demo")
    assert reviewed.status_code == 303
    page = text_of(quality.get(batch))
    assert "Reviewed by Anna Volkova: grade read by eye, 4 of 4" in page
    assert re.search(r"Anna Volkova — Reviewed — \d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK \(\d\d:\d\d:\d\d UTC\)", page)

    accepted = post(quality, f"{batch}/release", batch, quantity="1", password="demo")  # no user name: 2nd signing
    assert accepted.status_code == 303
    assert released(seeded, number).quantity_released == 1
    page = text_of(quality.get(batch))
    assert "Released: 1 of 1" in page and "Anna Volkova — Released —" in page
    assert "closed" in text_of(quality.get("/quality/?status=closed"))
    assert "Released for distribution yes" in text_of(quality.get(f"/quality/units/{serial}"))


def test_a_wrong_password_refuses_the_signature_says_so_and_counts_toward_the_lockout(quality, seeded):
    number, _serial = completed_batch(seeded)
    batch = f"/quality/batches/{number}"
    key = re.search(r'data-key="(manual:\d+)"', quality.get(batch).get_data(as_text=True)).group(1)
    refused = post(quality, f"{batch}/review", batch, key=key, decision="ok", username="quality", password="nope")
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert 'data-reopen="yes"' in html  # the dialog opens again with the message beside the password
    assert "Wrong user name or password: the record was not signed" in text_of(refused)
    assert 'value="nope"' not in html and "ok</textarea>" in html  # the decision is kept, the password is not
    assert failed_signings(seeded, "quality") == 1
    with seeded() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "SIGN_FAIL")).first() is not None
    assert "open" in text_of(quality.get(batch))


def test_the_first_signing_of_a_session_needs_the_signers_own_user_name(quality, seeded):
    number, _serial = completed_batch(seeded)
    batch = f"/quality/batches/{number}"
    assert 'name="username"' in quality.get(batch).get_data(as_text=True)
    key = re.search(r'data-key="(manual:\d+)"', quality.get(batch).get_data(as_text=True)).group(1)
    refused = post(quality, f"{batch}/review", batch, key=key, decision="ok", username="lead", password="demo")
    assert refused.status_code == 409 and failed_signings(seeded, "quality") == 1
    assert post(quality, f"{batch}/review", batch, key=key, decision="ok", username="quality",
                password="demo").status_code == 303
    assert 'name="username"' not in quality.get("/quality/nonconformances").get_data(as_text=True)
    assert failed_signings(seeded, "quality") == 0  # a good signature resets the count


def test_five_wrong_passwords_lock_the_account_and_end_the_session(quality, seeded):
    number, _serial = completed_batch(seeded)
    batch = f"/quality/batches/{number}"
    key = re.search(r'data-key="(manual:\d+)"', quality.get(batch).get_data(as_text=True)).group(1)
    for _ in range(5):
        post(quality, f"{batch}/review", batch, key=key, decision="ok", username="quality", password="wrong")
    with seeded() as s:
        assert s.scalars(select(User.locked_at).where(User.username == "quality")).one() is not None
    assert quality.get(batch).status_code == 302  # back to the sign-in page


def test_bad_input_is_refused_in_the_users_language_and_changes_nothing(client, seeded):
    number, _serial = completed_batch(seeded)
    sign_in_as(client, "quality", "ru")
    batch = f"/quality/batches/{number}"
    no_password = post(client, f"{batch}/release", batch, quantity="1")
    assert no_password.status_code == 422 and "Введите пароль, чтобы подписать" in text_of(no_password)
    not_a_number = post(client, f"{batch}/release", batch, quantity="many", password="demo")
    assert not_a_number.status_code == 422 and "целым числом" in text_of(not_a_number)
    no_decision = post(client, f"{batch}/review", batch, key="manual:1", decision=" ", password="demo")
    assert no_decision.status_code == 422 and "Заполните поле: Решение" in text_of(no_decision)
    assert released(seeded, number) is None and failed_signings(seeded, "quality") == 0
    assert client.get("/quality/batches/NO-SUCH").status_code == 404


def test_people_without_the_permission_cannot_open_the_workspace_or_sign(client, seeded):
    number, _serial = completed_batch(seeded)
    sign_in(client, "operator")
    assert client.get("/quality/").status_code == 403
    token = csrf_token(client, "/quality/nonconformances")  # operators may see NCs (and open them)
    refused = client.post(f"/quality/batches/{number}/release", data={"csrf_token": token, "password": "demo"})
    assert refused.status_code == 403 and released(seeded, number) is None
    assert client.get("/quality/audit").status_code == 403
    assert b"Quality" not in client.get("/quality/nonconformances?lang=en").data.split(b"</header>")[0]


def test_a_nonconformance_is_investigated_and_dispositioned_with_a_signature(quality, seeded):
    _number, serial = completed_batch(seeded, out_of_spec=True)
    listing = quality.get("/quality/nonconformances")
    nc = re.search(r'href="/quality/nonconformances/(NC-[^"]+)"', listing.get_data(as_text=True)).group(1)
    page = f"/quality/nonconformances/{nc}"
    assert post(quality, f"{page}/notes", page, text="3.45 V: regulator at its datasheet maximum").status_code == 303
    no_reason = post(quality, f"{page}/disposition", page, disposition="concession", username="quality",
                     password="demo")
    assert no_reason.status_code == 422 and "A concession needs a written justification" in text_of(no_reason)
    done = post(quality, f"{page}/disposition", page, disposition="concession", justification="design margin 3.5 V",
                username="quality", password="demo")
    assert done.status_code == 303
    text = text_of(quality.get(page))
    assert "regulator at its datasheet maximum" in text and "concession" in text
    assert "Anna Volkova — Dispositioned —" in text and "valid" in text
    assert nc not in text_of(quality.get("/quality/nonconformances"))  # open ones only by default
    assert "on hold" not in text_of(quality.get(f"/quality/units/{serial}")).split("Operations")[0]


def test_anyone_on_the_floor_opens_a_nonconformance_by_hand_and_the_unit_is_held(client, seeded):
    _number, serial = completed_batch(seeded)
    sign_in_as(client, "operator", "ru")
    ncs = "/quality/nonconformances"
    unknown = post(client, ncs, ncs, serial="NO-SUCH", description="scratch on the housing")
    assert unknown.status_code == 404 and "не найден" in text_of(unknown)
    opened = post(client, ncs, ncs, serial=serial, description="scratch on the housing")
    assert opened.status_code == 303
    page = text_of(client.get(opened.headers["Location"]))
    assert "scratch on the housing" in page and "вручную" in page and "Принять решение" not in page  # no signing
    assert "заблокировано" in text_of(client.get(f"/quality/units/{serial}")).split("Операции")[0]


def test_holds_are_placed_and_released_on_batches_units_and_material_lots(quality, seeded):
    number, serial = completed_batch(seeded, out_of_spec=True)
    holds = "/quality/holds"
    assert post(quality, holds, holds, entity="work_order", key=number, reason="supplier alert").status_code == 303
    with seeded() as s:
        lot_id = s.scalars(select(MaterialLot.id).where(MaterialLot.lot_number == "S-77")).one()
    assert post(quality, holds, holds, entity="material_lot", key=str(lot_id), reason="CoA missing").status_code == 303
    unknown = post(quality, holds, holds, entity="unit", key="NO-SUCH", reason="x")
    assert unknown.status_code == 404 and "does not exist" in text_of(unknown)
    html = quality.get(holds).get_data(as_text=True)
    assert "supplier alert" in html and "CoA missing" in html and "lifts with the NC&#39;s disposition" in html
    ids = re.findall(r'action="/quality/holds/(\d+)/release"', html)
    for hold_id in ids:
        assert post(quality, f"/quality/holds/{hold_id}/release", holds, reason="cleared").status_code == 303
    assert "No active holds" not in text_of(quality.get(holds))  # the NC's own hold on the unit stays
    assert "supplier alert" not in text_of(quality.get(holds))
    assert "supplier alert" in text_of(quality.get(f"/quality/batches/{number}"))  # kept in the batch's history
    assert serial in text_of(quality.get(holds))


def test_the_audit_trail_can_be_filtered_and_every_record_has_its_history(quality, seeded):
    number, _serial = completed_batch(seeded)
    quality.get("/quality/?lang=ru")
    by_action = text_of(quality.get("/quality/audit?action=LOGIN"))
    assert "LOGIN" in by_action and "Anna Volkova" in by_action and "CREATE" not in by_action
    by_record = quality.get(f"/quality/audit?entity=work_order&entity_id={number}")
    assert by_record.get_data(as_text=True).count(f"work_order {number}") >= 4
    by_user = text_of(quality.get("/quality/audit?user=volkova"))
    assert "LOGIN" in by_user and "Test Operator" not in by_user
    today = text_of(quality.get("/quality/audit?since=2000-01-01&until=2000-01-02"))
    assert "Подходящих записей нет" in today
    bad = quality.get("/quality/audit?since=26.11.2026")
    assert bad.status_code == 422 and "ГГГГ-ММ-ДД" in text_of(bad)
    history = text_of(quality.get(f"/quality/history/work_order/{number}"))
    assert "История: заказ " + number in history and "planned → released" in history


def test_genealogy_is_shown_as_a_tree_backward_and_forward(quality, seeded):
    _number, serial = completed_batch(seeded)
    backward = quality.get(f"/quality/genealogy?serial={serial}").get_data(as_text=True)
    assert backward.index(serial) < backward.index("MCU-32")  # the board's MCU is nested under the unit
    assert "<details open>" in backward and "PACK-" in backward
    forward = text_of(quality.get("/quality/genealogy?lot=M-2611&direction=forward"))
    board_at, unit_at = forward.index("consumed"), forward.index(serial)
    assert board_at < unit_at  # MCU lot -> board -> the finished PM-100
    assert "finished device" in forward
    missing = quality.get("/quality/genealogy?serial=NO-SUCH")
    assert missing.status_code == 404 and "does not exist" in text_of(missing)


def test_dhr_and_batch_record_download_as_pdf_and_the_export_is_audited(quality, seeded):
    number, serial = completed_batch(seeded)
    dhr = quality.get(f"/quality/units/{serial}/dhr.pdf")
    assert dhr.status_code == 200 and dhr.mimetype == "application/pdf" and dhr.data.startswith(b"%PDF")
    assert "attachment" in dhr.headers["Content-Disposition"]
    assert quality.get(f"/quality/batches/{number}/batch-record.pdf").data.startswith(b"%PDF")
    with seeded() as s:
        exports = {(e.entity, e.entity_id) for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "EXPORT"))}
    assert exports == {("unit", serial), ("work_order", number)}


def test_every_form_field_of_the_workspace_has_a_label(quality, seeded):
    number, serial = completed_batch(seeded, out_of_spec=True)
    with seeded() as s:
        nc = s.scalars(select(Nonconformance.number)).one()
    post(quality, "/quality/holds", "/quality/holds", entity="work_order", key=number, reason="check")
    pages = ("/quality/", f"/quality/batches/{number}", f"/quality/units/{serial}", "/quality/nonconformances",
             f"/quality/nonconformances/{nc}", "/quality/holds", "/quality/audit", "/quality/genealogy")
    for path in pages:
        html = quality.get(path).get_data(as_text=True)
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        fields = re.findall(r"<(?:input|select|textarea)\b([^>]*)>", html)
        for attributes in fields:
            if 'type="hidden"' in attributes:
                continue
            field_id = re.search(r'id="([^"]+)"', attributes)
            assert field_id and field_id.group(1) in labelled, (path, attributes)


def test_a_large_batch_lists_its_units_a_page_at_a_time_while_every_exception_stays_on_the_page(app, quality, seeded):
    """A 10,000-unit batch must not render (or read) every unit: the units are paged, the exceptions never."""
    app.config["MES_UNITS_PER_PAGE"] = 2
    install(seeded)
    number, serials = released_order(seeded, PM100, 3, 3)
    run_op(seeded, serials[2], 10, scans=(finished_board(seeded), battery_scan(f"PACK-{serials[2]}"), SCREWS))
    run_op(seeded, serials[2], 20)
    run_op(seeded, serials[2], 30, rail_3v3=3.45)  # out of spec: an exception on the third unit
    first = text_of(quality.get(f"/quality/batches/{number}"))
    assert "Units 1–2 of 3" in first and serials[0] in first and serials[1] in first
    assert "Units (3;" in first and "out of spec" in first and serials[2] in first  # its exception, not its row
    second = quality.get(f"/quality/batches/{number}?units=2").get_data(as_text=True)
    assert "Units 3–3 of 3" in text_of(quality.get(f"/quality/batches/{number}?units=2"))
    assert f'/quality/units/{serials[0]}"' not in second and f'/quality/units/{serials[2]}"' in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "Units 3–3 of 3" in text_of(quality.get(f"/quality/batches/{number}?units=99"))  # past the end: the last
    assert "Units 1–2 of 3" in text_of(quality.get(f"/quality/batches/{number}?units=x"))
