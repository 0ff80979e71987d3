"""`mes audit verify` and `mes audit show`, run as an operator of the site would."""

import pytest
from click.testing import CliRunner

from mes.cli import main
from tests.integration.compliance.conftest import append_events, as_attacker


@pytest.fixture
def mes(database_url):
    """Run `mes …` against the test database; returns the click result."""
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env={"MES_DATABASE_URL": database_url})


def test_verify_says_how_many_events_and_that_the_chain_is_intact(five_events, mes):
    result = mes("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("5 events, chain intact")


def test_verify_exits_1_naming_the_first_broken_link(five_events, engine, mes):
    as_attacker(engine, "UPDATE audit_event SET user_name = 'someone else' WHERE id = 4")
    result = mes("audit", "verify", "--batch-size", "2")
    assert result.exit_code == 1
    assert "chain BROKEN at event 4 (altered)" in result.output


def test_show_prints_a_records_history_oldest_first(sessions, mes):
    append_events(sessions, 2, entity_id="WO-9")
    append_events(sessions, 1, entity_id="WO-1")
    result = mes("audit", "show", "--entity", "work_order", "--id", "WO-9")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("#1 ") and lines[1].startswith("#2 ")
    assert "Ирина Петрова (#3) @ QA-PC-01: UPDATE qty 0 → 1 — reason: count corrected" in lines[0]


def test_show_says_so_when_a_record_has_no_history(engine, mes):
    result = mes("audit", "show", "--entity", "work_order", "--id", "nope")
    assert result.exit_code == 1
    assert "no audit entries for work_order nope" in result.output
