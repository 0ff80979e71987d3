"""GTIN check digits (GS1 General Specifications; DOMAIN.md §3)."""

import pytest

from mes.domain.gs1 import gtin_check_digit, gtin_check_digit_ok


def test_the_check_digit_of_the_reference_body_is_3():
    assert gtin_check_digit("629104150021") == 3


@pytest.mark.parametrize("gtin", ["09506000134352", "04607123000014", "6291041500213", "96385074"])
def test_valid_gtins_are_accepted(gtin):
    assert gtin_check_digit_ok(gtin)


@pytest.mark.parametrize("gtin", ["09506000134353", "04607123000015", "123456789", "abcdefghijklmn", ""])
def test_wrong_or_malformed_gtins_are_refused(gtin):
    assert not gtin_check_digit_ok(gtin)
