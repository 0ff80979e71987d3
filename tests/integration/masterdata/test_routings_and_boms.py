"""Routing and BOM versions: drafted by one person, approved by another with an e-signature."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from mes.compliance.errors import SignerNotAuthorized, TwoPersonRule
from mes.compliance.signatures import verify_signature
from mes.db import unit_of_work
from mes.models import Bom, ElectronicSignature, Product, Routing
from mes.production.demo_data import PM100
from mes.production.masterdata import (
    BomLineInput,
    OperationInput,
    SpecInput,
    approve_bom,
    approve_routing,
    create_bom,
    create_routing_version,
    operation_of,
    routing_content,
    set_measurement_plan,
    update_operation,
)
from mes.production.masterdata_errors import AlreadyApproved, DraftExists, InvalidMasterData
from mes.production.masterdata_people import grant_qualification
from recipes.versions import ParameterInput, approve_version, create_recipe, draft_version
from tests.integration.masterdata.conftest import actor_of, trail


def test_a_new_routing_version_copies_the_plan_and_is_approved_by_a_second_person(seeded, process, quality):
    with unit_of_work(seeded) as s:
        set_measurement_plan(s, process, operation_of(s, "R-PM100", 1, 10),
                             [SpecInput("torque", "N·m", 1.8, 2.2, "result_torque")])
        approve_routing(s, quality, "R-PM100", 1, "first issue", password="demo")
        create_recipe(s, process, "RCP-SCR", "Screwing", "screwdriving")
        draft_version(s, process, "RCP-SCR", [ParameterInput("target_torque", "2.0", "N·m", 1.5, 2.5)])
        approve_version(s, quality, "RCP-SCR", 1, "demo")  # only an approved recipe may be referenced
        grant_qualification(s, quality, "operator", "screwing", date(2030, 1, 1))  # a qualification somebody holds
        v2 = create_routing_version(s, process, "R-PM100")
        assert v2.version == 2 and v2.created_by_id == process.user_id
        update_operation(s, process, operation_of(s, "R-PM100", 2, 10), name="Screw the housing",
                         station_type="screwdriving", required_qualification="screwing", recipe_code="RCP-SCR")
    with pytest.raises(TwoPersonRule), unit_of_work(seeded) as s:
        approve_routing(s, process, "R-PM100", 2, "mine", password="demo")
    with unit_of_work(seeded) as s:
        approve_routing(s, quality, "R-PM100", 2, "recipe reference added", password="demo")
    with seeded() as s:
        v2 = s.scalars(select(Routing).filter_by(code="R-PM100", version=2)).one()
        content = routing_content(s, v2)
        assert content["operations"][0]["recipe"] == "RCP-SCR"
        assert content["operations"][0]["plan"][0]["name"] == "torque"  # copied from v1
        signature = s.get_one(ElectronicSignature, v2.signature_id)
        assert signature.meaning == "approved" and verify_signature(signature, content)
        assert s.scalars(select(Product).filter_by(gtin=PM100)).one().routing_id == v2.id  # products move on
    changes = {e.field: (e.old_value, e.new_value) for e in trail(seeded, "routing_operation", str(
        operation_of(seeded(), "R-PM100", 2, 10).id)) if e.action == "UPDATE"}
    assert "screwing" in changes["required_qualification"][1] and "Screw the housing" in changes["name"][1]


def test_an_approved_version_does_not_change_and_only_one_draft_exists(seeded, process, quality):
    with unit_of_work(seeded) as s:
        approve_routing(s, quality, "R-PM100", 1, "ok", password="demo")
    with pytest.raises(AlreadyApproved), unit_of_work(seeded) as s:
        update_operation(s, process, operation_of(s, "R-PM100", 1, 10), name="x", station_type="screwdriving",
                         required_qualification=None, recipe_code=None)
    with pytest.raises(AlreadyApproved), unit_of_work(seeded) as s:
        approve_routing(s, quality, "R-PM100", 1, "again", password="demo")
    with unit_of_work(seeded) as s:
        create_routing_version(s, process, "R-PM100")
    with pytest.raises(DraftExists), unit_of_work(seeded) as s:
        create_routing_version(s, process, "R-PM100")


def test_a_role_without_the_approval_permission_cannot_sign(seeded, process):
    operator = actor_of(seeded, "operator")
    with unit_of_work(seeded) as s:
        create_routing_version(s, process, "R-NEW", [OperationInput(10, "Assemble", "screwdriving")])
    with pytest.raises(SignerNotAuthorized), unit_of_work(seeded) as s:
        approve_routing(s, operator, "R-NEW", 1, "no", password="demo")
    with seeded() as s:
        assert not s.scalars(select(Routing).filter_by(code="R-NEW")).one().approved


def test_operations_of_a_new_routing_are_checked(seeded, process):
    with pytest.raises(InvalidMasterData) as refused, unit_of_work(seeded) as s:
        create_routing_version(s, process, "R-NEW", [OperationInput(20, "A", "screwdriving"),
                                                     OperationInput(10, "B", "leak_test")])
    assert "возрастающими" in refused.value.message("ru")


def test_a_bom_drafted_by_one_person_is_approved_by_another(seeded, process, quality):
    with unit_of_work(seeded) as s:
        bom = create_bom(s, process, PM100, [BomLineInput("BAT-2S", Decimal(1), "serial", 10)])
        assert not bom.approved and bom.created_by_id == process.user_id
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:  # a person cannot skip the signature
        create_bom(s, process, PM100, [BomLineInput("BAT-2S", Decimal(1), "serial", 10)], approve=True)
    with pytest.raises(TwoPersonRule), unit_of_work(seeded) as s:
        approve_bom(s, process, PM100, 1, "demo")
    with unit_of_work(seeded) as s:
        approve_bom(s, quality, PM100, 1, "demo", reason="released for production")
    with seeded() as s:
        bom = s.scalars(select(Bom)).one()
        assert bom.approved and bom.approved_by_id == quality.user_id and bom.signature_id is not None
