"""Production master data for the demo site: plans, rework targets, a board subassembly, a BOM and lots.

The demo site file (config/demo-site.yaml) defines routings without data collection plans; this adds
what the production services need to run the PM-100 patient monitor end to end. Idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import Bom, Brand, MaterialLot, Product, Routing, RoutingOperation
from mes.production.common import audit, today
from mes.production.masterdata import (
    BomLineInput,
    SpecInput,
    approve_routing,
    create_bom,
    operation_of,
    set_measurement_plan,
    set_rework_target,
)
from mes.production.materials import LotReceipt, receive_lot, release_lot

PM100 = "04607123000014"
BOARD = "04607123000021"  # PM-100 main board, a subassembly made and tested on the line
BATTERY = "04607123990018"  # purchased, GS1-labelled and serialized

PM100_PLANS = {
    10: [SpecInput("torque", "N·m", 1.8, 2.2, "result_torque"), SpecInput("angle", "°", 20, 720, "result_angle")],
    20: [SpecInput("pe_resistance", "Ω", 0, 0.1, "result_pe_resistance"),
         SpecInput("touch_current", "µA", 0, 100, "result_touch_current")],
    30: [SpecInput("supply_current", "mA", 100, 400, "result_supply_current"),
         SpecInput("rail_3v3", "V", 3.2, 3.4, "result_rail_3v3")],
    40: [SpecInput("grade", "", 3, 4, "result_grade")],
}
BOARD_PLAN = [SpecInput("supply_current", "mA", 50, 200, "result_supply_current")]


def install_demo_production(session: Session, actor: AuditActor) -> None:
    """Make the seeded demo site ready for production of the PM-100 (run after `mes seed`)."""
    if session.scalars(select(Product.id).where(Product.gtin == BOARD)).first() is not None:
        return
    for seq, specs in PM100_PLANS.items():
        set_measurement_plan(session, actor, operation_of(session, "R-PM100", 1, seq), specs)
    set_rework_target(session, actor, operation_of(session, "R-PM100", 1, 30), 10)
    _board_product(session, actor)
    set_measurement_plan(session, actor, operation_of(session, "R-PCB100", 1, 10), BOARD_PLAN)
    for code in ("R-PM100", "R-PCB100"):
        approve_routing(session, actor, code, 1, reason="demo data")
    create_bom(session, actor, PM100, [
        BomLineInput(BOARD, Decimal(1), "serial", 10, description="Main board"),
        BomLineInput("BAT-2S", Decimal(1), "serial", 10, description="Li-ion battery pack"),
        BomLineInput("SCR-M3X8", Decimal(4), "lot", 10, ("SCR-M3X8-ALT",), "Screw M3×8"),
    ], approve=True)
    create_bom(session, actor, BOARD, [BomLineInput("MCU-32", Decimal(1), "lot", 10, description="MCU")],
               approve=True)
    for receipt in demo_lots():
        release_lot(session, actor, receive_lot(session, actor, receipt).id, reason="demo data")


def _board_product(session: Session, actor: AuditActor) -> None:
    routing = Routing(code="R-PCB100", version=1)
    routing.operations.append(RoutingOperation(seq=10, name="Board functional test", station_type="functional_test"))
    brand = session.scalars(select(Brand).where(Brand.code == "MEDTEK")).one()
    session.add_all([routing, Product(brand=brand, gtin=BOARD, model="PM-100 main board", revision="A",
                                      routing=routing)])
    session.flush()
    audit(session, actor, "CREATE", "product", BOARD, new="PM-100 main board, routing R-PCB100 v1")


def demo_lots() -> list[LotReceipt]:
    """Received lots of the demo's purchased parts."""
    expiry = today() + timedelta(days=730)
    return [
        LotReceipt("BAT-2S", "B2611", "Ampere Cells Ltd", "CN", Decimal(200), expiry, BATTERY),
        LotReceipt("SCR-M3X8", "S-77", "Krepezh OOO", "RU", Decimal(10000)),
        LotReceipt("MCU-32", "M-2611", "Micron Components", "RU", Decimal(500)),
    ]


def demo_bom(session: Session) -> Bom:
    """The approved BOM of the PM-100."""
    product = session.scalars(select(Product).where(Product.gtin == PM100)).one()
    return session.scalars(select(Bom).where(Bom.product_id == product.id)).one()


def demo_lot(session: Session, part_number: str) -> MaterialLot:
    """The demo lot of a part."""
    return session.scalars(select(MaterialLot).where(MaterialLot.part_number == part_number)).one()
