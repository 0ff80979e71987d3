"""The database goes away during production: results are spooled, acked, and replayed in order."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url

from mes.db import session_factory
from mes.edge.database import edge_engine
from mes.edge.result_store import Recorded
from mes.edge.spool import Spool
from mes.edge.workers import in_thread
from mes.migrate import upgrade
from tests.integration.edge.conftest import plc_books, running_edge, seeded_line, wait_for
from tests.integration.edge.test_crash_windows import a_block
from tests.support import private_postgres
from tests.support.database import on_postgres

CODE = "SCR01-SPINDLE"


@pytest.mark.skipif(on_postgres(), reason="locks the SQLite file; PostgreSQL has its own outage test")
async def test_results_made_while_the_sqlite_database_is_locked_are_spooled_acked_and_replayed_in_order(
        demo_line, edge_settings):
    engine = edge_engine(str(demo_line.factory.kw["bind"].url), timeout_s=0.2)
    factory = session_factory(engine)
    path = make_url(str(engine.url)).database
    try:
        async with demo_line.fleet(CODE) as fleet:
            first = fleet.machines[CODE].machine.results.last_seq
            async with running_edge(factory, edge_settings) as edge:
                await wait_for(lambda: len(demo_line.recorded(CODE)) >= 2)
                blocker = sqlite3.connect(path, isolation_level=None)
                blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: ours time out
                try:
                    made = fleet.machines[CODE].machine.results.last_seq
                    # More results than the PLC could hold unacked (queue 4): they must be acked.
                    await wait_for(lambda: fleet.machines[CODE].machine.results.last_seq >= made + 8, timeout=15)
                    assert edge.sink.counts[Recorded.SPOOLED] >= 6 and not edge.sink.database_up
                finally:
                    blocker.rollback()
                    blocker.close()
                await wait_for(lambda: edge.sink.spool.count() == 0 and edge.sink.database_up)
            issued, held = await plc_books(fleet, CODE, first)
        results = demo_line.recorded(CODE)
        assert [r.sequence for r in results] + held == issued
        assert any(r.spooled for r in results) and not results[0].spooled
    finally:
        engine.dispose()


async def test_the_spool_left_by_a_crashed_edge_is_replayed_when_the_edge_starts_again(demo_line, edge_settings):
    equipment_id = demo_line.equipment_id(CODE)
    spool = Spool(edge_settings.spool_dir / "results-L1.sqlite3")
    for seq in (41, 42, 43):
        spool.put(a_block(equipment_id, seq))
    spool.close()
    async with running_edge(demo_line.factory, edge_settings) as edge:
        await wait_for(lambda: edge.sink.spool.count() == 0)
    assert [(r.sequence, r.spooled) for r in demo_line.recorded(CODE)] == [(41, True), (42, True), (43, True)]



@pytest.mark.slow
@pytest.mark.skipif(not private_postgres.available(), reason="needs PostgreSQL 15 server binaries and root")
async def test_a_postgresql_outage_during_production_loses_nothing_and_replays_in_order(demo_site, edge_settings,
                                                                                      tmp_path):
    with private_postgres.private_cluster() as cluster, ThreadPoolExecutor(1) as pool:
        engine = edge_engine(cluster.url, timeout_s=1.0)
        try:
            upgrade(engine)
            line = seeded_line(tmp_path, session_factory(engine))
            async with line.fleet(CODE) as fleet:
                first = fleet.machines[CODE].machine.results.last_seq
                async with running_edge(line.factory, edge_settings) as edge:
                    await wait_for(lambda: len(line.recorded(CODE)) >= 2)
                    await in_thread(pool, cluster.stop)
                    made = fleet.machines[CODE].machine.results.last_seq
                    await wait_for(lambda: fleet.machines[CODE].machine.results.last_seq >= made + 8, timeout=15)
                    assert edge.sink.counts[Recorded.SPOOLED] >= 6 and not edge.sink.database_up
                    await in_thread(pool, cluster.start)
                    await wait_for(lambda: edge.sink.spool.count() == 0 and edge.sink.database_up, timeout=15)
                issued, held = await plc_books(fleet, CODE, first)
            results = line.recorded(CODE)
            assert [r.sequence for r in results] + held == issued
            assert any(r.spooled for r in results)
        finally:
            engine.dispose()
