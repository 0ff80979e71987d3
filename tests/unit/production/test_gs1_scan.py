"""GS1 element strings: raw scans with FNC1/GS, symbology prefixes, HRI, dates and malformed input."""

from datetime import date

import pytest

from mes.domain.gs1_scan import (
    GS,
    BadCharacters,
    BadCheckDigit,
    BadDate,
    DuplicateAI,
    FieldTooLong,
    MalformedScan,
    TruncatedField,
    UnknownAI,
    parse_element_string,
    parse_yymmdd,
    to_element_string,
    to_hri,
)

TODAY = date(2026, 11, 26)


def test_the_reference_hri_and_its_encoded_form_parse_to_the_same_fields():
    hri = parse_element_string("(01)09506000134352(17)261231(10)A1B2(21)SN0001", TODAY)
    raw = parse_element_string(f"]d20109506000134352172612311 0A1B2{GS}21SN0001".replace(" ", ""), TODAY)
    assert hri == raw
    assert (raw.gtin, raw.lot, raw.serial, raw.expiry) == ("09506000134352", "A1B2", "SN0001", date(2026, 12, 31))


def test_a_variable_field_in_the_middle_ends_at_the_group_separator():
    es = parse_element_string(f"]d20104607123000014{GS}10LOT-7{GS}21ABC{GS}24000042", TODAY)
    assert es.lot == "LOT-7"
    assert es.serial == "ABC"
    assert es.additional_id == "00042"


def test_a_fixed_field_after_a_variable_one_needs_its_separator_and_is_read_whole():
    es = parse_element_string(f"0104607123000014" f"10L1{GS}17270300" f"3025", TODAY)
    assert es.lot == "L1"
    assert es.expiry == date(2027, 3, 31)
    assert es.count == 25


def test_the_leading_fnc1_may_arrive_as_a_group_separator_instead_of_a_prefix():
    assert parse_element_string(f"{GS}0104607123000014", TODAY).gtin == "04607123000014"


@pytest.mark.parametrize("prefix", ["]d2", "]C1", "]Q3"])
def test_every_gs1_symbology_prefix_is_stripped(prefix):
    assert parse_element_string(prefix + "0104607123000014", TODAY).gtin == "04607123000014"


def test_day_zero_means_the_last_day_of_the_month_leap_years_included():
    assert parse_yymmdd("280200", TODAY) == date(2028, 2, 29)
    assert parse_yymmdd("270200", TODAY) == date(2027, 2, 28)


def test_the_century_is_chosen_within_forty_nine_years_back_and_fifty_ahead():
    assert parse_yymmdd("760101", TODAY) == date(2076, 1, 1)
    assert parse_yymmdd("770101", TODAY) == date(1977, 1, 1)
    assert parse_yymmdd("990101", date(2001, 1, 1)) == date(1999, 1, 1)


@pytest.mark.parametrize("value", ["261301", "260231", "26013", "2601AA"])
def test_impossible_dates_are_refused(value):
    with pytest.raises(BadDate):
        parse_yymmdd(value, TODAY)


@pytest.mark.parametrize(
    ("scan", "error"),
    [
        ("", MalformedScan),
        ("]d2", MalformedScan),
        ("]d2010460712300001", TruncatedField),
        ("]d20104607123000015", BadCheckDigit),
        ("]d2990123", UnknownAI),
        ("]d20104607123000014" "10" + "X" * 21, FieldTooLong),
        ("]d20104607123000014" "10LOT 1", BadCharacters),
        ("]d20104607123000014" "17261340", BadDate),
        ("]d20104607123000014" "30ABC", BadCharacters),
        ("(01)04607123000014(10)", TruncatedField),
        ("(01)04607123000014junk(99)x", UnknownAI),
        (f"]d20104607123000014" f"10A{GS}10B", DuplicateAI),
        ("(01)0460712300001", TruncatedField),
    ],
)
def test_malformed_scans_raise_a_typed_error_with_a_stable_code(scan, error):
    with pytest.raises(error) as raised:
        parse_element_string(scan, TODAY)
    assert raised.value.code.startswith("gs1_")
    assert raised.value.message("ru") and raised.value.message("en")


def test_encoding_puts_fixed_fields_first_and_separates_only_non_last_variable_fields():
    fields = {"10": "A1B2", "01": "09506000134352", "21": "SN0001", "17": "261231"}
    assert to_element_string(fields) == f"0109506000134352172612311" f"0A1B2{GS}21SN0001"
    assert to_hri({"01": "09506000134352", "21": "SN1"}) == "(01)09506000134352(21)SN1"


def test_an_encoded_string_parses_back_to_its_fields():
    fields = {"01": "04630045100012", "17": "280100", "10": "NC2600001", "21": "NC00000001"}
    assert parse_element_string(to_element_string(fields), TODAY).fields == fields
