"""The request models themselves: the parsing API, what "absent" means, and their messages."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from mock_server import bodies
from mock_server.bodies import InvalidRequest, parse_body, parse_query
from mock_server.faults import parse_fault_config


def test_a_body_that_is_not_an_object_names_the_body() -> None:
    """A model without its own object check still answers with a message, never a traceback."""
    with pytest.raises(InvalidRequest, match=r"^body is invalid: "):
        parse_body(bodies.SeedInput, [1, 2])


def test_falsy_means_default_only_for_generate_360_in_upstream_mode() -> None:
    """D3 applies to generate-360-set in upstream mode, not to the core set nor reference mode."""
    zeros = {"qualityThreshold": 0, "maxRetries": 0}
    upstream = parse_body(bodies.Generate360Input, zeros, upstream=True)
    assert (upstream.quality_threshold, upstream.max_retries) == (75, 3)
    with pytest.raises(InvalidRequest, match="maxRetries must be an integer between 1 and 10"):
        parse_body(bodies.Generate360Input, zeros)
    with pytest.raises(InvalidRequest, match="maxRetries must be an integer between 1 and 10"):
        parse_body(bodies.CoreSetInput, zeros, upstream=True)


def test_wire_names_only() -> None:
    """Python attribute names are not wire names: ``image_count`` is an unknown, ignored key."""
    parsed = parse_body(bodies.Generate360Input, {"image_count": 3, "imageCount": 5})
    assert parsed.image_count == 5
    assert parse_body(bodies.Generate360Input, {"image_count": 3}).image_count == 27


def test_numbers_keep_their_kind() -> None:
    """3.0 is the integer 3 where an integer is wanted; a number stays as sent elsewhere."""
    parsed = parse_body(bodies.Generate360Input, {"imageCount": 3.0, "qualityThreshold": 80})
    assert (parsed.image_count, type(parsed.image_count)) == (3, int)
    assert type(parsed.quality_threshold) is int
    assert type(parse_body(bodies.ClockInput, {"advance": 1.5}).advance) is float


def test_models_are_frozen() -> None:
    """A parsed body cannot be changed by the code that reads it."""
    parsed = parse_body(bodies.SeedInput, {})
    with pytest.raises(ValidationError):
        parsed.dry_run = True  # type: ignore[misc]


def test_parse_query_reads_starlette_query_params() -> None:
    """The last value of a repeated parameter counts, as with ``QueryParams.get``."""
    query = parse_query(bodies.JobListQuery, QueryParams("status=failed&status=pending&limit=500"))
    assert (query.status, query.limit, query.page) == ("pending", 100, 1)


def test_nested_errors_name_the_nested_field() -> None:
    """An error inside ``metadata`` names the inner field, as the old code did."""
    with pytest.raises(InvalidRequest, match=r"^dinoAssetId must be a string$"):
        parse_body(bodies.ReferenceImageInput, {"imageUrl": "u", "metadata": {"dinoAssetId": 1}})


def test_reference_metadata() -> None:
    """``metadata.dinoAssetId`` is read; other metadata keys are ignored."""
    ref = parse_body(
        bodies.ReferenceImageInput,
        {"imageUrl": "u", "metadata": {"dinoAssetId": "d", "source": "uploaded"}},
    )
    assert (ref.media_id, ref.image_url, ref.dino_asset_id) == (None, "u", "d")
    assert parse_body(bodies.ReferenceImageInput, {"mediaId": "m"}).dino_asset_id is None


def test_character_fields_keep_the_wire_order() -> None:
    """Create lists ``name`` first like update (the first bad field is the one reported)."""
    assert list(bodies.CharacterCreate.model_fields) == list(bodies.CharacterInput.model_fields)
    with pytest.raises(InvalidRequest, match=r"^name is required"):
        parse_body(bodies.CharacterCreate, {"age": -1})
    fields = parse_body(bodies.CharacterCreate, {"eyeColor": "g", "name": "N", "x": 1}).fields()
    assert fields == {"name": "N", "eyeColor": "g"}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (bodies.Generate360Input, set(bodies.Generate360Input.wire_names)),
        (bodies.CharacterInput, set(bodies.CharacterInput.wire_names) - {"name"}),
        (bodies.CharacterCreate, set(bodies.CharacterCreate.wire_names) - {"name"}),
        (bodies.InitialImageInput, {"style", "width", "height"}),
        (bodies.ClockInput, set()),
        (bodies.Faults, set()),
    ],
)
def test_null_means_default(model: type[bodies.WireModel], expected: set[str]) -> None:
    """Which fields the document marks nullable: null is "absent" there, an error elsewhere."""
    assert model.null_means_default() == expected


def test_says_picks_a_message_by_error_type() -> None:
    """A field's message can depend on the kind of error (page: too small vs too large)."""
    with pytest.raises(InvalidRequest, match=r"^page must be a positive integer$"):
        parse_query(bodies.JobListQuery, {"page": "0"})
    with pytest.raises(InvalidRequest, match=r"^page must be an integer between 1 and 1000000000$"):
        parse_query(bodies.JobListQuery, {"page": "1000000001"})


def test_fault_config_through_the_model() -> None:
    """parse_fault_config validates through Faults: floats out, kinds de-duplicated in order."""
    config = parse_fault_config({"rate": 1, "kinds": ["reset", "503", "reset"], "latency": 2})
    assert config.as_dict() == {
        "rate": 1.0,
        "kinds": ["reset", "503"],
        "retry_after": 1.0,
        "latency": 2.0,
        "path_prefix": "/api/",
    }
    with pytest.raises(ValueError, match=r"^unknown field: a$"):
        parse_fault_config({"b": 1, "a": 2})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'body must be {"advance": seconds} and/or {"speed": x}'),
        ({"advance": 1, "jump": 2}, 'body must be {"advance": seconds} and/or {"speed": x}'),
        ({"speed": 5_000_000, "advance": None}, "advance must be a number"),
        ({"speed": 0}, "speed must be a number between 0.001 and 1e+06"),
        ({"advance": -1}, "advance must be a number between 0 and 3.1536e+08"),
    ],
)
def test_clock_messages(body: dict[str, Any], message: str) -> None:
    """The clock body's usage, null and bound messages (null is checked before any bound)."""
    with pytest.raises(InvalidRequest) as caught:
        parse_body(bodies.ClockInput, body)
    assert str(caught.value) == message
