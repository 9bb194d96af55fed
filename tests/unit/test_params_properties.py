"""Argument checks as properties: any id stays one path segment or is refused; whatever a check
accepts can be encoded and sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote

import httpx
import hypothesis
import pytest
from hypothesis import strategies as st

from charlib import InvalidParameterError
from charlib._params import (
    MAX_NESTING,
    check_idempotency_key,
    check_sendable,
    check_str,
    path_segment,
)

SETTINGS = hypothesis.settings(max_examples=300, derandomize=True, database=None, deadline=None)
BASE = httpx.URL("https://charlib.test/prefix/")
# Ids as a careless caller or a hostile server may give them: anything, dots and slashes often.
IDS = st.text() | st.sampled_from([".", "..", "...", "%2e%2e", "a/..", "..\\x", " ", "a b"])


def _refusal(call: Callable[[], object]) -> InvalidParameterError | None:
    """The InvalidParameterError ``call`` raised, or None if it accepted its argument."""
    try:
        call()
    except InvalidParameterError as error:
        return error
    return None


@SETTINGS
@hypothesis.given(job_id=IDS)
def test_an_id_round_trips_as_one_segment_or_is_refused(job_id: str) -> None:
    """The URL built from an accepted id has exactly one segment there, decoding to the id."""
    refused = _refusal(lambda: path_segment("job_id", job_id))
    if refused is not None:
        assert refused.field == "job_id"
        return
    segment = path_segment("job_id", job_id)
    url = BASE.join(f"api/v1/jobs/{segment}/status")
    parts = url.raw_path.decode("ascii").split("/")
    assert parts[:5] == ["", "prefix", "api", "v1", "jobs"]
    assert parts[6:] == ["status"]
    assert unquote(parts[5]) == job_id


@SETTINGS
@hypothesis.given(text=st.text())
def test_an_accepted_string_encodes(text: str) -> None:
    """check_str accepts exactly the strings that have a UTF-8 encoding."""
    refused = _refusal(lambda: check_str("name", text))
    if refused is None:
        text.encode("utf-8")
        return
    assert refused.field == "name"
    with pytest.raises(UnicodeEncodeError):
        text.encode("utf-8")


@SETTINGS
@hypothesis.given(key=st.text(max_size=300))
def test_an_accepted_idempotency_key_is_a_header_value(key: str) -> None:
    """Accepted keys survive httpx's header encoding unchanged; others name the argument."""
    refused = _refusal(lambda: check_idempotency_key(key))
    if refused is not None:
        assert refused.field == "idempotency_key"
        return
    headers = httpx.Headers({"Idempotency-Key": key})
    assert headers.raw[0][1] == key.encode("ascii")
    assert not {"\r", "\n"} & set(key)
    assert key == key.strip()


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@SETTINGS
@hypothesis.given(value=JSON_LIKE)
def test_an_accepted_body_value_is_json(value: object) -> None:
    """check_sendable accepts what json.dumps (no NaN) and UTF-8 can carry, and nothing else."""
    refused = _refusal(lambda: check_sendable("field", value))
    if refused is not None:
        assert refused.field == "field"
        return
    json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")


def test_too_deep_a_value_is_refused() -> None:
    """A value nested past MAX_NESTING is refused (it could not be a field of this API)."""
    value: object = "leaf"
    for _ in range(MAX_NESTING + 1):
        value = [value]
    with pytest.raises(InvalidParameterError, match="deeper"):
        check_sendable("tags", value)
