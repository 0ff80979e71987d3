"""Every sign-in, failed attempt, lockout and sign-out lands in the audit trail; a password never does."""

from sqlalchemy import select

from mes.compliance import verify_chain
from mes.compliance.chain import decode_value
from mes.models import AuditEvent, User
from tests.support.web import csrf_token, sign_in


def trail(sessions) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def user_id(sessions, username: str) -> int:
    with sessions() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def test_a_sign_in_is_recorded_with_the_users_printed_name_and_terminal(seeded, client):
    sign_in(client, "operator")
    [event] = trail(seeded)
    assert (event.action, event.entity, event.entity_id) == ("LOGIN", "app_user", str(user_id(seeded, "operator")))
    assert event.user_id == user_id(seeded, "operator")
    assert event.user_name != "operator"  # the printed name, not the login
    assert event.workstation == "127.0.0.1"


def test_a_wrong_password_is_recorded_with_the_attempted_name_but_never_the_password(seeded, client):
    sign_in(client, "operator", "S3cret-guess")
    [event] = trail(seeded)
    assert (event.action, event.user_id, event.user_name) == ("LOGIN_FAIL", None, "operator")
    assert event.entity_id == str(user_id(seeded, "operator"))
    assert decode_value(event.new_value) == {"username": "operator"}
    assert event.reason.startswith("wrong password")
    stored = " ".join(str(getattr(event, column.key)) for column in AuditEvent.__table__.c)
    assert "S3cret-guess" not in stored


def test_an_unknown_user_name_is_recorded_as_typed(seeded, client):
    sign_in(client, "mallory", "x")
    [event] = trail(seeded)
    assert (event.action, event.user_name, event.entity_id) == ("LOGIN_FAIL", "mallory", "mallory")
    assert event.reason == "unknown or inactive account"


def test_the_fifth_wrong_password_records_a_lockout_and_later_attempts_are_recorded(seeded, client):
    for _ in range(5):
        sign_in(client, "quality", "guess")
    sign_in(client, "quality", "demo")
    actions = [(e.action, e.reason) for e in trail(seeded)]
    assert [a for a, _ in actions] == ["LOGIN_FAIL"] * 5 + ["LOCKOUT", "ALERT", "LOGIN_FAIL"]
    assert actions[5][1] == "5 failed sign-ins in a row"
    assert actions[7][1] == "account locked"


def test_sign_out_is_recorded(seeded, client):
    sign_in(client, "operator")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/lines/L1")})
    assert [e.action for e in trail(seeded)] == ["LOGIN", "LOGOUT"]


def test_an_idle_timeout_is_recorded_as_a_sign_out_with_its_reason(seeded, app, client):
    sign_in(client, "operator")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["MES_SESSION_IDLE_S"] + 1
    client.get("/lines/L1")
    assert [(e.action, e.reason) for e in trail(seeded)] == [("LOGIN", None), ("LOGOUT", "session idle timeout")]


def test_the_sign_in_trail_is_one_intact_chain(seeded, engine, client):
    sign_in(client, "operator", "wrong")
    sign_in(client, "operator")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/lines/L1")})
    assert verify_chain(engine).events == 3 and verify_chain(engine).intact
