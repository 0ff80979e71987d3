"""A broken site file is refused with the file, the line and the field named."""

from pathlib import Path

import pytest

from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import SiteConfigError, load_site_config, parse_site_config

DEMO_TEXT = DEFAULT_SITE_FILE.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def problems_for(text: str) -> list:
    with pytest.raises(SiteConfigError) as caught:
        parse_site_config(text, Path("site.yaml"))
    return caught.value.problems


def test_the_demo_site_file_is_valid_and_describes_a_line_of_five_stations():
    site = load_site_config(DEFAULT_SITE_FILE)
    assert site.site.name == "Technopolis"
    assert len(site.lines()[0].stations) >= 5
    assert len(site.brands) >= 2
    assert {e.protocol.value for e in site.equipment} == {"modbus_tcp", "opc_ua"}


def test_a_wrong_gtin_check_digit_names_the_line_and_the_field():
    text = DEMO_TEXT.replace('"04630045100012"', '"04630045100013"')
    [problem] = problems_for(text)
    assert problem.line == line_of(text, "04630045100013")
    assert problem.field == "brands[1].products[0].gtin"
    assert "check digit" in problem.message
    assert str(problem).startswith(f"site.yaml:{problem.line}: brands[1].products[0].gtin:")


def test_a_misspelt_key_is_an_error_not_silently_ignored():
    text = DEMO_TEXT.replace("    calibration_due: 2027-03-31", "    calibraton_due: 2027-03-31")
    [problem] = problems_for(text)
    assert problem.field == "equipment[1].calibraton_due"
    assert problem.line == line_of(text, "calibraton_due")


def test_a_missing_required_field_points_at_its_parent():
    text = DEMO_TEXT.replace("    lot_scheme: \"MT-{yyyy}{mm}-{seq:04d}\"\n", "")
    [problem] = problems_for(text)
    assert problem.field == "brands[0].lot_scheme"
    assert "required" in problem.message.lower()
    assert problem.line == line_of(text, "- code: MEDTEK")


def test_a_station_naming_unknown_equipment_is_refused():
    text = DEMO_TEXT.replace("equipment: LEAK01-TESTER}", "equipment: LEAK99}")
    [problem] = problems_for(text)
    assert "LEAK99" in problem.message


def test_a_modbus_tag_without_an_address_is_refused():
    text = DEMO_TEXT.replace("table: holding_register, address: 6}", "table: holding_register}")
    problems = problems_for(text)
    assert any("alarm_code" in p.message and "address" in p.message for p in problems)


def test_broken_yaml_names_the_line_of_the_syntax_error():
    text = DEMO_TEXT.replace("  name: Technopolis\n", "  name: [Technopolis\n")
    [problem] = problems_for(text)
    assert "not valid YAML" in problem.message
    assert problem.line is not None and problem.line >= line_of(text, "name: [Technopolis")


def test_a_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(caught.value)
    assert "cannot read" in str(caught.value)
