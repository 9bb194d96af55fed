"""The request models answer exactly as the hand-written parsers they replace did.

The oracle below is the old parsing code, copied verbatim: ``mock_server/validation.py``,
``faults.parse_fault_config``, and the parsing fragments of the old ``routes.py`` and ``admin.py``
(wrapped in functions, the status-code plumbing left out). Hypothesis feeds both sides the same
JSON-ish bodies and query strings (wrong types, 3.0 and 3.5, booleans, nulls, huge numbers, NaN,
unknown keys, upstream on and off) and each pair must agree: both accept with the same parsed
values, or both refuse with the same message. So every 400 keeps its status and its text.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mock_server import bodies, faults
from mock_server.faults import FAULT_KINDS, MAX_LATENCY, FaultConfig
from mock_server.lifecycle import JOB_STATUSES, JOB_TYPES, SCENARIOS
from mock_server.shots import DEFAULT_ANGLES, SHOTS

# ------------------------------------------------------------------------------------------------
# The oracle: the old parsers, verbatim (from commit 626d4dc).
# ------------------------------------------------------------------------------------------------

CHARACTER_STATUSES = ("draft", "in_development", "ready", "in_production", "archived")
CHARACTER_STRING_FIELDS = (
    "height",
    "weight",
    "eyeColor",
    "hairColor",
    "physicalDescription",
    "personality",
    "biography",
    "motivations",
    "backstory",
    "clothing",
)
#: maxRetries is the number of attempts per shot; bounded so a plan stays small.
MAX_ATTEMPTS = 10
MAX_SAFE_INTEGER = 2**53 - 1  # customSeed must survive a JavaScript client
MAX_PAGE = 1_000_000_000  # keeps OFFSET inside SQLite's 64-bit range
MAX_LIMIT = 100


class InvalidRequest(ValueError):
    """A 400: ``str(exc)`` is the client-facing message."""


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """The body of generate-360-set after defaults (the job's ``requestData``)."""

    style: str
    quality_threshold: float
    image_count: int
    max_attempts: int
    custom_seed: int | None
    angles: tuple[str, ...]

    def request_data(self) -> dict[str, Any]:
        """The wire form stored as ``requestData``."""
        data: dict[str, Any] = {
            "style": self.style,
            "qualityThreshold": self.quality_threshold,
            "imageCount": self.image_count,
            "maxRetries": self.max_attempts,
        }
        if self.custom_seed is not None:
            data["customSeed"] = self.custom_seed
        data["angles"] = list(self.angles)
        return data


def _present(body: dict[str, Any], key: str, upstream: bool) -> bool:
    """Absent (or null) means default; upstream also treats any falsy value so (D3)."""
    if key not in body or body[key] is None:
        return False
    return not (upstream and not body[key])


def parse_generate_options(body: dict[str, Any], *, upstream: bool = False) -> GenerateOptions:
    """Validate a generate-360-set body (unknown keys are ignored).

    Raises:
        InvalidRequest: naming the first bad field.
    """
    style = "character_production"
    if _present(body, "style", upstream):
        if not isinstance(body["style"], str):
            raise InvalidRequest("style must be a string")
        style = body["style"]
    threshold: float = 75
    if _present(body, "qualityThreshold", upstream):
        value = body["qualityThreshold"]
        if not _is_number(value) or not 0 <= value <= 100:
            raise InvalidRequest("qualityThreshold must be a number between 0 and 100")
        threshold = value
    count = 27
    if _present(body, "imageCount", upstream):
        number = _as_int(body["imageCount"])
        if number is None or not 1 <= number <= len(SHOTS):
            raise InvalidRequest(f"imageCount must be an integer between 1 and {len(SHOTS)}")
        count = number
    attempts = 3
    if _present(body, "maxRetries", upstream):
        number = _as_int(body["maxRetries"])
        if number is None or not 1 <= number <= MAX_ATTEMPTS:
            raise InvalidRequest(f"maxRetries must be an integer between 1 and {MAX_ATTEMPTS}")
        attempts = number
    seed: int | None = None
    if _present(body, "customSeed", upstream):
        number = _as_int(body["customSeed"])
        if number is None or abs(number) > MAX_SAFE_INTEGER:
            raise InvalidRequest("customSeed must be an integer (a safe JavaScript integer)")
        seed = number
    angles = DEFAULT_ANGLES[:count]
    if _present(body, "angles", upstream):
        value = body["angles"]
        if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
            raise InvalidRequest("angles must be a list of strings")
        if len(value) > 100:
            raise InvalidRequest("angles must have at most 100 entries")
        angles = tuple(value)
    return GenerateOptions(style, threshold, count, attempts, seed, angles)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Validated job-list parameters."""

    character_id: str | None
    status: str | None
    job_type: str | None
    page: int
    limit: int


def _positive_int(params: Any, key: str, default: int, high: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"{key} must be a positive integer") from None
    if value < 1:
        raise InvalidRequest(f"{key} must be a positive integer")
    if value > high:
        if key == "limit":
            return high  # clamps, as upstream does
        raise InvalidRequest(f"{key} must be an integer between 1 and {high}")
    return value


def parse_page_query(params: Any, *, default_limit: int = 10) -> tuple[int, int]:
    """``page`` (1 to 10^9) and ``limit`` (>= 1; above 100 it clamps to 100)."""
    page = _positive_int(params, "page", 1, MAX_PAGE)
    limit = _positive_int(params, "limit", default_limit, MAX_LIMIT)
    return page, limit


def parse_job_list_query(params: Any) -> ListQuery:
    """Validate the query of ``GET /api/v1/jobs``.

    Raises:
        InvalidRequest: bad ``page``/``limit``, or an unknown ``status``/``jobType``.
    """
    page, limit = parse_page_query(params)
    # Absent means "no filter"; anything present, even empty, must be a known value.
    status = params.get("status")
    if status is not None and status not in JOB_STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(JOB_STATUSES)}")
    job_type = params.get("jobType")
    if job_type is not None and job_type not in JOB_TYPES:
        raise InvalidRequest(f"jobType must be one of {', '.join(JOB_TYPES)}")
    character_id = params.get("characterId") or None
    return ListQuery(character_id, status, job_type, page, limit)


def parse_character(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate character fields (unknown keys are dropped, like Payload does).

    Args:
        body: the request object.
        partial: PATCH (nothing required) rather than POST (``name`` required).

    Raises:
        InvalidRequest: naming the bad field.
    """
    out: dict[str, Any] = {}
    if "name" in body or not partial:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("name is required and must be a non-empty string")
        out["name"] = name
    if body.get("characterId") is not None:
        slug = body["characterId"]
        if not isinstance(slug, str) or not slug.strip():
            raise InvalidRequest("characterId must be a non-empty string")
        out["characterId"] = slug
    if body.get("status") is not None:
        if body["status"] not in CHARACTER_STATUSES:
            raise InvalidRequest(f"status must be one of {', '.join(CHARACTER_STATUSES)}")
        out["status"] = body["status"]
    if body.get("age") is not None:
        if not _is_number(body["age"]) or body["age"] < 0:
            raise InvalidRequest("age must be a non-negative number")
        out["age"] = body["age"]
    for key in CHARACTER_STRING_FIELDS:
        if body.get(key) is not None:
            if not isinstance(body[key], str):
                raise InvalidRequest(f"{key} must be a string")
            out[key] = body[key]
    return out


def optional_string(body: dict[str, Any], key: str) -> str | None:
    """A string field that may be absent (or null); anything else is a 400."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string")
    return value


def optional_number(
    body: dict[str, Any], key: str, default: float, low: float, high: float
) -> float:
    """A number field in [low, high], defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not _is_number(value) or not low <= value <= high:
        raise InvalidRequest(f"{key} must be a number between {low:g} and {high:g}")
    return float(value)


def optional_int(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    """An integer field in [low, high], defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    number = _as_int(value)
    if number is None or not low <= number <= high:
        raise InvalidRequest(f"{key} must be an integer between {low} and {high}")
    return number


def optional_bool(body: dict[str, Any], key: str, default: bool) -> bool:
    """A boolean field, defaulting when absent (or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"{key} must be a boolean")
    return value


# The old faults.py parser.


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{key} must be a number between {low:g} and {high:g}")
    return float(value)


def parse_fault_config(body: Any) -> FaultConfig:
    """Validate the body of ``POST /_mock/faults``.

    Raises:
        ValueError: with a message naming the bad field.
    """
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(body) - {"rate", "kinds", "retry_after", "latency", "path_prefix"}
    if unknown:
        raise ValueError(f"unknown field: {sorted(unknown)[0]}")
    kinds = body.get("kinds", ["503"])
    if (
        not isinstance(kinds, list)
        or not kinds
        or not all(isinstance(k, str) and k in FAULT_KINDS for k in kinds)
    ):
        raise ValueError(f"kinds must be a non-empty list of {', '.join(FAULT_KINDS)}")
    prefix = body.get("path_prefix", "/api/")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ValueError("path_prefix must be a string starting with /")
    return FaultConfig(
        rate=_number(body, "rate", 1.0, 0.0, 1.0),
        kinds=tuple(dict.fromkeys(kinds)),
        retry_after=_number(body, "retry_after", 1.0, 0.0, 86_400.0),
        latency=_number(body, "latency", 1.0, 0.0, MAX_LATENCY),
        path_prefix=prefix,
    )


# The old admin.py constant and the parsing parts of its endpoints.
MAX_ADVANCE = 10 * 365 * 86_400  # seconds one POST /_mock/clock may jump


def old_set_clock(body: dict[str, Any]) -> tuple[float | None, float | None]:
    """admin_set_clock: (speed, advance) it would apply, or InvalidRequest with its message."""

    def admin_error(message: str) -> Any:
        raise InvalidRequest(message)

    speed = advance = None
    unknown = set(body) - {"advance", "speed"}
    if unknown or not body:
        return admin_error('body must be {"advance": seconds} and/or {"speed": x}')
    for key in ("speed", "advance"):
        if key in body and body[key] is None:
            return admin_error(f"{key} must be a number")
    if "speed" in body:
        speed = optional_number(body, "speed", math.nan, 0.001, 1_000_000)
    if "advance" in body:
        advance = optional_number(body, "advance", math.nan, 0, MAX_ADVANCE)
    return speed, advance


def old_scenario(body: dict[str, Any]) -> str | None:
    """admin_scenario: the scenario it would set (and ``cassette:NAME``, which came later)."""
    scenario = body.get("scenario")
    cassette = (
        isinstance(scenario, str)
        and scenario.startswith("cassette:")
        and 1 <= len(scenario) - len("cassette:") <= 200
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in scenario)
    )
    if scenario is not None and scenario not in (*SCENARIOS, "random") and not cassette:
        raise InvalidRequest(
            f"scenario must be one of {', '.join(SCENARIOS)}, random, cassette:NAME or null"
        )
    return scenario


def old_capacity(body: dict[str, Any], current: int) -> int:
    """admin_capacity: the capacity it would set."""
    return optional_int(body, "capacity", current, 1, 10_000)


# The parsing parts of the old routes.py endpoints.


def old_list_characters(params: Any) -> tuple[int, int, str | None]:
    """list_characters: (page, limit, search)."""
    page, limit = parse_page_query(params)
    search = params.get("search") or None
    return page, limit, search


def old_put_reference(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """put_reference: (media_id, image_url, dino) as passed to the engine."""
    media_id = optional_string(body, "mediaId")
    image_url = optional_string(body, "imageUrl")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest("metadata must be an object")
    dino = optional_string(metadata or {}, "dinoAssetId")
    if not media_id and not image_url:
        raise InvalidRequest("Either imageUrl or mediaId is required")
    return media_id or None, image_url, dino


def old_initial_image(body: dict[str, Any]) -> tuple[str, int, int]:
    """generate_initial_image: (prompt, width, height)."""
    prompt = optional_string(body, "prompt")
    if not prompt or not prompt.strip():
        raise InvalidRequest("Prompt is required")
    optional_string(body, "style")
    width = optional_int(body, "width", 768, 64, 4096)
    height = optional_int(body, "height", 1024, 64, 4096)
    return prompt, width, height


def old_core_set(body: dict[str, Any]) -> dict[str, Any]:
    """generate_core_set: the options dict given to the engine."""
    options = {
        "qualityThreshold": optional_number(body, "qualityThreshold", 75, 0, 100),
        "maxRetries": optional_int(body, "maxRetries", 3, 1, 10),
        "customSeed": None
        if body.get("customSeed") is None
        else optional_int(body, "customSeed", 0, -(2**53) + 1, 2**53 - 1),
    }
    return options


def old_seed(body: dict[str, Any]) -> tuple[bool, bool]:
    """seed_shots: (clean, dry_run)."""
    clean = optional_bool(body, "cleanExisting", False)
    for key in ("guaranteeAllShots", "validateTemplates", "comprehensiveCoverage"):
        optional_bool(body, key, True)
    dry_run = optional_bool(body, "dryRun", False)
    return clean, dry_run


# ------------------------------------------------------------------------------------------------
# The new side: the models, as the routes call them.
# ------------------------------------------------------------------------------------------------


def new_generate(body: dict[str, Any], upstream: bool) -> Any:
    return bodies.parse_body(bodies.Generate360Input, body, upstream=upstream).options()


def new_character(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    model = bodies.CharacterInput if partial else bodies.CharacterCreate
    return bodies.parse_body(model, body).fields()


def new_list_characters(params: dict[str, str]) -> tuple[int, int, str | None]:
    query = bodies.parse_query(bodies.CharacterListQuery, params)
    return query.page, query.limit, query.search


def new_job_list(params: dict[str, str]) -> tuple[Any, ...]:
    q = bodies.parse_query(bodies.JobListQuery, params)
    return q.character_id, q.status, q.job_type, q.page, q.limit


def old_job_list(params: dict[str, str]) -> tuple[Any, ...]:
    q = parse_job_list_query(params)
    return q.character_id, q.status, q.job_type, q.page, q.limit


def new_put_reference(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    ref = bodies.parse_body(bodies.ReferenceImageInput, body)
    return ref.media_id or None, ref.image_url, ref.dino_asset_id


def new_initial_image(body: dict[str, Any]) -> tuple[str, int, int]:
    image = bodies.parse_body(bodies.InitialImageInput, body)
    return image.prompt, image.width, image.height


def new_core_set(body: dict[str, Any]) -> dict[str, Any]:
    return bodies.parse_body(bodies.CoreSetInput, body).options()


def new_seed(body: dict[str, Any]) -> tuple[bool, bool]:
    seed = bodies.parse_body(bodies.SeedInput, body)
    return seed.clean_existing, seed.dry_run


def new_set_clock(body: dict[str, Any]) -> tuple[float | None, float | None]:
    clock = bodies.parse_body(bodies.ClockInput, body)
    return clock.speed, clock.advance


def new_scenario(body: dict[str, Any]) -> str | None:
    return bodies.parse_body(bodies.ScenarioInput, body).scenario


def new_capacity(body: dict[str, Any], current: int) -> int:
    capacity = bodies.parse_body(bodies.CapacityInput, body).capacity
    return current if capacity is None else capacity


def new_faults(body: Any) -> FaultConfig:
    return bodies.parse_body(bodies.Faults, body).config()


# ------------------------------------------------------------------------------------------------
# Comparing outcomes.
# ------------------------------------------------------------------------------------------------


def _exact(value: Any) -> str:
    """A form in which 3 and 3.0, -0.0 and 0, a list and a tuple of the same items all differ."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {"class": type(value).__name__, **dataclasses.asdict(value)}

    def tag(item: Any) -> Any:
        if isinstance(item, dict):
            return {str(k): tag(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [type(item).__name__, *(tag(v) for v in item)]
        if isinstance(item, float):
            return ["float", repr(item)]
        return item

    return json.dumps(tag(value), sort_keys=True)


def _numeric(value: Any) -> str:
    """Like :func:`_exact`, but 80 and 80.0 agree (for values that only feed arithmetic)."""
    if isinstance(value, dict):
        value = {
            k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for k, v in value.items()
        }
    elif isinstance(value, tuple):
        value = tuple(
            float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for v in value
        )
    return _exact(value)


def outcome(parse: Callable[[], Any], form: Callable[[Any], str] = _exact) -> tuple[str, str]:
    """("ok", the parsed value) or ("400", the message)."""
    try:
        value = parse()
    except ValueError as exc:  # both InvalidRequest classes, and the faults parser's ValueError
        return "400", str(exc)
    return "ok", form(value)


def agree(
    old: Callable[[], Any], new: Callable[[], Any], form: Callable[[Any], str] = _exact
) -> None:
    assert outcome(new, form) == outcome(old, form)


# ------------------------------------------------------------------------------------------------
# What hypothesis sends.
# ------------------------------------------------------------------------------------------------

EDGES = [
    *(0, 1, -1, 2, 3, 9, 10, 11, 26, 27, 28, 30, 31, 63, 64, 100, 101, 768, 4096, 4097),
    *(10_000, 10_001, 86_400, 86_401, 1_000_000, 1_000_001, MAX_ADVANCE, MAX_ADVANCE + 1),
    *(MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER - 1),
    *(2**63, -(2**63), 10**30),
]
FLOATS = [0.0, -0.0, 0.5, 0.001, 0.0005, 3.0, 3.5, 27.0, 75.5, 100.0, 100.5, 1e300, -1e300]
FLOATS += [2.0**53, 2.0**60, math.nan, math.inf, -math.inf, 1_000_000.5, 30.0, 30.01]
WORDS = ["", " ", "  \t", "x", "\x1c", "\u00a0", "\u2028", "front", "/", "/api/", "api", "ready"]
WORDS += [*CHARACTER_STATUSES, *JOB_STATUSES, *JOB_TYPES, *SCENARIOS, "random", *FAULT_KINDS]
WORDS += ["video", "done", "character_turnaround"]

numbers = st.sampled_from(EDGES) | st.integers() | st.sampled_from(FLOATS) | st.floats()
numbers |= st.integers(-(10**6), 10**6).map(float)
texts = st.sampled_from(WORDS) | st.text(max_size=4)
scalars = st.none() | st.booleans() | numbers | texts
lists = st.sampled_from(
    [[], ["x"] * 100, ["x"] * 101, ["x"] * 101 + [1], ["503", "503", "reset"], ["bogus"], [503]]
)
values = (
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=2),
        max_leaves=5,
    )
    | lists
    | st.fixed_dictionaries({}, optional={"dinoAssetId": scalars, "source": scalars})
)


def bodies_with(*keys: str) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of ``keys`` (and some unknown ones, snake_case names included)."""
    pool = [*keys, "unknown", "image_count", "retryAfter", "Speed"]
    return st.dictionaries(st.sampled_from(pool), values, max_size=len(keys) + 1)


QUERY_WORDS = ["", "0", "1", "-3", "+3", " 5 ", "5_0", "007", "\u0665", "ten", "1.5", "10"]
QUERY_WORDS += ["100", "101", "1000000000", "1000000001", str(10**30), "9" * 5000, "bogus"]
QUERY_WORDS += [*JOB_STATUSES, *JOB_TYPES]
query_values = st.sampled_from(QUERY_WORDS) | st.text(max_size=3)


def queries_with(*keys: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from([*keys, "other"]), query_values, max_size=len(keys))


CHARACTER_KEYS = ("name", "characterId", "status", "age", *CHARACTER_STRING_FIELDS)
GENERATE_KEYS = ("style", "qualityThreshold", "imageCount", "maxRetries", "customSeed", "angles")
FAULT_KEYS = ("rate", "kinds", "retry_after", "latency", "path_prefix")
SEED_KEYS = ("cleanExisting", "guaranteeAllShots", "validateTemplates", "comprehensiveCoverage")
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------------
# The properties.
# ------------------------------------------------------------------------------------------------


@FUZZ
@given(body=bodies_with(*GENERATE_KEYS), upstream=st.booleans())
@example(body={"imageCount": 3.0, "qualityThreshold": 80}, upstream=False)
@example(body={"imageCount": 0, "qualityThreshold": 0, "customSeed": 0, "style": ""}, upstream=True)
@example(body={"imageCount": False, "angles": []}, upstream=True)
@example(body={"angles": ["x"] * 101 + [1]}, upstream=False)
def test_generate_360_set(body: dict[str, Any], upstream: bool) -> None:
    """generate-360-set: same options (requestData exactly, int stays int) or the same message."""
    agree(
        lambda: parse_generate_options(body, upstream=upstream),
        lambda: new_generate(body, upstream),
    )


@FUZZ
@given(body=bodies_with(*CHARACTER_KEYS), partial=st.booleans())
@example(body={"name": None}, partial=True)
@example(body={"name": "\x1c"}, partial=False)
@example(body={"name": 5, "age": -1}, partial=False)
@example(body={"age": 2.5, "status": "ready", "characterId": " "}, partial=True)
def test_character_bodies(body: dict[str, Any], partial: bool) -> None:
    """Character create and update: the same stored fields or the same message."""
    agree(lambda: parse_character(body, partial=partial), lambda: new_character(body, partial))


@FUZZ
@given(params=queries_with("page", "limit", "search"))
@example(params={"limit": str(10**30)})
@example(params={"page": "1000000001", "limit": "0"})
def test_character_list_query(params: dict[str, str]) -> None:
    """The character list query: the same page, limit and search or the same message."""
    agree(lambda: old_list_characters(params), lambda: new_list_characters(params))


@FUZZ
@given(params=queries_with("characterId", "status", "jobType", "page", "limit"))
@example(params={"status": "", "page": "x"})
@example(params={"jobType": "", "characterId": ""})
def test_job_list_query(params: dict[str, str]) -> None:
    """The job list query: the same filters and page or the same message."""
    agree(lambda: old_job_list(params), lambda: new_job_list(params))


@FUZZ
@given(body=bodies_with("mediaId", "imageUrl", "metadata"))
@example(body={"mediaId": "", "imageUrl": ""})
@example(body={"metadata": {"dinoAssetId": 5}, "imageUrl": "u"})
@example(body={"metadata": [], "mediaId": 1})
def test_reference_image(body: dict[str, Any]) -> None:
    """PUT reference-image: the same (mediaId, imageUrl, dinoAssetId) or the same message."""
    agree(lambda: old_put_reference(body), lambda: new_put_reference(body))


@FUZZ
@given(body=bodies_with("prompt", "style", "width", "height"))
@example(body={"prompt": None, "width": 1})
@example(body={"prompt": 5})
@example(body={"prompt": " \u2028 ", "style": 1})
def test_initial_image(body: dict[str, Any]) -> None:
    """generate-initial-image: the same prompt and size or the same message."""
    agree(lambda: old_initial_image(body), lambda: new_initial_image(body))


@FUZZ
@given(body=bodies_with("qualityThreshold", "maxRetries", "customSeed", "style"))
@example(body={"customSeed": 2.0**53})
def test_core_set(body: dict[str, Any]) -> None:
    """The legacy core set: the same options (as numbers) or the same message."""
    agree(lambda: old_core_set(body), lambda: new_core_set(body), _numeric)


@FUZZ
@given(body=bodies_with(*SEED_KEYS, "dryRun"))
def test_seed(body: dict[str, Any]) -> None:
    """The seeder: the same switches or the same message."""
    agree(lambda: old_seed(body), lambda: new_seed(body))


@FUZZ
@given(body=bodies_with("speed", "advance"))
@example(body={})
@example(body={"speed": 5_000_000, "advance": None})
@example(body={"speed": 2, "advance": -1})
def test_clock(body: dict[str, Any]) -> None:
    """POST /_mock/clock: the same speed and jump (as numbers) or the same message."""
    agree(lambda: old_set_clock(body), lambda: new_set_clock(body), _numeric)


@FUZZ
@given(body=bodies_with("scenario"), current=st.integers(1, 10_000))
def test_scenario_and_capacity(body: dict[str, Any], current: int) -> None:
    """POST /_mock/scenario and /_mock/capacity: the same value or the same message."""
    agree(lambda: old_scenario(body), lambda: new_scenario(body))
    capacity = {**body, "capacity": body.get("scenario")}
    agree(lambda: old_capacity(capacity, current), lambda: new_capacity(capacity, current))


@FUZZ
@given(body=bodies_with(*FAULT_KEYS) | values)
@example(body={"kinds": ["503", "reset", "503"], "rate": 0.5})
@example(body={"zeta": 1, "alpha": 2})
@example(body={"rate": None})
@example(body=[])
def test_faults(body: Any) -> None:
    """POST /_mock/faults (and faults.parse_fault_config): the same configuration or message."""
    agree(lambda: parse_fault_config(body), lambda: new_faults(body))
    agree(lambda: parse_fault_config(body), lambda: faults.parse_fault_config(body))


def test_the_oracle_can_disagree() -> None:
    """The comparison notices a changed message and a changed value (it can fail)."""
    with pytest.raises(AssertionError):
        agree(lambda: parse_character({"name": ""}, partial=False), lambda: {"name": ""})
    with pytest.raises(AssertionError):
        agree(
            lambda: parse_generate_options({"qualityThreshold": 80}),
            lambda: new_generate({"qualityThreshold": 80.0}, False),
        )
