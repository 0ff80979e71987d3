"""Every route refuses anonymous requests, and each role gets exactly what the permission matrix allows."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.security.permissions import ROLE_PERMISSIONS
from mes.services.api_tokens import create_token
from tests.support.web import sign_in

# Public on purpose: the sign-in forms (password, badge), static files, and the API's description (no records).
PUBLIC = {"auth.login", "account.badge_login", "terminal.login", "static", "api.openapi"}
# Signed in, whatever the role: leaving, and changing one's own password (a forced change comes before any page).
SIGNED_IN_ONLY = {"auth.logout", "terminal.logout", "account.change_password"}
DEMO_USER_OF_ROLE = {"operator": "operator", "line_lead": "lead", "quality_engineer": "quality",
                     "process_engineer": "process", "administrator": "admin"}


@pytest.fixture
def open_app(engine, tmp_path):
    """The web app with CSRF off, so a refused request is refused by authentication, not by the token check."""
    from mes.settings import Settings
    from web import create_app

    settings = Settings(database_url=str(engine.url), secret_key="test-secret", site_file=tmp_path / "none")
    return create_app(settings, engine=engine, overrides={"WTF_CSRF_ENABLED": False})


def url_of(rule: Rule) -> str:
    """The rule's URL with placeholder arguments that name no record."""
    values = {name: 999999 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "NO-SUCH"
              for name in rule.arguments}
    return rule.build(values)[1]


def routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every registered route and method."""
    return [(rule.endpoint, method, url_of(rule)) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_route_refuses_an_anonymous_request_with_a_redirect_to_sign_in_or_401(open_app):
    client = open_app.test_client()
    checked = 0
    for endpoint, method, url in routes(open_app):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method, json={} if method == "POST" else None)
        location = response.headers.get("Location", "")
        assert (response.status_code == 302 and "/login" in location) or response.status_code == 401, (
            endpoint, method, response.status_code)
        if response.status_code == 401:  # the JSON error and nothing else
            assert list(response.get_json()) == ["error"]
        else:  # Werkzeug's redirect stub, no page content
            assert b"<title>Redirecting...</title>" in response.data and len(response.data) < 600
        checked += 1
    assert checked >= 25  # the walk really covered the app


def annotated(app) -> dict[str, str]:
    """endpoint -> permission for every view carrying @requires."""
    return {endpoint: view.required_permission for endpoint, view in app.view_functions.items()
            if hasattr(view, "required_permission")}


def test_every_page_and_endpoint_names_the_permission_it_needs(open_app):
    needs = annotated(open_app)
    missing = sorted({endpoint for endpoint, _, _ in routes(open_app)} - set(needs) - PUBLIC - SIGNED_IN_ONLY)
    assert missing == [], f"routes without @requires(Permission...): {missing}"
    for endpoint in ("line.index", "line.show", "api.get_unit", "api.start_operation", "api.trace"):
        assert endpoint in needs


@pytest.mark.parametrize(("endpoint", "permission"), [
    ("api.create_work_order", "work_order.manage"), ("api.release_work_order", "work_order.manage"),
    ("api.allocate_serials", "work_order.manage"), ("api.hold_work_order", "nc.open"),
    ("api.resume_work_order", "nc.disposition"), ("api.release_lot", "nc.disposition"),
    ("api.quarantine_lot", "nc.open"), ("api.rework", "nc.disposition"), ("api.scrap", "nc.disposition"),
    ("api.start_operation", "unit.operate"), ("api.receive_lot", "material.receive")])
def test_production_endpoints_need_the_permission_of_their_action(open_app, endpoint, permission):
    assert annotated(open_app)[endpoint] == permission


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_each_role_gets_exactly_the_annotated_routes_its_permissions_allow(open_app, seeded, role):
    username = DEMO_USER_OF_ROLE[role]
    with unit_of_work(seeded) as session:
        token = create_token(session, AuditActor.system("pytest"), username, "route walk")
    pages = open_app.test_client()
    sign_in(pages, username)
    api_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    needs = annotated(open_app)
    for endpoint, method, url in routes(open_app):
        if endpoint not in needs:
            continue
        is_api = endpoint.startswith("api.")
        response = pages.open(url, method=method, headers=api_headers if is_api else {},
                              json={} if method == "POST" else None)
        allowed = needs[endpoint] in ROLE_PERMISSIONS[role]
        assert (response.status_code != 403) == allowed, (role, endpoint, response.status_code)
        if not allowed:
            assert response.get_json(silent=True) is None or response.get_json()["error"]["code"] == "permission_denied"
        response.close()
