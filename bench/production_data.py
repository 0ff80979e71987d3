"""Data for bench/production.py: master data for a 10-measurement operation, and bulk-generated genealogy."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.db import session_factory, unit_of_work
from mes.models import (
    Brand,
    ComponentConsumption,
    MaterialLot,
    Product,
    Routing,
    RoutingOperation,
    Unit,
    WorkOrder,
    utcnow,
)
from mes.production.masterdata import BomLineInput, SpecInput, approve_routing, create_bom, set_measurement_plan
from mes.production.materials import LotReceipt, receive_lot, release_lot
from mes.services.seed import seed_site
from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import load_site_config

ACTOR = AuditActor(None, "bench", "bench")
BENCH_GTIN = "04607123990025"
SPECS = [SpecInput(f"m{i:02d}", "V", 0.0, 10.0, f"result_m{i:02d}") for i in range(10)]


def prepare_site(engine: Engine) -> None:
    """The demo site, plus a product whose one operation collects 10 values and consumes 2 lot parts."""
    with unit_of_work(session_factory(engine)) as s:
        seed_site(s, load_site_config(DEFAULT_SITE_FILE), None)
        routing = Routing(code="R-BENCH", version=1)
        operation = RoutingOperation(seq=10, name="Bench test", station_type="functional_test")
        routing.operations.append(operation)
        brand = s.scalars(select(Brand).where(Brand.code == "MEDTEK")).one()
        s.add(Product(brand=brand, gtin=BENCH_GTIN, model="Bench device", revision="A", routing=routing))
        s.flush()
        set_measurement_plan(s, ACTOR, operation, SPECS)
        approve_routing(s, ACTOR, "R-BENCH", 1, reason="bench")
        create_bom(s, ACTOR, BENCH_GTIN, [BomLineInput("PART-A", Decimal(1), "lot", 10),
                                          BomLineInput("PART-B", Decimal(2), "lot", 10)], approve=True)
        for part in ("PART-A", "PART-B"):
            lot = receive_lot(s, ACTOR, LotReceipt(part, f"{part}-L1", "Bench supplier", "RU", Decimal(10**9)))
            release_lot(s, ACTOR, lot.id)


def generate_genealogy(engine: Engine, units: int, lots: int = 20, seed: int = 7) -> dict[str, list[str]]:
    """`units` finished devices, each with a board subassembly; boards use one of `lots` chip lots.

    Core bulk inserts, no services: this is data to trace, not a measure of the services.
    """
    rnd = random.Random(seed)
    now = utcnow()
    with engine.begin() as conn, Session(conn) as s:
        product_id = s.scalar(select(Product.id).where(Product.gtin == BENCH_GTIN))
        routing_id = s.scalar(select(Product.routing_id).where(Product.gtin == BENCH_GTIN))
        chip_lots = _lots(conn, "CHIP", lots, now)
        screw_lot = _lots(conn, "SCREW", 1, now)[0]
        wo_ids = [conn.execute(insert(WorkOrder).values(
            number=f"GEN-{kind}", product_id=product_id, routing_id=routing_id, quantity=units,
            lot_number=f"GEN-LOT-{kind}", status="completed", created_at=now)).inserted_primary_key[0]
            for kind in ("BOARD", "DEVICE")]
        base = (s.scalar(select(func.max(Unit.id))) or 0) + 1
        boards = [{"id": base + i, "serial": f"GB{i:08d}", "work_order_id": wo_ids[0], "status": "consumed",
                   "parent_unit_id": None, "created_at": now, "lock_version": 0, "on_hold": False}
                  for i in range(units)]
        devices = [{"id": base + units + i, "serial": f"GD{i:08d}", "work_order_id": wo_ids[1],
                    "status": "completed", "parent_unit_id": None, "created_at": now, "lock_version": 0,
                    "on_hold": False} for i in range(units)]
        conn.execute(insert(Unit), devices)
        for board, device in zip(boards, devices, strict=True):
            board["parent_unit_id"] = device["id"]
        conn.execute(insert(Unit), boards)
        chip_of = [rnd.randrange(lots) for _ in range(units)]
        rows = []
        for i in range(units):
            rows.append(_consumption(boards[i]["id"], "CHIP", chip_lots[chip_of[i]], None, now))
            rows.append(_consumption(devices[i]["id"], "BOARD", None, boards[i]["id"], now))
            rows.append(_consumption(devices[i]["id"], "SCREW", screw_lot, None, now))
        conn.execute(insert(ComponentConsumption), rows)
        s.flush()
    return {"devices": [d["serial"] for d in devices], "chip_lots": [f"CHIP-{n:03d}" for n in range(lots)]}


def _lots(conn, part: str, count: int, now) -> list[int]:  # type: ignore[no-untyped-def]
    rows = [{"part_number": part, "lot_number": f"{part}-{n:03d}", "supplier": "Gen supplier",
             "country_of_origin": "RU", "quantity_received": Decimal(10**9), "quantity_on_hand": Decimal(10**9),
             "status": "released", "received_at": now} for n in range(count)]
    conn.execute(insert(MaterialLot), rows)
    return list(conn.scalars(select(MaterialLot.id).where(MaterialLot.part_number == part).order_by(MaterialLot.id)))


def _consumption(unit_id: int, part: str, lot_id: int | None, component_id: int | None, now) -> dict:  # type: ignore[no-untyped-def]
    return {"unit_id": unit_id, "part_number": part, "material_lot_id": lot_id, "component_unit_id": component_id,
            "component_serial": None, "quantity": Decimal(1), "scanned": "generated", "consumed_at": now,
            "operation_record_id": None, "bom_line_id": None}
