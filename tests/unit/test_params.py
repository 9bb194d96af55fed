"""Pure argument handling: NOT_GIVEN, camelCase, explicit zeros, idempotency keys."""

from __future__ import annotations

import copy
import pickle
import uuid

import pytest

import charlib
from charlib._params import camelize, compact, idempotency
from charlib._resources.characters import generate_360_set_body
from charlib._retry import RetryMode


def test_not_given_is_a_falsy_singleton() -> None:
    """NOT_GIVEN is unique (also through copy and pickle), falsy and reads as NOT_GIVEN."""
    assert charlib.NotGiven() is charlib.NOT_GIVEN
    assert copy.copy(charlib.NOT_GIVEN) is charlib.NOT_GIVEN
    assert copy.deepcopy(charlib.NOT_GIVEN) is charlib.NOT_GIVEN
    assert pickle.loads(pickle.dumps(charlib.NOT_GIVEN)) is charlib.NOT_GIVEN
    assert not charlib.NOT_GIVEN
    assert repr(charlib.NOT_GIVEN) == "NOT_GIVEN"


@pytest.mark.parametrize(
    ("key", "wire"),
    [
        ("dino_asset_id", "dinoAssetId"),
        ("eye_color", "eyeColor"),
        ("name", "name"),
        ("characterId", "characterId"),
        ("_private", "_private"),
    ],
)
def test_camelize(key: str, wire: str) -> None:
    """snake_case becomes camelCase; names already camelCase are left alone."""
    assert camelize(key) == wire


def test_compact_drops_only_not_given() -> None:
    """NOT_GIVEN is dropped; None, 0, False and empty values are sent."""
    fields = {"a_b": charlib.NOT_GIVEN, "c_d": None, "e": 0, "f": False, "g": []}
    assert compact(fields) == {"cD": None, "e": 0, "f": False, "g": []}


def test_360_body_sends_explicit_zeros() -> None:
    """quality_threshold=0 and custom_seed=0 are sent as 0 (0 is not "unset")."""
    body = generate_360_set_body(quality_threshold=0, custom_seed=0)
    assert body == {"qualityThreshold": 0, "customSeed": 0}


def test_360_body_is_empty_by_default() -> None:
    """Nothing given: an empty JSON object (the server's defaults apply)."""
    assert generate_360_set_body() == {}


def test_360_body_bounds_are_inclusive() -> None:
    """The documented bounds themselves are accepted."""
    body = generate_360_set_body(image_count=27, quality_threshold=100, max_retries=1, angles=())
    assert body == {"imageCount": 27, "qualityThreshold": 100, "maxRetries": 1, "angles": []}


def test_idempotency_modes() -> None:
    """Default: a fresh uuid4 and idempotent retries; a string is used; None means unsafe."""
    key, mode = idempotency(charlib.NOT_GIVEN)
    assert key is not None
    assert uuid.UUID(key).version == 4
    assert mode is RetryMode.IDEMPOTENT_POST
    assert idempotency(charlib.NOT_GIVEN)[0] != key
    assert idempotency("k-1") == ("k-1", RetryMode.IDEMPOTENT_POST)
    assert idempotency(None) == (None, RetryMode.UNSAFE_POST)
    with pytest.raises(charlib.InvalidParameterError):
        idempotency("")
