"""Properties of the NDJSON line parser: it never raises, whatever the bytes; a JSON object with a
resourceType comes back as it was; anything else comes back as a BadLine saying what was expected."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from careloop.events.importing.fhir_reader import BadLine, parse_line

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
resource_types = st.sampled_from(["Appointment", "Encounter", "Task", "Patient"])


@given(st.binary(max_size=300), st.none() | resource_types)
def test_it_never_raises_on_any_bytes(raw: bytes, expected: str | None) -> None:
    result = parse_line(raw, expected)

    if isinstance(result, BadLine):
        assert "expected" in result.message
    else:
        assert isinstance(result["resourceType"], str) and (expected is None or result["resourceType"] == expected)


@given(resource_types, st.dictionaries(st.text(max_size=8).filter(lambda k: k != "resourceType"), json_values, max_size=5))
def test_it_returns_a_resource_as_it_was(kind: str, fields: dict[str, Any]) -> None:
    resource = {"resourceType": kind, **fields}

    assert parse_line(json.dumps(resource).encode(), kind) == resource
    assert parse_line(json.dumps(resource, ensure_ascii=False).encode(), None) == resource


@given(resource_types, st.dictionaries(st.text(max_size=8), json_values, max_size=4), st.integers(1, 40))
def test_it_calls_a_cut_off_line_not_valid_json(kind: str, fields: dict[str, Any], cut: int) -> None:
    line = json.dumps({"resourceType": kind, **fields}).encode()

    result = parse_line(line[: max(0, len(line) - cut)], None)

    assert isinstance(result, BadLine)
    assert "is not valid JSON" in result.message


@given(json_values.filter(lambda v: not isinstance(v, dict)))
def test_it_refuses_json_that_is_not_an_object(value: Any) -> None:
    result = parse_line(json.dumps(value).encode(), None)

    assert isinstance(result, BadLine) and "expected one FHIR resource as a JSON object" in result.message
