"""Canonical JSON of signed content: equal facts hash equal, any change hashes differently."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mes.compliance.canonical import canonical_json, content_hash


def test_keys_are_sorted_and_there_is_no_whitespace():
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "x"}}) == '{"a":{"c":"x","d":[1,2]},"b":1}'


def test_decimals_and_floats_of_the_same_value_hash_alike():
    assert content_hash({"v": Decimal("1.50")}) == content_hash({"v": 1.5}) == content_hash({"v": Decimal("1.5E0")})
    assert canonical_json({"v": Decimal("100")}) == '{"v":"100"}'
    assert canonical_json({"v": Decimal("-0.000")}) == '{"v":"0"}'


def test_a_datetime_is_written_in_utc_whatever_its_zone():
    msk = timezone(timedelta(hours=3))
    local = datetime(2026, 11, 26, 10, 15, 3, tzinfo=msk)
    assert canonical_json({"t": local}) == '{"t":"2026-11-26T07:15:03.000000Z"}'
    assert content_hash({"t": local}) == content_hash({"t": local.astimezone(UTC)})


def test_dates_enums_tuples_and_text_in_cyrillic_are_plain_json():
    text = canonical_json({"d": date(2026, 1, 2), "l": (1, 2), "s": "Годен"})
    assert text == '{"d":"2026-01-02","l":[1,2],"s":"Годен"}'


def test_any_changed_value_changes_the_hash():
    assert content_hash({"qty": 10}) != content_hash({"qty": 11})
    assert content_hash({"qty": 10}) != content_hash({"qty": "10"})


def test_naive_datetimes_and_nan_are_refused():
    with pytest.raises(ValueError):
        content_hash({"t": datetime(2026, 1, 1)})  # naive on purpose
    with pytest.raises(ValueError):
        content_hash({"v": float("nan")})
    with pytest.raises(TypeError):
        content_hash({"v": object()})
