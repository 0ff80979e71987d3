"""Quality-workspace data and pages for bench/web.py: a batch list of 50 and one batch under review.

The batch under review is bench/quality_records.py's generated batch (default 200 units here: 1 % failed
once and were reworked, so it carries out-of-spec, retest, NC and rework exceptions, all open). The
list around it holds 9 more completed batches awaiting review and 40 released (closed) ones, so the
list page counts open exceptions for 10 batches, as a QA desk with a backlog would see.
"""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from bench.production_data import prepare_site
from bench.quality_records import NUMBER, generate_batch
from mes.db import create_db_engine
from mes.models import WorkOrder, utcnow


def quality_pages(units: int) -> list[tuple[str, str]]:
    """(figure name, path) of the pages measured."""
    return [("batch list (50)", "/quality/"), (f"batch review ({units} units)", f"/quality/batches/{NUMBER}")]


def prepare_quality_data(database_url: str, units: int) -> None:
    """The bench product, one generated batch of `units` units, and 49 more batches in the list."""
    engine = create_db_engine(database_url)
    try:
        prepare_site(engine)  # seeding again changes nothing; it adds the bench product and its lots
        generate_batch(engine, units)
        now = utcnow()
        with engine.begin() as conn:
            product_id, routing_id = conn.execute(select(WorkOrder.product_id, WorkOrder.routing_id)
                                                  .where(WorkOrder.number == NUMBER)).one()
            conn.execute(insert(WorkOrder), [
                {"number": f"WO-BENCH-{i:03d}", "product_id": product_id, "routing_id": routing_id,
                 "quantity": 100, "lot_number": f"BENCH-{i:03d}", "status": "completed" if i < 9 else "closed",
                 "created_at": now, "completed_at": now} for i in range(49)])
    finally:
        engine.dispose()


def main() -> None:
    """Only the quality pages (and the line page as the same-run reference), on a fresh server."""
    import shutil
    import signal
    import tempfile
    import threading
    from pathlib import Path

    from bench import web

    parser = web._parser()
    parser.description = "Quality workspace pages only, with the line page as the same-run reference."
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run scripts/install-system-deps.sh (as root)")
    with tempfile.TemporaryDirectory() as tmp:
        database_url = web._prepare_database(Path(tmp))
        prepare_quality_data(database_url, args.batch_units)
        port = web._free_port()
        server = web._start_web(Path(tmp), database_url, port, args.clients, args.workers)
        stop = threading.Event()
        writer = threading.Thread(target=web._play_edge, args=(database_url, stop), name="bench-edge")
        try:
            web._wait_for_port(port, server)
            cookie, quality_cookie = web._session_cookie(port), web._session_cookie(port, "quality")
            writer.start()
            figures = (web._wrk(port, "/lines/L1", cookie, args.clients, args.seconds, "page")
                       + web._quality_scenarios(port, quality_cookie, args))
        finally:
            stop.set()
            if writer.is_alive():
                writer.join()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    for figure in figures:
        print(json.dumps(figure) if args.json else f"{figure['name']:<52} {figure['value']:>10} {figure['unit']:<6}"
              f" target {figure['target']}")


if __name__ == "__main__":  # .venv/bin/python -m bench.web_quality [--seconds 10 --json ...]
    main()
