"""Brands and products (GTIN check digit, GS1 prefix), qualifications, equipment dates: validated and audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import Brand, Equipment, Product, Qualification
from mes.production.masterdata_equipment import update_equipment
from mes.production.masterdata_errors import AlreadyExists, InvalidMasterData
from mes.production.masterdata_people import grant_qualification, revoke_qualification
from mes.production.masterdata_products import (
    BrandInput,
    ProductInput,
    create_brand,
    create_product,
    update_product,
)
from tests.integration.masterdata.conftest import trail

BRAND = BrandInput("ACME", "Acme Medical", "4601234", "AC{yy}{seq:06d}", "L{yyyy}{mm}-{seq:03d}", "acme-v1")


def test_a_brand_and_product_are_created_and_every_field_is_audited(seeded, process):
    with unit_of_work(seeded) as s:
        create_brand(s, process, BRAND)
        create_product(s, process, "ACME", ProductInput("04601234000017", "Pump P-1", "A", "РЗН 2026/1",
                                                        date(2026, 3, 1), "R-PM100"))
    with unit_of_work(seeded) as s:
        update_product(s, process, "04601234000017", ProductInput("", "Pump P-1", "B", "РЗН 2026/1",
                                                                  date(2026, 3, 1)), reason="revision B")
    with seeded() as s:
        product = s.scalars(select(Product).filter_by(gtin="04601234000017")).one()
        assert product.revision == "B" and product.routing_id is not None
    entries = trail(seeded, "product", str(product.id))
    revision = [e for e in entries if e.field == "revision"]
    assert [(e.action, e.old_value, e.new_value) for e in revision] == [
        ("CREATE", None, '"A"'), ("UPDATE", '"A"', '"B"')]
    assert revision[-1].reason == "revision B"


@pytest.mark.parametrize(("gtin", "words"), [
    ("04601234000016", ("check digit", "контрольная цифра")),
    ("04607123000014", None),  # exists already (demo PM-100), and under another prefix
    ("0460123400001", ("14 digits", "14 цифр")),
])
def test_a_wrong_gtin_is_refused_and_nothing_is_created(seeded, process, gtin, words):
    with unit_of_work(seeded) as s:
        create_brand(s, process, BRAND)
    with pytest.raises((InvalidMasterData, AlreadyExists)) as refused, unit_of_work(seeded) as s:
        create_product(s, process, "ACME", ProductInput(gtin, "Pump", "A"))
    if words:
        assert words[0] in refused.value.message("en") and words[1] in refused.value.message("ru")
    with seeded() as s:
        assert s.scalars(select(Product).where(Product.brand_id == s.scalars(
            select(Brand.id).filter_by(code="ACME")).one())).first() is None


def test_a_bad_number_scheme_is_refused(seeded, process):
    with pytest.raises(InvalidMasterData) as refused, unit_of_work(seeded) as s:
        create_brand(s, process, BrandInput("ACME", "Acme", "4601234", "AC{seq}", "L{seq:03d}", "t"))
    assert "seq" in refused.value.message("en")


def test_qualifications_are_granted_extended_and_revoked_with_old_and_new_dates(seeded, quality):
    with unit_of_work(seeded) as s:
        grant_qualification(s, quality, "operator", "screwing", date(2027, 1, 31))
        grant_qualification(s, quality, "operator", "screwing", date(2027, 6, 30), reason="retrained")
    with unit_of_work(seeded) as s:
        revoke_qualification(s, quality, "operator", "screwing", reason="left the line")
    with seeded() as s:
        assert s.scalars(select(Qualification)).first() is None
    entries = [(e.action, e.old_value, e.new_value) for e in trail(seeded, "qualification", "operator/screwing")]
    assert entries == [("CREATE", None, '"2027-01-31"'), ("UPDATE", '"2027-01-31"', '"2027-06-30"'),
                       ("DELETE", '"2027-06-30"', None)]


def test_equipment_endpoint_and_due_dates_change_with_a_reason_and_a_bad_endpoint_changes_nothing(seeded, process):
    with unit_of_work(seeded) as s:
        update_equipment(s, process, "SCR01-SPINDLE", endpoint="127.0.0.1:15502", calibration_due=date(2027, 2, 1),
                         maintenance_due=None, reason="calibrated")
    with pytest.raises(InvalidMasterData), unit_of_work(seeded) as s:
        update_equipment(s, process, "SCR01-SPINDLE", endpoint="opc.tcp://", calibration_due=None,
                         maintenance_due=None, reason="typo")
    with seeded() as s:
        row = s.scalars(select(Equipment).filter_by(code="SCR01-SPINDLE")).one()
        assert row.endpoint == "127.0.0.1:15502" and row.calibration_due == date(2027, 2, 1)
    fields = {e.field: e.reason for e in trail(seeded, "equipment", str(row.id))}
    assert fields["calibration_due"] == "calibrated" and "endpoint" in fields
