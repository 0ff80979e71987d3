"""The hash chain's pure rules: canonical bytes, hashing, linking and value encoding."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mes.compliance.chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    SORTED_FIELDS,
    canonical_bytes,
    chain,
    compute_row_hash,
    decode_value,
    encode_value,
    format_ts,
    hash_values,
)

TS = datetime(2026, 11, 26, 6, 40, 1, 123456, tzinfo=UTC)


def entry(**overrides):
    values = {
        "id": 1, "ts_utc": TS, "user_id": 7, "user_name": "Ирина Петрова", "action": "UPDATE",
        "entity": "work_order", "entity_id": "WO-1", "field": "qty", "old_value": "10", "new_value": "12",
        "reason": "count corrected", "workstation": "10.0.0.5", "app_version": "0.1.0", "prev_hash": GENESIS_HASH,
    }
    return values | overrides


def test_the_canonical_form_is_sorted_compact_utf8_json_of_the_hashed_fields():
    data = canonical_bytes(entry())
    decoded = json.loads(data.decode("utf-8"))
    assert list(decoded) == sorted(HASHED_FIELDS)
    assert data == json.dumps(decoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "Ирина Петрова".encode() in data  # UTF-8, not \u escapes
    assert decoded["ts_utc"] == "2026-11-26T06:40:01.123456Z"


def test_the_row_hash_is_the_sha256_of_the_canonical_bytes():
    assert compute_row_hash(entry()) == hashlib.sha256(canonical_bytes(entry())).hexdigest()


def test_the_row_hash_ignores_fields_outside_the_hashed_set():
    assert compute_row_hash(entry(row_hash="anything")) == compute_row_hash(entry())


@pytest.mark.parametrize("field", [f for f in HASHED_FIELDS if f != "ts_utc"])
def test_changing_any_hashed_field_changes_the_row_hash(field):
    changed = entry(**{field: 99 if field in ("id", "user_id") else "changed"})
    assert compute_row_hash(changed) != compute_row_hash(entry())


def test_null_and_the_text_null_hash_differently():
    assert compute_row_hash(entry(field=None)) != compute_row_hash(entry(field="null"))


def test_the_same_instant_in_another_zone_hashes_the_same():
    moscow = TS.astimezone(timezone(timedelta(hours=3)))
    assert compute_row_hash(entry(ts_utc=moscow)) == compute_row_hash(entry())


def test_a_naive_timestamp_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_ts(datetime(2026, 1, 1))


def test_chaining_numbers_entries_and_links_each_to_the_previous_hash():
    entries = [entry() for _ in range(3)]
    linked = list(chain(entries, last_id=41, last_hash="a" * 64))
    assert [e["id"] for e in linked] == [42, 43, 44]
    assert linked[0]["prev_hash"] == "a" * 64
    assert linked[1]["prev_hash"] == linked[0]["row_hash"]
    assert linked[2]["prev_hash"] == linked[1]["row_hash"]
    assert all(e["row_hash"] == compute_row_hash(e) for e in linked)


def test_values_are_stored_as_json_and_none_as_no_value():
    assert encode_value(None) is None
    assert encode_value("x") == '"x"'
    assert encode_value({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'
    assert decode_value(encode_value({"qty": 3})) == {"qty": 3}


def test_dates_decimals_and_aware_timestamps_are_encoded_readably():
    assert encode_value(date(2026, 12, 31)) == '"2026-12-31"'
    assert encode_value(Decimal("1.50")) == '"1.50"'
    assert encode_value(TS) == '"2026-11-26T06:40:01.123456Z"'


def test_a_value_the_trail_cannot_represent_is_refused():
    with pytest.raises(TypeError, match="cannot record"):
        encode_value(object())


AWKWARD_TEXT = ['quote " and \\ backslash', "tab\tnew\nline\x01\x1f", "ünïcødé ✓ 中文", "\u2028\u2029", ""]


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_the_fast_canonical_form_is_exactly_sorted_compact_json(text):
    values = entry(user_name=text, reason=text, field=None, user_id=None)
    expected = dict(values, ts_utc="2026-11-26T06:40:01.123456Z")
    assert canonical_bytes(values) == json.dumps(expected, sort_keys=True, separators=(",", ":"),
                                                 ensure_ascii=False).encode()


def test_a_value_that_is_neither_text_integer_nor_null_cannot_be_hashed():
    with pytest.raises(TypeError, match="text, integers or null"):
        canonical_bytes(entry(user_id=True))


@pytest.mark.parametrize("text", AWKWARD_TEXT)
@pytest.mark.parametrize("nulls", [True, False])
def test_the_unrolled_hash_used_by_verification_equals_the_reference_one(text, nulls):
    values = entry(user_name=text, entity_id=text, new_value=None if nulls else text, old_value=None if nulls else "1",
                   field=None if nulls else "f", reason=None if nulls else text, user_id=None if nulls else 42)
    stored = [format_ts(values[name]) if name == "ts_utc" else values[name] for name in SORTED_FIELDS]
    assert hash_values(stored) == compute_row_hash(values)
