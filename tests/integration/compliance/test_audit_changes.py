"""audit_changes records an ORM object's creation, each changed column, and its deletion."""

from sqlalchemy import select

from mes.compliance import audit_changes, verify_chain
from mes.compliance.audit import REDACTED
from mes.compliance.chain import decode_value
from mes.db import unit_of_work
from mes.models import AuditEvent, Brand, User
from tests.integration.compliance.conftest import ACTOR


def new_user() -> User:
    return User(username="anna", display_name="Anna Smirnova", role="operator", password_hash="$argon2id$secret")


def history(sessions):
    with sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(e.action, e.entity, e.entity_id, e.field, decode_value(e.old_value), decode_value(e.new_value),
                 e.reason) for e in events]


def test_creating_a_record_logs_each_initial_value_under_its_new_id(sessions):
    with unit_of_work(sessions) as session:
        user = new_user()
        audit_changes(session, ACTOR, user, "CREATE")
    entries = {field: new for action, entity, entity_id, field, _old, new, _r in history(sessions)
               if (action, entity, entity_id) == ("CREATE", "app_user", str(user.id))}
    assert entries["username"] == "anna"
    assert entries["display_name"] == "Anna Smirnova"
    assert entries["failed_logins"] == 0  # a column default, known once flushed


def test_a_password_hash_is_never_written_to_the_trail(sessions):
    with unit_of_work(sessions) as session:
        user = new_user()
        audit_changes(session, ACTOR, user, "CREATE")
    with unit_of_work(sessions) as session:
        session.get(User, user.id).password_hash = "$argon2id$other"
        audit_changes(session, ACTOR, session.get(User, user.id), "UPDATE", reason="password reset")
    change = ("UPDATE", "app_user", str(user.id), "password_hash", REDACTED, REDACTED, "password reset")
    assert change in history(sessions)
    with sessions() as session:
        stored = [(e.old_value or "") + (e.new_value or "") for e in session.scalars(select(AuditEvent))]
    assert not any("argon2" in values for values in stored)


def test_an_update_logs_one_entry_per_changed_column_with_old_new_and_reason(sessions):
    with unit_of_work(sessions) as session:
        brand = Brand(code="ACME", name="Acme", gs1_company_prefix="4600000", serial_scheme="s", lot_scheme="l",
                      label_template_set="t")
        session.add(brand)
    with unit_of_work(sessions) as session:
        brand = session.get(Brand, brand.id)
        brand.name, brand.lot_scheme, brand.code = "Acme Medical", "L{yy}{seq}", "ACME"
        events = audit_changes(session, ACTOR, brand, "UPDATE", reason="rebranding, CR-12")
    assert [e.field for e in events] == ["name", "lot_scheme"]  # code was set to its own value
    assert ("UPDATE", "brand", str(brand.id), "name", "Acme", "Acme Medical", "rebranding, CR-12") in history(sessions)


def test_an_object_with_no_change_logs_nothing(sessions):
    with unit_of_work(sessions) as session:
        user = new_user()
        session.add(user)
    with unit_of_work(sessions) as session:
        assert audit_changes(session, ACTOR, session.get(User, user.id), "UPDATE") == []


def test_a_deletion_logs_the_whole_row_as_the_old_value(sessions, engine):
    with unit_of_work(sessions) as session:
        user = new_user()
        session.add(user)
    with unit_of_work(sessions) as session:
        doomed = session.get(User, user.id)
        session.delete(doomed)
        audit_changes(session, ACTOR, doomed, "DELETE", reason="created by mistake")
    [(action, _entity, _id, field, old, new, reason)] = history(sessions)
    assert (action, field, new, reason) == ("DELETE", None, None, "created by mistake")
    assert old["username"] == "anna" and old["password_hash"] == REDACTED
    assert verify_chain(engine).intact
