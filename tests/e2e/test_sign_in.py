"""Every page needs a signed-in user; sign-in is protected against guessing and forged forms."""

import pytest

from tests.support.web import csrf_token, sign_in


@pytest.mark.parametrize("path", ["/", "/lines/L1", "/lines/L1/status.json", "/lines/NOPE"])
def test_an_anonymous_request_gets_nothing_but_the_sign_in_page(seeded, client, path):
    response = client.get(path)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
    assert b"SCR01" not in response.data


def test_the_status_endpoint_answers_json_401_without_a_session(seeded, client):
    response = client.get("/lines/L1/status.json")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "not_authenticated"


def test_a_user_signs_in_and_lands_on_the_line_page(seeded, client):
    response = sign_in(client, "operator")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert "SCR01" in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_in_the_users_language(seeded, client):
    response = sign_in(client, "operator", "wrong")
    assert response.status_code == 401
    assert "Неверное имя пользователя или пароль" in response.get_data(as_text=True)
    client.get("/login?lang=en")
    response = sign_in(client, "operator", "wrong")
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(seeded, client):
    for _ in range(5):
        sign_in(client, "quality", "guess")
    response = sign_in(client, "quality", "demo")
    assert response.status_code == 401
    assert "заблокирована" in response.get_data(as_text=True)
    assert client.get("/lines/L1").status_code == 302


def test_a_sign_in_form_without_its_csrf_token_is_refused(seeded, client):
    response = client.post("/login", data={"username": "operator", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/lines/L1").status_code == 302


def test_sign_out_needs_a_post_with_the_token_and_ends_the_session(seeded, client):
    sign_in(client, "operator")
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": csrf_token(client, "/lines/L1")})
    assert client.get("/lines/L1").status_code == 302


def test_after_sign_in_only_same_site_paths_are_followed(seeded, client):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "operator", "password": "demo", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_an_idle_session_expires(seeded, app, client):
    sign_in(client, "operator")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["MES_SESSION_IDLE_S"] + 1
    response = client.get("/lines/L1")
    assert response.status_code == 302
