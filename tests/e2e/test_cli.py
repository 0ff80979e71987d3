"""The `mes` command as a user runs it: every subcommand helps, checks, migrates and seeds."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mes import cli
from mes.settings import DEFAULT_SITE_FILE


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the `mes` tree, groups included."""
    paths = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


SUBCOMMANDS = command_paths(cli.main)


def mes(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mes", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_the_tree_has_every_documented_command():
    assert {("db", "upgrade"), ("seed",), ("config", "check"), ("web",), ("edge",), ("simulate",),
            ("demo",)} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=lambda a: " ".join(a) or "mes")
def test_every_subcommand_has_help(args):
    result = CliRunner().invoke(cli.main, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3  # a description, not just the usage line


def test_the_installed_console_script_answers_help():
    script = Path(sys.executable).parent / "mes"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Technopolis MES" in result.stdout


def test_config_check_accepts_the_demo_site():
    result = mes("config", "check", str(DEFAULT_SITE_FILE))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "5 station(s)" in result.stdout


def test_config_check_names_file_line_and_field_of_an_error(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_SITE_FILE.read_text().replace("word_order: little", "word_order: sideways"))
    result = mes("config", "check", str(broken))
    assert result.returncode != 0
    assert f"{broken}:" in result.stderr
    assert "equipment[1].word_order" in result.stderr


def test_upgrade_and_seed_from_the_command_line_are_repeatable(tmp_path):
    env = {"MES_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "MES_LOG_LEVEL": "WARNING"}
    assert mes("db", "upgrade", env=env).returncode == 0
    assert mes("db", "current", env=env).stdout.strip() != ""
    first = mes("seed", env=env)
    assert first.returncode == 0, first.stderr
    assert "'station': 5" in first.stdout
    second = mes("seed", env=env)
    assert "created nothing; updated nothing" in second.stdout


def test_the_edge_refuses_a_line_that_is_not_in_the_database(tmp_path):
    env = {"MES_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    mes("db", "upgrade", env=env)
    result = mes("edge", "--line", "L9", env=env)
    assert result.returncode != 0
    assert "no line 'L9'" in result.stderr
