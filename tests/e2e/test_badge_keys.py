"""Badge numbers are stored keyed (HMAC-SHA-256 with the site key); badges stored before keys are refused
with a message asking for re-assignment; a changed key shows up in `mes user badges-to-reassign`."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mes.cli import main
from mes.db import unit_of_work
from mes.migrate import upgrade
from mes.models import AuditEvent, Base, User
from mes.security.badges import (
    BadgeKeyInvalid,
    BadgeKeyMissing,
    badge_key,
    find_badge_holder,
    legacy_badge_hash,
)
from tests.e2e.test_account_policies import badge_sign_in, give_badge, lets_in
from tests.support.database import engine_for, fresh_database_url, on_postgres

BADGE, PIN = "0004417731", "4711"
KEY = "pytest-badge-key-0123456789"


@pytest.fixture(autouse=True)
def site_key(monkeypatch):
    if on_postgres():
        monkeypatch.setenv("MES_BADGE_KEY", KEY)
    else:
        monkeypatch.delenv("MES_BADGE_KEY", raising=False)
    monkeypatch.delenv("MES_BADGE_KEY_FILE", raising=False)


@pytest.fixture
def cli(seeded, engine, monkeypatch):
    monkeypatch.setenv("MES_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def stored(sessions, username: str = "operator") -> User:
    with sessions() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_the_stored_badge_is_an_hmac_with_the_site_key_not_a_plain_hash(seeded, client, engine):
    give_badge(seeded, badge=BADGE, pin=PIN)
    with seeded() as s:
        key = badge_key(s)
    user = stored(seeded)
    assert user.badge_hash == hmac.new(key, BADGE.encode(), hashlib.sha256).hexdigest()
    assert user.badge_hash not in (legacy_badge_hash(BADGE), hashlib.sha256(BADGE.encode()).hexdigest())
    assert user.badge_scheme.startswith("hmac-sha256:")
    assert badge_sign_in(client, BADGE, PIN).status_code == 302 and lets_in(client)


@pytest.mark.skipif(on_postgres(), reason="the key file beside the database exists for SQLite only")
def test_on_sqlite_the_key_is_a_private_file_beside_the_database_created_once(seeded, engine):
    with seeded() as s:
        first = badge_key(s, environ={})
        again = badge_key(s, environ={})
    path = Path(make_url(str(engine.url)).database).parent / "badge_key"
    assert first == again == path.read_text().strip().encode() and len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_database_with_no_file_beside_it_keeps_the_key_in_the_var_folder(tmp_path):
    memory = create_engine("sqlite://")
    with Session(memory) as s:
        key = badge_key(s, environ={"MES_VAR_DIR": str(tmp_path / "var")})
        assert (tmp_path / "var" / "badge_key").read_text().strip().encode() == key
        with pytest.raises(BadgeKeyMissing) as missing:
            badge_key(s, environ={"MES_BADGE_KEY_FILE": str(tmp_path / "no-such-file")})
        assert "MES_BADGE_KEY" in missing.value.message("en") and "MES_BADGE_KEY" in missing.value.message("ru")
        with pytest.raises(BadgeKeyInvalid):
            badge_key(s, environ={"MES_BADGE_KEY": "short"})
        (tmp_path / "key").write_text(KEY + "\n")
        assert badge_key(s, environ={"MES_BADGE_KEY_FILE": str(tmp_path / "key")}) == KEY.encode()
    memory.dispose()


def test_a_badge_stored_before_keys_is_refused_with_a_clear_message_until_reassigned(seeded, client, cli):
    give_badge(seeded, badge=BADGE, pin=PIN)
    with unit_of_work(seeded) as s:  # what migration 0010 leaves of a badge assigned before it
        s.execute(update(User).where(User.username == "operator").values(
            badge_hash=legacy_badge_hash(BADGE), badge_scheme="sha256"))
    refused = badge_sign_in(client, BADGE, PIN)
    assert refused.status_code == 401
    assert "назначить его заново" in refused.get_data(as_text=True)  # the terminal speaks Russian
    with seeded() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.entity_id) == ("LOGIN_FAIL", str(stored(seeded).id)) and "re-assign" in last.reason
    listed = cli("user", "badges-to-reassign")
    assert "operator\tsha256" in listed.output and "1 badge(s) to re-assign" in listed.output

    taken = CliRunner().invoke(main, ["user", "assign-badge", "--username", "lead", "--badge", BADGE],
                               input="4711\n4711\n", env={"MES_DATABASE_URL": str(stored_url(seeded))})
    assert taken.exit_code != 0 and "belongs to another user" in taken.output  # even unkeyed, it is his
    give_badge(seeded, badge=BADGE, pin=PIN)
    assert cli("user", "badges-to-reassign").output.strip() == "0 badge(s) to re-assign"
    assert badge_sign_in(client, BADGE, PIN).status_code == 302


def stored_url(sessions):
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


def test_badges_of_another_key_are_listed_for_reassignment(seeded, client, cli, monkeypatch):
    give_badge(seeded, badge=BADGE, pin=PIN)
    monkeypatch.setenv("MES_BADGE_KEY", "a-different-site-key-987654321")
    assert badge_sign_in(client, BADGE, PIN).status_code == 401
    assert "operator\thmac-sha256:" in cli("user", "badges-to-reassign").output


def test_migration_0010_marks_badges_stored_before_it(tmp_path):
    with fresh_database_url(tmp_path) as url:
        engine = engine_for(url)
        upgrade(engine, "0009")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO app_user (username, display_name, role, language, password_hash, active, "
                              "failed_logins, must_change_password, badge_hash) VALUES ('old', 'Old Badge', "
                              "'operator', 'ru', 'x', :t, 0, :f, :h), ('nobadge', 'No Badge', 'operator', 'ru', "
                              "'x', :t, 0, :f, NULL)"), {"t": True, "f": False, "h": legacy_badge_hash(BADGE)})
        upgrade(engine)
        with engine.connect() as conn:
            schemes = dict(conn.execute(text("SELECT username, badge_scheme FROM app_user")).all())
        engine.dispose()
    assert schemes == {"old": "sha256", "nobadge": None}


def test_without_a_usable_key_and_without_badges_a_scan_simply_matches_no_one(monkeypatch, tmp_path):
    monkeypatch.delenv("MES_BADGE_KEY", raising=False)
    monkeypatch.setenv("MES_BADGE_KEY_FILE", str(tmp_path / "missing-key"))  # configured but unreadable
    memory = create_engine("sqlite://")
    Base.metadata.create_all(memory)
    with Session(memory) as s:
        assert find_badge_holder(s, "lead").user is None  # a typed user name on a terminal, no badges yet
        s.add(User(username="x", display_name="X", role="operator", password_hash="x", badge_hash="ab" * 32))
        s.flush()
        with pytest.raises(BadgeKeyMissing):
            find_badge_holder(s, BADGE)
    memory.dispose()
