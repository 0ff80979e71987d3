"""`mes edge download` as a process engineer runs it, against a simulated machine."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.integration.edge.conftest import wait_for

CODE = "SCR01-SPINDLE"


async def mes(database_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mes", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "MES_DATABASE_URL": database_url, "MES_LOG_LEVEL": "WARNING"})
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


def url_of(demo_line) -> str:
    return demo_line.factory.kw["bind"].url.render_as_string(hide_password=False)


@pytest.mark.slow
async def test_the_download_command_writes_verifies_and_enables_the_cycle(demo_line):
    async with demo_line.fleet(CODE, require_download=True) as fleet:
        machine = fleet.machines[CODE].machine
        code, out, err = await mes(url_of(demo_line), "edge", "download", "--equipment", CODE,
                                   "--set", "target_torque=2.25", "--set", "param_program=4")
        assert code == 0, err
        assert "verified" in out and "cycle enabled" in out
        await wait_for(lambda: machine.inputs["cycle_enable"] == 1)
        assert machine.params["target_torque"] == pytest.approx(2.25) and machine.params["program"] == 4


async def test_the_download_command_names_an_unknown_parameter_and_writes_nothing(demo_line):
    code, _out, err = await mes(url_of(demo_line), "edge", "download", "--equipment", CODE, "--set", "speed=3")
    assert code != 0 and "no such parameter tags: param_speed" in err
