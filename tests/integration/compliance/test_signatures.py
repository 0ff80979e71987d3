"""Executing electronic signatures on a real database: password re-entry, lockout, audit, linking."""

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from mes.compliance.chain import decode_value
from mes.compliance.errors import (
    AccountLocked,
    PasswordChangeRequired,
    SignerNotAuthorized,
    WrongCredentials,
)
from mes.compliance.signatures import SignatureMeaning, sign, signatures_for, verify_signature
from mes.db import unit_of_work
from mes.models import Alert, AuditEvent, ElectronicSignature, User
from mes.security.policy import AccountPolicy

CONTENT = {"work_order": "WO-1", "quantity": 10, "released_lots": ["L1", "L2"]}
POLICY = AccountPolicy(max_failed_attempts=3)


def user(sessions, username: str) -> User:
    with sessions() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def sign_as(sessions, who: str, password: str = "demo", **kwargs):
    with unit_of_work(sessions) as session:
        args = dict(signer=user(sessions, who), password=password, meaning=SignatureMeaning.APPROVED,
                    entity="work_order", entity_id="WO-1", content=CONTENT, workstation="QA-PC-01", policy=POLICY)
        args.update(kwargs)
        return sign(session, **args)


def events(sessions, action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_signature_stores_signer_printed_name_meaning_utc_time_reason_and_content_hash(seeded):
    sig = sign_as(seeded, "quality", reason="batch record complete", username="quality")
    with seeded() as session:
        stored = session.get(ElectronicSignature, sig.id)
    assert (stored.signer_name, stored.signer_username, stored.meaning) == ("Anna Volkova", "quality", "approved")
    assert stored.signed_at.utcoffset().total_seconds() == 0
    assert (stored.entity, stored.entity_id, stored.reason) == ("work_order", "WO-1", "batch record complete")
    assert verify_signature(stored, CONTENT)


def test_signing_writes_a_sign_entry_in_the_audit_trail_with_the_signature_id(seeded):
    sig = sign_as(seeded, "quality")
    [entry] = events(seeded, "SIGN")
    assert (entry.entity, entry.entity_id, entry.user_name) == ("work_order", "WO-1", "Anna Volkova")
    assert decode_value(entry.new_value) == {"signature_id": sig.id, "meaning": "approved",
                                             "content_hash": sig.content_hash, "seal": sig.seal}


def test_a_wrong_password_refuses_the_signature_rolls_back_the_action_and_is_audited(seeded):
    with pytest.raises(WrongCredentials), unit_of_work(seeded) as session:
        session.execute(update(User).where(User.username == "operator").values(display_name="changed"))
        sign(session, signer=user(seeded, "quality"), password="nope", meaning="approved", entity="work_order",
             entity_id="WO-1", content=CONTENT, workstation="QA-PC-01", policy=POLICY)
    assert user(seeded, "operator").display_name == "Ivan Petrov"  # the signed action did not happen
    assert user(seeded, "quality").failed_logins == 1
    [failure] = events(seeded, "SIGN_FAIL")
    assert failure.reason == "signature_wrong_credentials"
    with seeded() as session:
        assert session.scalar(select(ElectronicSignature.id)) is None


def test_a_user_name_that_is_not_the_signers_is_refused_like_a_wrong_password(seeded):
    with pytest.raises(WrongCredentials):
        sign_as(seeded, "quality", username="lead")
    assert user(seeded, "quality").failed_logins == 1


def test_repeated_signing_failures_lock_the_account_and_alert_administrators(seeded):
    for _ in range(3):
        with pytest.raises(WrongCredentials):
            sign_as(seeded, "quality", password="guess")
    assert user(seeded, "quality").locked_at is not None
    with pytest.raises(AccountLocked):
        sign_as(seeded, "quality")  # even the right password no longer signs
    assert [e.entity_id for e in events(seeded, "LOCKOUT")] == [str(user(seeded, "quality").id)]
    assert len(events(seeded, "ALERT")) == 1
    with seeded() as session:
        [alert] = session.scalars(select(Alert)).all()
    assert (alert.kind, alert.subject) == ("account_locked", "quality")


def test_a_successful_signing_ends_the_run_of_failures(seeded):
    with pytest.raises(WrongCredentials):
        sign_as(seeded, "quality", password="guess")
    sign_as(seeded, "quality")
    assert user(seeded, "quality").failed_logins == 0


def test_a_one_time_password_must_be_changed_before_signing(seeded):
    with unit_of_work(seeded) as session:
        session.execute(update(User).where(User.username == "quality").values(must_change_password=True))
    with pytest.raises(PasswordChangeRequired):
        sign_as(seeded, "quality")


def test_a_role_without_the_permission_cannot_sign_for_it(seeded):
    with pytest.raises(SignerNotAuthorized) as refused:
        sign_as(seeded, "operator", permission="batch.release")
    assert "batch.release" in refused.value.message("en")
    assert user(seeded, "operator").failed_logins == 0  # not a credential failure


def test_a_changed_record_no_longer_verifies_against_its_signature(seeded):
    sig = sign_as(seeded, "quality")
    assert not verify_signature(sig, {**CONTENT, "quantity": 11})


def test_the_database_refuses_to_edit_a_signature(seeded, engine):
    sig = sign_as(seeded, "quality")
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE electronic_signature SET entity_id = 'WO-2' WHERE id = :id"), {"id": sig.id})


def test_signatures_for_lists_every_signature_of_a_record_in_order(seeded):
    first = sign_as(seeded, "lead", meaning="reviewed")
    second = sign_as(seeded, "quality", meaning="released")
    with seeded() as session:
        assert [s.id for s in signatures_for(session, "work_order", "WO-1")] == [first.id, second.id]
