"""Component scans: GS1 codes, internal labels and bare unit serials."""

from datetime import date
from decimal import Decimal

import pytest

from mes.domain.labels import MalformedLabel, format_internal_label, parse_internal_label, parse_scan

TODAY = date(2026, 11, 26)


def test_an_internal_label_round_trips_through_its_text():
    text = format_internal_label("PCB-100", lot="L-77", quantity=Decimal("2.5"), expiry=date(2027, 1, 31))
    assert text == "MES1|PN:PCB-100|LOT:L-77|QTY:2.5|EXP:2027-01-31"
    scan = parse_internal_label(text)
    assert (scan.source, scan.part_number, scan.lot, scan.quantity, scan.expiry) == (
        "internal", "PCB-100", "L-77", Decimal("2.5"), date(2027, 1, 31))


def test_a_gs1_scan_is_recognised_by_its_prefix_and_parsed():
    scan = parse_scan("]d20104607123000014" "10LOT1", TODAY)
    assert (scan.source, scan.gtin, scan.lot) == ("gs1", "04607123000014", "LOT1")


def test_a_gs1_scan_without_a_prefix_is_recognised_by_its_leading_gtin():
    assert parse_scan("0104607123000014" "21S1", TODAY).serial == "S1"


def test_anything_else_is_the_serial_of_a_unit_made_here():
    scan = parse_scan("MT260000001\r\n", TODAY)
    assert (scan.source, scan.serial) == ("serial", "MT260000001")


@pytest.mark.parametrize("text", ["", "MES1|", "MES1|LOT:1", "MES1|PN:", "MES1|PN:A|PN:B", "MES1|PN:A|QTY:-1",
                                  "MES1|PN:A|QTY:abc", "MES1|PN:A|EXP:2027-13-01", "MES1|PN:A|FOO:1"])
def test_malformed_internal_labels_are_refused(text):
    with pytest.raises(MalformedLabel) as raised:
        parse_scan(text, TODAY)
    assert raised.value.code == "label_malformed"


def test_a_value_containing_the_separator_cannot_be_printed():
    with pytest.raises(MalformedLabel):
        format_internal_label("A|B")
