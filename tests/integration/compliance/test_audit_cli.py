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


def test_verify_checks_the_head_written_down_at_an_earlier_review(five_events, engine, mes):
    head = mes("audit", "verify").output.split("head: ")[1].rstrip(")\n")
    as_attacker(engine, "DELETE FROM audit_event WHERE id = 5")
    assert mes("audit", "verify").exit_code == 0
    result = mes("audit", "verify", "--anchor", head)
    assert result.exit_code == 1
    assert "chain BROKEN at event 5 (truncated)" in result.output


def test_a_malformed_anchor_is_refused(engine, mes):
    result = mes("audit", "verify", "--anchor", "five:abc")
    assert result.exit_code == 2
    assert "EVENT_ID:ROW_HASH" in result.output
