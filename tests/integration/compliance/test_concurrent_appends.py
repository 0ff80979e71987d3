"""Writers in parallel still build one unbroken chain: appends are serialised by the database."""

import threading

from sqlalchemy import select

from mes.compliance import AuditActor, record_audit, verify_chain
from mes.db import unit_of_work
from mes.models import AuditEvent

THREADS, EVENTS_PER_THREAD = 4, 50


def write_events(sessions, worker: int, errors: list[BaseException]) -> None:
    actor = AuditActor(worker, f"worker {worker}", f"PC-{worker}")
    try:
        for n in range(EVENTS_PER_THREAD):
            with unit_of_work(sessions) as session:
                record_audit(session, actor=actor, action="UPDATE", entity="unit", entity_id=f"{worker}-{n}")
    except BaseException as exc:  # reported by the test thread, which can fail the test
        errors.append(exc)


def test_four_threads_appending_fifty_entries_each_keep_one_unbroken_chain(sessions, engine):
    errors: list[BaseException] = []
    threads = [threading.Thread(target=write_events, args=(sessions, w, errors), name=f"audit-writer-{w}")
               for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    report = verify_chain(engine, batch_size=64)
    assert report.intact, report.summary()
    assert report.events == THREADS * EVENTS_PER_THREAD
    with sessions() as session:
        workstations = set(session.scalars(select(AuditEvent.workstation)))
    assert workstations == {f"PC-{w}" for w in range(THREADS)}
