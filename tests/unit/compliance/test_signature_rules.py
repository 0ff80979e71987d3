"""The pure signature rules: when the user name is needed, the two-person rule, the manifestation."""

from datetime import UTC, datetime, timedelta

import pytest

from mes.compliance.errors import TwoPersonRule
from mes.compliance.signatures import (
    manifestation,
    require_two_persons,
    username_required,
    verify_signature,
)
from mes.models import ElectronicSignature

NOW = datetime(2026, 11, 26, 7, 15, 3, tzinfo=UTC)
IDLE = timedelta(minutes=15)


def test_the_first_signing_of_a_session_needs_the_user_name_too():
    assert username_required(signings_in_session=0, last_activity=NOW, now=NOW, idle_limit=IDLE)


def test_later_signings_in_a_continuous_session_need_only_the_password():
    assert not username_required(signings_in_session=1, last_activity=NOW - timedelta(minutes=5), now=NOW,
                                 idle_limit=IDLE)


def test_a_break_in_continuity_needs_both_components_again():
    assert username_required(signings_in_session=3, last_activity=NOW - timedelta(minutes=16), now=NOW,
                             idle_limit=IDLE)
    assert username_required(signings_in_session=3, last_activity=None, now=NOW, idle_limit=IDLE)


def test_the_same_person_cannot_author_and_approve():
    require_two_persons(1, 2)
    with pytest.raises(TwoPersonRule) as refused:
        require_two_persons(7, 7)
    assert refused.value.code == "two_person_rule"
    assert "второго лица" in refused.value.message("ru")


def signature(**overrides) -> ElectronicSignature:
    fields = dict(signer_id=4, signer_name="Anna Volkova", signer_username="quality", meaning="approved",
                  signed_at=NOW, reason=None, entity="work_order", entity_id="WO-1", workstation="QA-PC",
                  content_hash="", seal="")
    fields.update(overrides)
    return ElectronicSignature(**fields)


def test_the_manifestation_shows_printed_name_meaning_local_and_utc_time():
    sig = signature()
    assert manifestation(sig, "Europe/Moscow") == "Anna Volkova — Approved — 2026-11-26 10:15:03 MSK (07:15:03 UTC)"
    assert manifestation(sig, "Europe/Moscow", "ru").startswith("Anna Volkova — Утверждено — ")


def test_a_signature_verifies_only_against_the_content_it_was_made_on():
    from mes.compliance.canonical import content_hash
    from mes.compliance.signatures import _seal

    sig = signature(content_hash=content_hash({"qty": 10}))
    sig.seal = _seal(sig)
    assert verify_signature(sig, {"qty": 10})
    assert not verify_signature(sig, {"qty": 11})
    sig.entity_id = "WO-2"  # moved to another record
    assert not verify_signature(sig, {"qty": 10})
