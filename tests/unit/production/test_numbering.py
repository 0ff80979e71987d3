"""Serial and lot numbers printed from a brand's scheme."""

from datetime import date

import pytest

from mes.domain.numbering import BadScheme, SerialExhausted, format_number, format_numbers, scheme_capacity

ON = date(2026, 3, 5)


def test_the_demo_brand_schemes_print_year_month_and_a_padded_sequence():
    assert format_number("MT{yy}{seq:07d}", 42, ON) == "MT260000042"
    assert format_number("MT-{yyyy}{mm}-{seq:04d}", 7, ON) == "MT-202603-0007"
    assert format_number("NC{seq:08d}", 1, ON) == "NC00000001"


def test_consecutive_numbers_follow_the_sequence():
    assert format_numbers("S{seq:02d}", 8, 3, ON) == ["S08", "S09", "S10"]


def test_a_sequence_beyond_the_fixed_width_is_exhausted_rather_than_widened():
    assert scheme_capacity("S{seq:02d}") == 99
    with pytest.raises(SerialExhausted):
        format_numbers("S{seq:02d}", 98, 3, ON)
    with pytest.raises(SerialExhausted):
        format_number("S{seq:02d}", 0, ON)


@pytest.mark.parametrize("scheme", ["MT{yy}", "MT{seq}", "MT{seq:x}", "MT{lot}{seq:03d}", "MT{seq:03d"])
def test_a_scheme_without_a_fixed_width_sequence_or_with_unknown_fields_is_refused(scheme):
    with pytest.raises(BadScheme):
        scheme_capacity(scheme)
