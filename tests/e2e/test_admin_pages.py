"""Administration pages through the real forms (CSRF included): accounts, badges, qualifications, equipment,
master data drafted by a process engineer and approved by a quality engineer with an e-signature."""

from __future__ import annotations

import re

from sqlalchemy import select

from mes.models import AuditEvent, ElectronicSignature, Equipment, Qualification, RecipeVersion, Routing, User
from tests.support.ports import free_port
from tests.support.web import csrf_token, sign_in


def post(client, path: str, data: dict, page: str | None = None):  # type: ignore[no-untyped-def]
    """Submit a form of `page` (default: the path itself) with its CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})


def test_an_administrator_creates_a_user_sees_the_one_time_password_once_and_assigns_a_badge(client, seeded,
                                                                                             monkeypatch):
    monkeypatch.setenv("MES_BADGE_KEY", "k" * 64)  # the site's badge key (beside SQLite it is a file; PostgreSQL)
    sign_in(client, "admin")
    page = post(client, "/admin/users", {"username": "ivanova", "display_name": "Anna Ivanova",
                                         "role": "operator", "language": "ru"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "One-time password for ivanova" in text
    password = re.search(r'<code class="otp">([^<]+)</code>', text).group(1)
    assert password not in client.get("/admin/users").get_data(as_text=True)  # shown once
    response = post(client, "/admin/users/ivanova/badge", {"badge": "0451-7788", "pin": "4321"}, "/admin/users")
    assert response.status_code == 303
    with seeded() as s:
        user = s.scalars(select(User).filter_by(username="ivanova")).one()
        assert user.must_change_password and user.badge_hash and "0451" not in user.badge_hash
        actions = [e.action for e in s.scalars(select(AuditEvent).filter_by(entity="app_user", entity_id=str(user.id)))]
    assert actions == ["CREATE", "BADGE_ASSIGN"]
    fresh = client.application.test_client()
    assert sign_in(fresh, "ivanova", password).status_code in (302, 303)  # the one-time password works


def test_a_refused_form_says_why_in_russian_and_changes_nothing(client, seeded):
    sign_in(client, "admin")
    client.get("/admin/users?lang=ru")
    response = post(client, "/admin/users", {"username": "operator", "display_name": "Someone", "role": "operator",
                                             "language": "ru"})
    assert response.status_code == 422 and "пользователь operator уже есть" in response.get_data(as_text=True)
    response = post(client, "/admin/users/operator/badge", {"badge": "77", "pin": "12"}, "/admin/users")
    assert response.status_code == 422 and "PIN должен содержать" in response.get_data(as_text=True)
    with seeded() as s:
        assert s.scalars(select(User).filter_by(username="operator")).one().badge_hash is None


def test_qualifications_are_granted_and_an_expired_one_is_marked(client, seeded):
    sign_in(client, "quality")
    response = post(client, "/admin/qualifications", {"username": "operator", "code": "screwing",
                                                      "valid_until": "2020-01-31"})
    assert response.status_code == 303
    assert "expired" in client.get("/admin/qualifications").get_data(as_text=True)
    bad = post(client, "/admin/qualifications", {"username": "operator", "code": "screwing", "valid_until": "31.01"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    with seeded() as s:
        assert s.scalars(select(Qualification)).one().valid_until.isoformat() == "2020-01-31"


def test_equipment_dates_change_with_a_reason_and_the_connection_test_reports_a_silent_machine(client, seeded):
    sign_in(client, "admin")
    endpoint = f"127.0.0.1:{free_port()}"
    response = post(client, "/admin/equipment/SCR01-SPINDLE", {
        "endpoint": endpoint, "calibration_due": "2027-03-01", "maintenance_due": "", "reason": "recalibrated"})
    assert response.status_code == 303
    page = post(client, "/admin/equipment/SCR01-SPINDLE/test", {"tag": "", "timeout": "1"},
                "/admin/equipment/SCR01-SPINDLE")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Not reachable" in text and endpoint in text
    with seeded() as s:
        assert s.scalars(select(Equipment).filter_by(code="SCR01-SPINDLE")).one().calibration_due.isoformat() == \
            "2027-03-01"


def test_a_recipe_drafted_by_a_process_engineer_is_approved_by_a_quality_engineer(app, seeded):
    process, quality = app.test_client(), app.test_client()
    sign_in(process, "process")
    assert post(process, "/admin/recipes", {"code": "RCP-SCR", "name": "Screwing", "equipment_kind": "screwdriving",
                                            "product_gtin": ""}).status_code == 303
    assert post(process, "/admin/recipes/RCP-SCR/versions", {"note": "first"},
                "/admin/recipes/RCP-SCR").status_code == 303
    form = {"name": ["target_torque", "program", ""], "value": ["2.0", "3", ""], "unit": ["N·m", "", ""],
            "min": ["1.5", "", ""], "max": ["2.5", "", ""], "note": "first issue"}
    out_of_range = {**form, "value": ["9", "3", ""]}
    refused = post(process, "/admin/recipes/RCP-SCR/1/parameters", out_of_range, "/admin/recipes/RCP-SCR/1")
    assert refused.status_code == 422 and "outside 1.5..2.5" in refused.get_data(as_text=True)
    assert post(process, "/admin/recipes/RCP-SCR/1/parameters", form, "/admin/recipes/RCP-SCR/1").status_code == 303
    assert "another person approves it" in process.get("/admin/recipes/RCP-SCR/1").get_data(as_text=True)
    own = post(process, "/admin/recipes/RCP-SCR/1/approve", {"username": "process", "password": "demo"},
               "/admin/recipes/RCP-SCR/1")
    assert own.status_code == 409 and "second person must sign" in own.get_data(as_text=True)

    sign_in(quality, "quality")
    page = quality.get("/admin/recipes/RCP-SCR/1").get_data(as_text=True)
    assert "Electronic signature" in page and 'name="username"' in page  # first signing of the session
    wrong = post(quality, "/admin/recipes/RCP-SCR/1/approve", {"username": "quality", "password": "nope"},
                 "/admin/recipes/RCP-SCR/1")
    assert wrong.status_code == 409 and "Wrong user name or password" in wrong.get_data(as_text=True)
    ok = post(quality, "/admin/recipes/RCP-SCR/1/approve", {"username": "quality", "password": "demo",
                                                             "reason": "validated"}, "/admin/recipes/RCP-SCR/1")
    assert ok.status_code == 303
    shown = quality.get("/admin/recipes/RCP-SCR/1").get_data(as_text=True)
    assert "Approved" in shown and "valid" in shown and "INVALID" not in shown
    with seeded() as s:
        version = s.scalars(select(RecipeVersion)).one()
        assert version.status == "approved"
        assert s.get_one(ElectronicSignature, version.signature_id).signer_username == "quality"


def test_a_routing_version_is_drafted_edited_and_approved_through_the_pages(app, seeded):
    process, quality = app.test_client(), app.test_client()
    sign_in(quality, "quality")
    assert post(quality, "/admin/routings/R-PM100/1/approve", {"username": "quality", "password": "demo"},
                "/admin/routings/R-PM100/1").status_code == 303
    assert post(quality, "/admin/qualifications", {"username": "operator", "code": "screwing",
                                                   "valid_until": "2030-01-31"}).status_code == 303
    sign_in(process, "process")
    assert post(process, "/admin/routings/R-PM100/versions", {}, "/admin/routings/R-PM100/1").status_code == 303
    response = post(process, "/admin/routings/R-PM100/2/operations/10", {
        "name": "Screw the housing", "station_type": "screwdriving", "required_qualification": "screwing",
        "recipe": ""}, "/admin/routings/R-PM100/2")
    assert response.status_code == 303
    bad = post(process, "/admin/routings/R-PM100/2/operations/10", {"name": "X", "station_type": "Screw Driving"},
               "/admin/routings/R-PM100/2")
    assert bad.status_code == 422 and "station type" in bad.get_data(as_text=True)
    assert post(quality, "/admin/routings/R-PM100/2/approve", {"password": "demo"},
                "/admin/routings/R-PM100/2").status_code == 303  # second signing: the password only
    with seeded() as s:
        v2 = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        assert v2.approved and v2.signature_id is not None


def test_each_role_sees_only_its_administration_areas(app, seeded):
    for username, visible, hidden in (("admin", ["Users", "Equipment", "Recipes"], []),
                                      ("process", ["Equipment", "Recipes", "Routings"], ["Users"]),
                                      ("quality", ["Qualifications", "Recipes"], ["Users", "Equipment"])):
        client = app.test_client()
        sign_in(client, username)
        page = client.get("/admin/").get_data(as_text=True)
        assert ">Administration</a>" in page  # the top bar's area link
        for label in visible:
            assert f"<strong>{label}</strong>" in page, (username, label)
        for label in hidden:
            assert f"<strong>{label}</strong>" not in page, (username, label)
    operator = app.test_client()
    sign_in(operator, "operator")
    assert operator.get("/admin/").status_code == 403


def test_a_set_point_changed_behind_the_applications_back_shows_the_approval_as_invalid(app, seeded):
    from mes.db import unit_of_work
    from mes.models import RecipeParameter
    from recipes.versions import ParameterInput, approve_version, create_recipe, draft_version
    from tests.integration.masterdata.conftest import actor_of

    author, approver = actor_of(seeded, "process"), actor_of(seeded, "quality")
    with unit_of_work(seeded) as s:
        create_recipe(s, author, "RCP-SCR", "Screwing", "screwdriving")
        draft_version(s, author, "RCP-SCR", [ParameterInput("target_torque", "2.0", "N·m", 1.5, 2.5)])
        approve_version(s, approver, "RCP-SCR", 1, "demo")
    client = app.test_client()
    sign_in(client, "quality")
    assert "INVALID" not in client.get("/admin/recipes/RCP-SCR/1").get_data(as_text=True)
    with unit_of_work(seeded) as s:  # what a direct database edit would do
        s.scalars(select(RecipeParameter)).one().value = "2.4"
    assert "INVALID: the record changed after signing" in client.get("/admin/recipes/RCP-SCR/1").get_data(as_text=True)


def test_a_new_routing_gets_its_data_collection_plan_and_rework_loop_through_the_pages(app, seeded):
    from datetime import date

    from mes.db import unit_of_work
    from mes.models import MeasurementSpec, RoutingOperation
    from mes.production.masterdata_people import grant_qualification
    from tests.integration.masterdata.conftest import actor_of

    with unit_of_work(seeded) as s:  # an operation may require only a qualification somebody holds
        grant_qualification(s, actor_of(seeded, "quality"), "operator", "screwing", date(2030, 1, 31))
    client = app.test_client()
    sign_in(client, "process")
    operations = "10; Assemble; screwdriving; screwing\n20; Test; functional_test"
    assert post(client, "/admin/routings", {"code": "R-PUMP", "operations": operations}).status_code == 303
    plan = {"m_name": ["flow", "pressure", ""], "m_unit": ["ml/h", "kPa", ""], "m_min": ["9.5", "", ""],
            "m_max": ["10.5", "120", ""], "m_tag": ["result_flow", "", ""]}
    page = "/admin/routings/R-PUMP/1"
    assert post(client, "/admin/routings/R-PUMP/1/operations/20/plan", plan, page).status_code == 303
    crossed = {**plan, "m_min": ["11", "", ""]}
    refused = post(client, "/admin/routings/R-PUMP/1/operations/20/plan", crossed, "/admin/routings/R-PUMP/1")
    assert refused.status_code == 422
    loop = {"name": "Test", "station_type": "functional_test", "required_qualification": "", "recipe": "",
            "rework_target": "10"}
    assert post(client, "/admin/routings/R-PUMP/1/operations/20", loop, "/admin/routings/R-PUMP/1").status_code == 303
    with seeded() as s:
        routing = s.scalars(select(Routing).filter_by(code="R-PUMP")).one()
        ops = {op.seq: op for op in s.scalars(select(RoutingOperation).filter_by(routing_id=routing.id))}
        assert ops[10].required_qualification == "screwing" and ops[20].rework_target_seq == 10
        specs = {m.name: m for m in s.scalars(select(MeasurementSpec).filter_by(routing_operation_id=ops[20].id))}
        assert specs["flow"].low == 9.5 and specs["flow"].source_tag == "result_flow"
        assert specs["pressure"].source_tag is None and specs["pressure"].high == 120  # entered by hand
        assert routing.created_by_id is not None and not routing.approved


def test_a_role_change_and_a_deactivation_take_effect_at_once_and_are_audited(app, seeded):
    admin, operator = app.test_client(), app.test_client()
    sign_in(admin, "admin")
    sign_in(operator, "operator")
    assert operator.get("/lines/L1").status_code == 200
    assert post(admin, "/admin/users/operator/role", {"role": "line_lead", "reason": "promoted"},
                "/admin/users").status_code == 303
    own = post(admin, "/admin/users/admin/active", {"active": "no", "reason": "x"}, "/admin/users")
    assert own.status_code == 422 and "own account" in own.get_data(as_text=True)
    assert post(admin, "/admin/users/operator/active", {"active": "no", "reason": "left the company"},
                "/admin/users").status_code == 303
    assert operator.get("/lines/L1").status_code in (302, 303)  # the open session ends at once
    with seeded() as s:
        user = s.scalars(select(User).filter_by(username="operator")).one()
        assert user.role == "line_lead" and not user.active
        changes = {(e.field, e.old_value, e.new_value, e.reason) for e in s.scalars(
            select(AuditEvent).filter_by(entity="app_user", entity_id=str(user.id), action="UPDATE"))}
    assert ("role", '"operator"', '"line_lead"', "promoted") in changes
    assert ("active", "true", "false", "left the company") in changes


def test_a_products_registration_certificate_and_a_brands_scheme_are_edited_with_a_reason(app, seeded):
    from mes.models import Brand, Product

    client = app.test_client()
    sign_in(client, "process")
    edit = {"model": "PM-100", "revision": "B", "registration_number": "РЗН 2026/77",
            "registration_date": "2026-05-01", "routing": "", "reason": "new certificate"}
    assert post(client, "/admin/products/04607123000014", edit, "/admin/products").status_code == 303
    bad = post(client, "/admin/brands/MEDTEK", {"name": "Medtek", "gs1_company_prefix": "46071", "serial_scheme": "X",
                                                "lot_scheme": "L{seq:03d}", "label_template_set": "t", "reason": "x"},
               "/admin/products")
    assert bad.status_code == 422 and "6 to 12 digits" in bad.get_data(as_text=True)
    with seeded() as s:
        product = s.scalars(select(Product).filter_by(gtin="04607123000014")).one()
        assert product.revision == "B" and product.registration_number == "РЗН 2026/77"
        assert product.routing_id is not None  # "unchanged" kept it
        assert s.scalars(select(Brand).filter_by(code="MEDTEK")).one().gs1_company_prefix == "4607123"
        reasons = {e.field: e.reason for e in s.scalars(select(AuditEvent).filter_by(
            entity="product", entity_id=str(product.id), action="UPDATE"))}
    assert reasons["registration_number"] == "new certificate" and "revision" in reasons
