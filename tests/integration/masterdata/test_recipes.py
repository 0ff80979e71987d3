"""Recipes: draft → approved (e-signed by a second person) → superseded; only the approved version is used."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.errors import TwoPersonRule, WrongCredentials
from mes.compliance.signatures import verify_signature
from mes.db import unit_of_work
from mes.models import ElectronicSignature, RecipeVersion
from mes.production.masterdata_errors import (
    DraftExists,
    InvalidMasterData,
    NotADraft,
    NotApproved,
    ParameterOutOfRange,
)
from recipes.versions import (
    ParameterInput,
    approve_version,
    create_recipe,
    download_values,
    draft_version,
    get_version,
    set_parameters,
    signed_content,
)
from tests.integration.masterdata.conftest import trail

TORQUE = [ParameterInput("target_torque", "2.0", "N·m", 1.5, 2.5), ParameterInput("program", "3")]


def drafted(sessions, author, params=TORQUE):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        create_recipe(s, author, "RCP-SCR", "PM-100 screwing", "screwdriving", "04607123000014")
        draft_version(s, author, "RCP-SCR", params, note="first issue")


def test_a_second_person_approves_a_draft_with_a_signature_that_covers_its_parameters(seeded, process, quality):
    drafted(seeded, process)
    with unit_of_work(seeded) as s:
        row = approve_version(s, quality, "RCP-SCR", 1, "demo", reason="validated on line 1")
        assert row.status == "approved" and row.approved_by_id == quality.user_id
    with seeded() as s:
        row = get_version(s, "RCP-SCR", 1)
        signature = s.get_one(ElectronicSignature, row.signature_id)
        assert signature.meaning == "approved" and signature.signer_id == quality.user_id
        assert verify_signature(signature, signed_content(row.recipe, row))
        version, values = download_values(s, "RCP-SCR")
        assert version.version == 1 and values == {"param_target_torque": "2.0", "param_program": "3"}
    actions = [(e.action, e.field) for e in trail(seeded, "recipe_version", "RCP-SCR/v1")]
    assert ("CREATE", None) in actions and ("SIGN", "signature") in actions and ("UPDATE", "status") in actions


def test_the_author_cannot_approve_their_own_draft(seeded, process):
    drafted(seeded, process)
    with pytest.raises(TwoPersonRule), unit_of_work(seeded) as s:
        approve_version(s, process, "RCP-SCR", 1, "demo")
    with seeded() as s:
        assert get_version(s, "RCP-SCR", 1).status == "draft"
        with pytest.raises(NotApproved):
            download_values(s, "RCP-SCR")


def test_a_wrong_password_signs_nothing_and_is_recorded(seeded, process, quality):
    drafted(seeded, process)
    with pytest.raises(WrongCredentials), unit_of_work(seeded) as s:
        approve_version(s, quality, "RCP-SCR", 1, "not-my-password")
    with seeded() as s:
        assert get_version(s, "RCP-SCR", 1).status == "draft"
        assert s.scalars(select(ElectronicSignature)).first() is None
    assert [e.action for e in trail(seeded, "recipe_version", "RCP-SCR/v1")][-1] == "SIGN_FAIL"


def test_a_new_approved_version_supersedes_the_old_and_approved_versions_never_change(seeded, process, quality):
    drafted(seeded, process)
    with unit_of_work(seeded) as s:
        approve_version(s, quality, "RCP-SCR", 1, "demo")
    with pytest.raises(NotADraft), unit_of_work(seeded) as s:
        set_parameters(s, process, "RCP-SCR", 1, [ParameterInput("program", "4")])
    with unit_of_work(seeded) as s:
        draft = draft_version(s, process, "RCP-SCR", note="tighter torque")  # a copy of v1
        assert [(p.name, p.value) for p in draft.parameters] == [("target_torque", "2.0"), ("program", "3")]
        set_parameters(s, process, "RCP-SCR", 2, [ParameterInput("target_torque", "2.1", "N·m", 1.5, 2.5),
                                                  ParameterInput("program", "4")])
    with pytest.raises(DraftExists), unit_of_work(seeded) as s:
        draft_version(s, process, "RCP-SCR")
    with seeded() as s:  # the draft is not used while v1 is approved
        assert download_values(s, "RCP-SCR")[1]["param_program"] == "3"
    with unit_of_work(seeded) as s:
        approve_version(s, quality, "RCP-SCR", 2, "demo")
    with seeded() as s:
        statuses = {v.version: v.status for v in s.scalars(select(RecipeVersion))}
        assert statuses == {1: "superseded", 2: "approved"}
        assert download_values(s, "RCP-SCR")[1] == {"param_target_torque": "2.1", "param_program": "4"}
    update = next(e for e in trail(seeded, "recipe_version", "RCP-SCR/v2") if e.field == "parameters")
    assert '"3"' in update.old_value and '"4"' in update.new_value


@pytest.mark.parametrize(("param", "error"), [
    (ParameterInput("target_torque", "3.0", "N·m", 1.5, 2.5), ParameterOutOfRange),
    (ParameterInput("target_torque", "fast", "N·m", 1.5, 2.5), InvalidMasterData),
    (ParameterInput("Target Torque", "2.0"), InvalidMasterData),
    (ParameterInput("target_torque", "2.0", "N·m", 2.5, 1.5), InvalidMasterData),
])
def test_bad_parameters_are_refused_with_a_message_in_both_languages(seeded, process, param, error):
    with pytest.raises(error) as refused, unit_of_work(seeded) as s:
        create_recipe(s, process, "RCP-SCR", "PM-100 screwing", "screwdriving")
        draft_version(s, process, "RCP-SCR", [param])
    assert refused.value.message("ru") != refused.value.message("en")
    with seeded() as s:
        assert s.scalars(select(RecipeVersion)).first() is None
