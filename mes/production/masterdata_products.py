"""Brands and products: GS1 company prefix, numbering schemes, label templates; GTIN with its check digit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor, audit_changes
from mes.domain.gs1 import gtin_check_digit_ok
from mes.domain.numbering import BadScheme, scheme_capacity
from mes.models import Brand, Product, Routing
from mes.production.common import get_by
from mes.production.masterdata import CODE
from mes.production.masterdata_errors import AlreadyExists, InvalidMasterData

PREFIX = re.compile(r"\d{6,12}")


@dataclass(frozen=True)
class BrandInput:
    """A brand's fields as entered."""

    code: str
    name: str
    gs1_company_prefix: str
    serial_scheme: str
    lot_scheme: str
    label_template_set: str


@dataclass(frozen=True)
class ProductInput:
    """A product's fields as entered (the routing by code: its newest approved version, else its newest)."""

    gtin: str
    model: str
    revision: str
    registration_number: str | None = None
    registration_date: date | None = None
    routing_code: str | None = None


def create_brand(session: Session, actor: AuditActor, data: BrandInput) -> Brand:
    """A new brand; every field is audited."""
    _check_brand(data)
    if session.scalars(select(Brand.id).where(Brand.code == data.code)).first() is not None:
        raise AlreadyExists(what="Brand", key=data.code)
    brand = Brand(**data.__dict__)
    session.add(brand)
    audit_changes(session, actor, brand, "CREATE")
    return brand


def update_brand(session: Session, actor: AuditActor, code: str, data: BrandInput, reason: str) -> Brand:
    """Change a brand's name, prefix, schemes or label templates (the code stays); audited old → new."""
    brand = get_by(session, Brand, "Brand", code=code)
    _check_brand(BrandInput(**{**data.__dict__, "code": code}))
    for name in ("name", "gs1_company_prefix", "serial_scheme", "lot_scheme", "label_template_set"):
        setattr(brand, name, getattr(data, name))
    audit_changes(session, actor, brand, "UPDATE", reason=reason)
    return brand


def create_product(session: Session, actor: AuditActor, brand_code: str, data: ProductInput) -> Product:
    """A new product of a brand; the GTIN's check digit and the brand's company prefix are checked."""
    brand = get_by(session, Brand, "Brand", code=brand_code)
    _check_product(brand, data)
    if session.scalars(select(Product.id).where(Product.gtin == data.gtin)).first() is not None:
        raise AlreadyExists(what="Product", key=data.gtin)
    product = Product(brand_id=brand.id, gtin=data.gtin, model=data.model.strip(), revision=data.revision.strip(),
                      registration_number=data.registration_number or None, registration_date=data.registration_date,
                      routing_id=_routing_id(session, data.routing_code))
    session.add(product)
    audit_changes(session, actor, product, "CREATE")
    return product


def update_product(session: Session, actor: AuditActor, gtin: str, data: ProductInput, reason: str) -> Product:
    """Change a product's model, revision, registration certificate or routing (the GTIN stays); audited."""
    product = get_by(session, Product, "Product", gtin=gtin)
    _check_product(session.get_one(Brand, product.brand_id), ProductInput(**{**data.__dict__, "gtin": gtin}))
    # Queried before the edits: a query autoflushes, and audit_changes reads the history since the last flush.
    routing_id = _routing_id(session, data.routing_code) if data.routing_code else product.routing_id
    product.model, product.revision = data.model.strip(), data.revision.strip()
    product.registration_number, product.registration_date = data.registration_number or None, data.registration_date
    product.routing_id = routing_id
    audit_changes(session, actor, product, "UPDATE", reason=reason)
    return product


def _check_brand(data: BrandInput) -> None:
    if not CODE.fullmatch(data.code):
        raise InvalidMasterData(f"brand code {data.code!r}: letters, digits, - and _",
                                f"код бренда {data.code!r}: буквы, цифры, - и _")
    if not data.name.strip():
        raise InvalidMasterData("a brand needs a name", "у бренда должно быть название")
    if not PREFIX.fullmatch(data.gs1_company_prefix):
        raise InvalidMasterData("the GS1 company prefix is 6 to 12 digits", "префикс компании GS1 — от 6 до 12 цифр")
    for label, scheme in (("serial", data.serial_scheme), ("lot", data.lot_scheme)):
        try:
            scheme_capacity(scheme)
        except BadScheme as exc:
            raise InvalidMasterData(f"{label} number scheme: {exc.detail}",
                                    f"схема номеров ({label}): {exc.detail}") from exc
    if not data.label_template_set.strip():
        raise InvalidMasterData("a brand needs a label template set", "у бренда должен быть набор шаблонов этикеток")


def _check_product(brand: Brand, data: ProductInput) -> None:
    if not re.fullmatch(r"\d{14}", data.gtin):
        raise InvalidMasterData("a GTIN is 14 digits", "GTIN состоит из 14 цифр")
    if not gtin_check_digit_ok(data.gtin):
        raise InvalidMasterData(f"GTIN {data.gtin} has a wrong check digit",
                                f"у GTIN {data.gtin} неверная контрольная цифра")
    if not data.gtin[1:].startswith(brand.gs1_company_prefix):
        raise InvalidMasterData(f"GTIN {data.gtin} is not under the brand's GS1 prefix {brand.gs1_company_prefix}",
                                f"GTIN {data.gtin} не относится к префиксу GS1 бренда {brand.gs1_company_prefix}")
    if not data.model.strip() or not data.revision.strip():
        raise InvalidMasterData("a product needs a model and a revision", "у изделия должны быть модель и ревизия")
    if data.registration_date is not None and not data.registration_number:
        raise InvalidMasterData("a registration date needs the certificate number",
                                "дата регистрации указывается вместе с номером удостоверения")


def _routing_id(session: Session, code: str | None) -> int | None:
    """The newest approved version of the routing, else its newest version."""
    if not code:
        return None
    versions = list(session.scalars(select(Routing).where(Routing.code == code).order_by(Routing.version.desc())))
    if not versions:
        raise InvalidMasterData(f"no routing {code}", f"нет маршрута {code}")
    return next((r for r in versions if r.approved), versions[0]).id
