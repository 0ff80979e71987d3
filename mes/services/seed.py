"""Import a site file into the database idempotently: a second run changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.models import (
    Area,
    Base,
    Brand,
    Equipment,
    Line,
    Product,
    Routing,
    RoutingOperation,
    Site,
    Station,
    User,
)
from mes.security.passwords import hash_password
from mes.siteconfig.schema import EquipmentConfig, SiteConfig

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Base)

# Kept in Equipment.connection (JSON): ideal_cycle_time_s rides along there so OEE needs no migration.
CONNECTION_FIELDS = ("unit_id", "word_order", "timeout_s", "poll_interval_s", "max_read_gap", "security",
                     "ideal_cycle_time_s")


@dataclass
class SeedReport:
    """What a seeding run created and changed, by table."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed_anything(self) -> bool:
        """True when the run created or updated at least one row."""
        return bool(self.created or self.updated)

    def count(self, kind: dict[str, int], table: str) -> None:
        """Add one row to a table's tally."""
        kind[table] = kind.get(table, 0) + 1


def seed_site(session: Session, config: SiteConfig, demo_password: str | None = None) -> SeedReport:
    """Create or update every site-file entity; users get `demo_password` only when first created."""
    report = SeedReport()
    _seed_plant(session, config, report)
    routings = {r.code: _seed_routing(session, r, report) for r in config.routings}
    _seed_brands(session, config, routings, report)
    if demo_password is not None:
        _seed_users(session, config, demo_password, report)
    session.flush()
    log.info("seed: created %s, updated %s", report.created or "nothing", report.updated or "nothing")
    return report


def _upsert(session: Session, model: type[M], key: dict[str, Any], values: dict[str, Any],
                     report: SeedReport) -> M:
    """The row with that natural key, created or brought up to date with `values`."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        session.flush()
        report.count(report.created, model.__tablename__)
        return row
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        report.count(report.updated, model.__tablename__)
    return row


def _seed_plant(session: Session, config: SiteConfig, report: SeedReport) -> None:
    info = config.site
    site = _upsert(session, Site, {"code": info.code}, {"name": info.name, "timezone": info.timezone}, report)
    equipment = {e.code: e for e in config.equipment}
    for area_cfg in info.areas:
        area = _upsert(session, Area, {"site_id": site.id, "code": area_cfg.code}, {"name": area_cfg.name},
                       report)
        for line_cfg in area_cfg.lines:
            line = _upsert(session, Line, {"code": line_cfg.code}, {"area_id": area.id, "name": line_cfg.name},
                           report)
            for position, st in enumerate(line_cfg.stations, start=1):
                station = _upsert(session, Station, {"code": st.code}, {
                    "line_id": line.id, "name": st.name, "station_type": st.station_type,
                    "position": position}, report)
                if st.equipment:
                    _seed_equipment(session, equipment[st.equipment], station.id, report)
    for eq in config.equipment:  # equipment no station names (spares, test rigs)
        if session.scalars(select(Equipment).filter_by(code=eq.code)).one_or_none() is None:
            _seed_equipment(session, eq, None, report)


def _seed_equipment(session: Session, eq: EquipmentConfig, station_id: int | None,
                    report: SeedReport) -> None:
    connection = eq.model_dump(mode="json", include=set(CONNECTION_FIELDS))
    tags = [t.model_dump(mode="json", exclude_defaults=True) for t in eq.tags]
    _upsert(session, Equipment, {"code": eq.code}, {
        "name": eq.name, "station_id": station_id, "protocol": eq.protocol.value,
        "endpoint": eq.endpoint, "connection": connection, "tag_map": tags,
        "calibration_due": eq.calibration_due}, report)


def _seed_routing(session: Session, cfg: Any, report: SeedReport) -> Routing:
    routing = _upsert(session, Routing, {"code": cfg.code, "version": cfg.version}, {}, report)
    for op in cfg.operations:
        _upsert(session, RoutingOperation, {"routing_id": routing.id, "seq": op.seq},
                {"name": op.name, "station_type": op.station_type}, report)
    return routing


def _seed_brands(session: Session, config: SiteConfig, routings: dict[str, Routing],
                 report: SeedReport) -> None:
    for b in config.brands:
        brand = _upsert(session, Brand, {"code": b.code}, {
            "name": b.name, "gs1_company_prefix": b.gs1_company_prefix, "serial_scheme": b.serial_scheme,
            "lot_scheme": b.lot_scheme, "label_template_set": b.label_template_set}, report)
        for p in b.products:
            cert = p.registration_certificate
            _upsert(session, Product, {"gtin": p.gtin}, {
                "brand_id": brand.id, "model": p.model, "revision": p.revision,
                "registration_number": cert.number if cert else None,
                "registration_date": cert.date if cert else None,
                "routing_id": routings[p.routing].id}, report)


def _seed_users(session: Session, config: SiteConfig, password: str, report: SeedReport) -> None:
    for u in config.users:
        user = session.scalars(select(User).filter_by(username=u.username)).one_or_none()
        values = {"display_name": u.display_name, "role": u.role, "language": u.language}
        if user is None:
            session.add(User(username=u.username, password_hash=hash_password(password), **values))
            report.count(report.created, User.__tablename__)
        else:
            _upsert(session, User, {"username": u.username}, values, report)
