"""Data for bench/production.py: master data for a 10-measurement operation, and bulk-generated genealogy."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from mes.compliance.audit import AuditActor
from mes.db import session_factory, unit_of_work
from mes.models import (
    Base,
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


PARTS_PER_UNIT = 9  # lot-controlled parts on each unit besides the chip (boards) or the board (devices)
UNITS_PER_CHIP_LOT = 1_000  # boards per chip lot: a forward trace of one lot reaches ~1,000 devices
UNITS_PER_PART_LOT = 50_000
CHUNK = 100_000


def generate_genealogy(engine: Engine, units: int, seed: int = 7) -> dict[str, list[str]]:
    """`units` units, half devices and half boards (one board in each device), 10 consumptions each.

    A board consumes one chip lot and nine other lot parts; a device, its board and nine lot parts:
    `units` x 10 consumption rows. Bulk loaded (PostgreSQL COPY, SQLite executemany on the driver,
    foreign-key checks off for the load): this is data to trace, not a measure of the services.
    """
    rnd = random.Random(seed)
    now = utcnow()
    devices = max(1, units // 2)
    with engine.begin() as conn, Session(conn) as s:
        product_id = s.scalar(select(Product.id).where(Product.gtin == BENCH_GTIN))
        routing_id = s.scalar(select(Product.routing_id).where(Product.gtin == BENCH_GTIN))
        chip_lots = _lots(conn, "CHIP", max(1, devices // UNITS_PER_CHIP_LOT), now)
        part_lots = {n: _lots(conn, f"P{n}", max(1, devices // UNITS_PER_PART_LOT), now)
                     for n in range(PARTS_PER_UNIT)}
        wo_ids = [conn.execute(insert(WorkOrder).values(
            number=f"GEN-{kind}", product_id=product_id, routing_id=routing_id, quantity=devices,
            lot_number=f"GEN-LOT-{kind}", status="completed", created_at=now)).inserted_primary_key[0]
            for kind in ("BOARD", "DEVICE")]
        base = (s.scalar(select(func.max(Unit.id))) or 0) + 1
        base_consumption = (s.scalar(select(func.max(ComponentConsumption.id))) or 0) + 1
    device_id, board_id = base, base + devices  # devices first, so a board can name its parent
    chip_of = [rnd.randrange(len(chip_lots)) for _ in range(devices)]
    loader = _Loader(engine)
    loader.load("unit", ("id", "serial", "work_order_id", "status", "parent_unit_id", "created_at", "lock_version",
                         "on_hold"),
                [row for i in range(devices) for row in (
                    (device_id + i, f"GD{i:08d}", wo_ids[1], "completed", None, now, 0, False),
                    (board_id + i, f"GB{i:08d}", wo_ids[0], "consumed", device_id + i, now, 0, False))])

    def consumptions():  # type: ignore[no-untyped-def]
        next_id = base_consumption
        for i in range(devices):
            rows = [(board_id + i, "CHIP", chip_lots[chip_of[i]], None), (device_id + i, "BOARD", None, board_id + i)]
            for unit in (board_id + i, device_id + i):
                rows += [(unit, f"P{n}", lots[(i + n) % len(lots)], None) for n, lots in part_lots.items()]
            for unit, part, lot, component in rows:
                yield (next_id, unit, part, lot, component, 1, "generated", now)
                next_id += 1

    loader.load("component_consumption", ("id", "unit_id", "part_number", "material_lot_id", "component_unit_id",
                                           "quantity", "scanned", "consumed_at"), consumptions())
    loader.finish()
    return {"devices": [f"GD{i:08d}" for i in range(devices)], "chip_lots": [f"CHIP-{n:03d}" for n in
                                                                             range(len(chip_lots))]}


class _Loader:
    """Rows straight to the driver: COPY on PostgreSQL, executemany on SQLite, in chunks."""

    def __init__(self, engine: Engine) -> None:
        engine.dispose()  # no other connection: SQLite may leave WAL mode for the load
        self.raw = engine.raw_connection()
        self.dialect = engine.dialect
        self.postgres = engine.dialect.name == "postgresql"
        cursor = self.raw.cursor()
        if self.postgres:  # the scratch database's own data: skip the per-row foreign-key triggers
            cursor.execute("SET session_replication_role = replica")
        else:  # a scratch file: no journal while loading (a crash would only lose the benchmark's data)
            self.raw.commit()
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()

    def load(self, table: str, columns: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]
        """Load the rows with the table's plain indexes dropped, then build them (a sort, not 10M inserts)."""
        indexes = [index for index in Base.metadata.tables[table].indexes if not index.unique]
        cursor = self.raw.cursor()
        for index in indexes:
            cursor.execute(f"DROP INDEX {index.name}")
        self._rows(cursor, table, columns, rows)
        for index in indexes:
            cursor.execute(str(CreateIndex(index).compile(dialect=self.dialect)))
        cursor.close()
        self.raw.commit()

    def _rows(self, cursor, table: str, columns: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]
        if self.postgres:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            text = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch = []
            for row in rows:
                batch.append(tuple(_sqlite(v) for v in row))
                if len(batch) >= CHUNK:
                    cursor.executemany(text, batch)
                    batch.clear()
            cursor.executemany(text, batch)

    def finish(self) -> None:
        cursor = self.raw.cursor()
        if self.postgres:
            cursor.execute("SET session_replication_role = DEFAULT")
            self.raw.commit()
            # What autovacuum does on a site after bulk inserts: statistics for the planner, and the
            # visibility map that lets an index answer a lookup without reading the table's rows.
            self.raw.driver_connection.autocommit = True
            cursor.execute("VACUUM (ANALYZE) unit")
            cursor.execute("VACUUM (ANALYZE) component_consumption")
            # The load's gigabytes of dirty pages written out now, not by a checkpoint during the timings.
            cursor.execute("CHECKPOINT")
            self.raw.driver_connection.autocommit = False
        else:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("ANALYZE")
        cursor.close()
        self.raw.commit()
        self.raw.close()


def _sqlite(value):  # type: ignore[no-untyped-def]
    """As SQLAlchemy stores it on SQLite: UTC timestamps as naive ISO text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _lots(conn, part: str, count: int, now) -> list[int]:  # type: ignore[no-untyped-def]
    rows = [{"part_number": part, "lot_number": f"{part}-{n:03d}", "supplier": "Gen supplier",
             "country_of_origin": "RU", "quantity_received": Decimal(10**9), "quantity_on_hand": Decimal(10**9),
             "status": "released", "received_at": now} for n in range(count)]
    conn.execute(insert(MaterialLot), rows)
    return list(conn.scalars(select(MaterialLot.id).where(MaterialLot.part_number == part).order_by(MaterialLot.id)))
