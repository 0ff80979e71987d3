"""Account policies through the web and the CLI: one-time and aged passwords, badge + PIN, admin commands."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from mes.cli import main
from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import Alert, AuditEvent, User, utcnow
from mes.security.policy import AccountPolicy
from mes.security.users import assign_badge, create_user, revoke_badge
from tests.support.database import on_postgres
from tests.support.web import csrf_token, sign_in

ADMIN = AuditActor(None, "cli:root", "pytest")


@pytest.fixture(autouse=True)
def badge_key(monkeypatch):
    """Badges need a site key; on SQLite it is the key file beside the database, elsewhere MES_BADGE_KEY."""
    if on_postgres():
        monkeypatch.setenv("MES_BADGE_KEY", "pytest-badge-key-0123456789")


def lets_in(client) -> bool:
    """The line page opens (the home page redirects to the first line, not to sign-in or /password)."""
    response = client.get("/")
    return response.status_code == 302 and "/lines/" in response.headers["Location"]


def actions(sessions) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(e.action, e.reason) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def change_password(client, current: str, new: str, repeat: str | None = None):
    return client.post("/password", data={"current": current, "new": new, "repeat": repeat or new,
                                          "csrf_token": csrf_token(client, "/password")})


def test_a_new_account_must_change_its_one_time_password_before_anything_else(seeded, client):
    with unit_of_work(seeded) as session:
        _, one_time = create_user(session, ADMIN, username="newop", display_name="New Operator", role="operator")
    sign_in(client, "newop", one_time)
    assert client.get("/").headers["Location"].endswith("/password")
    assert change_password(client, one_time, "short").status_code == 400
    assert change_password(client, one_time, "a-long-new-passphrase").status_code == 302
    assert lets_in(client)
    assert ("PASSWORD_CHANGE", None) in actions(seeded)


def test_an_expired_password_forces_a_change_at_sign_in(seeded, client):
    with unit_of_work(seeded) as session:
        too_old = utcnow() - timedelta(days=AccountPolicy().password_max_age_days + 1)
        session.execute(update(User).where(User.username == "operator").values(password_changed_at=too_old))
    sign_in(client, "operator")
    assert client.get("/").headers["Location"].endswith("/password")


def give_badge(sessions, username: str = "operator", badge: str = "0004417731", pin: str = "4711") -> None:
    with unit_of_work(sessions) as session:
        assign_badge(session, ADMIN, username, badge, pin, AccountPolicy())


def badge_sign_in(client, badge: str, pin: str):
    return client.post("/login/badge", data={"badge": badge, "pin": pin,
                                             "csrf_token": csrf_token(client, "/login/badge")})


def test_a_terminal_signs_in_with_badge_and_pin_and_the_sign_in_is_audited(seeded, client):
    give_badge(seeded)
    assert badge_sign_in(client, "0004417731", "4711").status_code == 302
    assert lets_in(client)
    assert actions(seeded)[-1] == ("LOGIN", "badge")


def test_a_wrong_pin_is_refused_and_audited_and_repeated_failures_lock_and_alert(seeded, client):
    give_badge(seeded)
    for _ in range(5):
        assert badge_sign_in(client, "0004417731", "0000").status_code == 401
    assert [a for a, _ in actions(seeded)].count("LOGIN_FAIL") == 5
    assert "LOCKOUT" in [a for a, _ in actions(seeded)]
    with seeded() as session:
        assert session.scalars(select(Alert.subject)).all() == ["operator"]
    assert badge_sign_in(client, "0004417731", "4711").status_code == 401  # locked now


def test_a_revoked_badge_no_longer_signs_in(seeded, client):
    give_badge(seeded)
    with unit_of_work(seeded) as session:
        revoke_badge(session, ADMIN, "operator", "badge lost")
    assert badge_sign_in(client, "0004417731", "4711").status_code == 401
    assert ("BADGE_REVOKE", "badge lost") in actions(seeded)


@pytest.fixture
def cli(seeded, engine, monkeypatch):
    """Run `mes …` in-process against the test database."""
    monkeypatch.setenv("MES_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_mes_user_create_prints_a_one_time_password_that_signs_in_once(cli, seeded, client):
    result = cli("user", "create", "--username", "petrov", "--name", "P. Petrov", "--role", "line_lead")
    assert result.exit_code == 0, result.output
    one_time = result.output.strip().rsplit(" ", 1)[-1]
    sign_in(client, "petrov", one_time)
    assert client.get("/").headers["Location"].endswith("/password")


def test_mes_user_unlock_and_reset_password_are_audited_with_their_reason(cli, seeded):
    with unit_of_work(seeded) as session:
        session.execute(update(User).where(User.username == "quality").values(locked_at=utcnow(), failed_logins=5))
    assert cli("user", "unlock", "--username", "quality", "--reason", "called the user").exit_code == 0
    assert cli("user", "reset-password", "--username", "quality", "--reason", "forgotten").exit_code == 0
    assert ("UNLOCK", "called the user") in actions(seeded)
    assert ("PASSWORD_RESET", "forgotten") in actions(seeded)
    assert cli("user", "unlock", "--username", "nobody", "--reason", "x").exit_code != 0


def test_administrators_see_the_lockout_alert_and_acknowledge_it(seeded, client):
    give_badge(seeded)
    for _ in range(5):
        badge_sign_in(client, "0004417731", "0000")
    sign_in(client, "admin")
    page = client.get("/admin/alerts").get_data(as_text=True)
    assert "Account operator (Ivan Petrov) locked" in page
    with seeded() as session:
        alert_id = session.scalars(select(Alert.id)).one()
    token = csrf_token(client, "/admin/alerts")
    assert client.post(f"/admin/alerts/{alert_id}/acknowledge", data={"csrf_token": token}).status_code == 302
    with seeded() as session:
        assert session.get(Alert, alert_id).acknowledged_at is not None
    assert ("ACKNOWLEDGE", None) in actions(seeded)


def test_an_operator_may_not_open_the_alerts_page(seeded, client):
    sign_in(client, "operator")
    response = client.get("/admin/alerts")
    assert response.status_code == 403
    assert "alert.view" in response.get_data(as_text=True)


def test_the_first_signing_of_a_web_session_asks_for_the_user_name_and_later_ones_do_not(app):
    from web.signing import note_signing, signing_needs_username

    with app.test_request_context("/"):
        assert signing_needs_username()
        note_signing()
        assert not signing_needs_username()
