"""The equipment connection test and the recipe download, against real simulated PLCs on loopback ports."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.models import AuditEvent, User
from mes.production.masterdata_equipment import device_of, probe
from mes.production.masterdata_errors import InvalidMasterData, NotApproved
from mes.security.passwords import hash_password
from recipes.download import download_recipe
from recipes.versions import ParameterInput, approve_version, create_recipe, draft_version
from tests.integration.edge.conftest import DemoLine, seeded_line, wait_for
from tests.support.ports import free_port

SCR, EST = "SCR01-SPINDLE", "EST01-HIPOT"


@pytest.fixture
def demo_line(tmp_path, sessions) -> DemoLine:  # type: ignore[no-untyped-def]
    """The demo line seeded with every endpoint on a free loopback port."""
    return seeded_line(tmp_path, sessions)


@pytest.fixture(autouse=True)
async def default_executor_joined() -> AsyncIterator[None]:
    """Join the loop's default executor (asyncua resolves addresses in it) before the leak check."""
    yield
    await asyncio.get_running_loop().shutdown_default_executor()


def person(sessions, username: str, role: str) -> AuditActor:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        user = User(username=username, display_name=username.title(), role=role, password_hash=hash_password("pw"))
        s.add(user)
        s.flush()
        return AuditActor(user.id, user.display_name, "pytest")


async def test_the_connection_test_reads_the_state_of_a_modbus_and_an_opc_ua_machine(demo_line):
    async with demo_line.fleet(SCR, EST):
        for code in (SCR, EST):
            with demo_line.factory() as s:
                report = await probe(device_of(s, code), timeout_s=5)
            assert report.ok, report
            assert report.tag == "state" and isinstance(report.value, int) and report.quality == "good"


async def test_a_machine_that_does_not_answer_is_reported_within_the_timeout(demo_line):
    with demo_line.factory() as s:
        device = device_of(s, SCR)
    silent = dataclasses.replace(device, endpoint=f"127.0.0.1:{free_port()}")  # nothing listens there
    report = await probe(silent, timeout_s=1)
    assert not report.ok and report.error and report.elapsed_ms < 3000 and report.consecutive_failures >= 1


async def test_a_named_tag_that_does_not_exist_is_refused(demo_line):
    with demo_line.factory() as s:
        device = device_of(s, SCR)
    with pytest.raises(InvalidMasterData):
        await probe(device, tag="no_such_tag")


@pytest.mark.slow
async def test_only_the_approved_version_is_downloaded_and_the_download_is_audited(demo_line):
    author, approver = person(demo_line.factory, "pe", "process_engineer"), person(demo_line.factory, "qe",
                                                                                  "quality_engineer")
    with unit_of_work(demo_line.factory) as s:
        create_recipe(s, author, "RCP-SCR", "Screwing", "screwdriving")
        draft_version(s, author, "RCP-SCR", [ParameterInput("target_torque", "2.25", "N·m", 1.5, 2.5),
                                             ParameterInput("program", "4")])
    with pytest.raises(NotApproved):  # a draft never reaches a machine
        await download_recipe(demo_line.factory, author, SCR, "RCP-SCR")
    with unit_of_work(demo_line.factory) as s:
        approve_version(s, approver, "RCP-SCR", 1, "pw")
    with pytest.raises(InvalidMasterData):  # a screwing recipe is not for the hipot tester
        await download_recipe(demo_line.factory, author, EST, "RCP-SCR")
    async with demo_line.fleet(SCR, require_download=True) as fleet:
        machine = fleet.machines[SCR].machine
        result = await download_recipe(demo_line.factory, author, SCR, "RCP-SCR")
        await wait_for(lambda: machine.inputs["cycle_enable"] == 1)
        assert machine.params["target_torque"] == pytest.approx(2.25) and machine.params["program"] == 4
    assert result.version == 1
    with demo_line.factory() as s:
        entry = s.scalars(select(AuditEvent).where(AuditEvent.action == "DOWNLOAD")).one()
        assert entry.entity_id == "RCP-SCR/v1" and SCR in entry.new_value
