"""Request bodies and query strings as pydantic models: the mock's own reading of the contract.

There is one model per body or query the mock parses; the class names are the component names in
``/openapi.json``. A field carries both its rule (validated here, and emitted into the document)
and its 400 message (a :class:`Says`), so each is written once. :func:`parse_body` and
:func:`parse_query` validate and turn pydantic's first error into the message clients have always
had, naming the wire field (``imageCount must be an integer between 1 and 27``).

The wire rules shared by every model (CONTRACT §5.1, D3, D14):

* a whole number may be sent as ``3.0``; a boolean is never a number; NaN and Infinity never are;
* JSON ``null`` means "absent" (the default applies) unless a model says otherwise;
* unknown keys are ignored, except in the admin clock and faults bodies, which refuse them;
* in upstream mode, generate-360-set treats any falsy value as absent (``x || default``, D3).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, TypeVar, get_args

import annotated_types as at
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from mock_server.cassettes import CASSETTE_PREFIX
from mock_server.faults import FAULT_KINDS, MAX_LATENCY, FaultConfig
from mock_server.lifecycle import JOB_STATUSES, JOB_TYPES, SCENARIOS
from mock_server.shots import DEFAULT_ANGLES, SHOTS

__all__ = [
    "CHARACTER_STATUSES",
    "MAX_ADVANCE",
    "MAX_ATTEMPTS",
    "MAX_CAPACITY",
    "MAX_LIMIT",
    "MAX_PAGE",
    "MAX_SAFE_INTEGER",
    "CapacityInput",
    "CharacterCreate",
    "CharacterInput",
    "CharacterListQuery",
    "ClockInput",
    "CoreSetInput",
    "Faults",
    "Generate360Input",
    "GenerateOptions",
    "InitialImageInput",
    "InvalidJson",
    "InvalidRequest",
    "JobListQuery",
    "PageQuery",
    "ReferenceImageInput",
    "ReferenceMetadata",
    "Says",
    "ScenarioInput",
    "SeedInput",
    "WireModel",
    "parse_body",
    "parse_json_body",
    "parse_query",
]

CHARACTER_STATUSES = ("draft", "in_development", "ready", "in_production", "archived")
#: maxRetries is the number of attempts per shot; bounded so a plan stays small.
MAX_ATTEMPTS = 10
MAX_SAFE_INTEGER = 2**53 - 1  # customSeed must survive a JavaScript client
MAX_PAGE = 1_000_000_000  # keeps OFFSET inside SQLite's 64-bit range
MAX_LIMIT = 100  # a larger limit clamps to this, as upstream does
MAX_ADVANCE = 10 * 365 * 86_400  # seconds one POST /_mock/clock may jump
MAX_CAPACITY = 10_000
MAX_ANGLES = 100

#: The error type of a message written out whole by a model validator.
WIRE = "wire"


class InvalidRequest(ValueError):
    """A 400: ``str(exc)`` is the client-facing message."""


class InvalidJson(InvalidRequest):
    """The body is not JSON or not an object; ``js_message`` is what Node's parser would say."""

    def __init__(self, message: str, js_message: str) -> None:
        super().__init__(message)
        self.js_message = js_message


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse_lone_surrogates(value: Any) -> None:
    """Refuse text that is not Unicode: a JSON ``\\ud800`` escape decodes to a lone surrogate,
    which no UTF-8 response could carry back. Walks the whole value (keys too) without
    recursion; the message names the first bad field by its path (``metadata.dinoAssetId``)."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str) and _has_lone_surrogate(item):
            raise InvalidRequest(f"{path or 'body'} must be valid Unicode text")
        if isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}" if path else str(key)
                if _has_lone_surrogate(str(key)):
                    raise InvalidRequest(f"{path or 'body'} has a key that is not valid Unicode")
                pending.append((name, sub))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]", sub) for i, sub in enumerate(item))


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Decode a request body: empty means ``{}``; it must otherwise be a JSON object.

    Raises:
        InvalidJson: malformed JSON (including nesting too deep for the parser), NaN/Infinity,
            or a non-object.
        InvalidRequest: a string that is not valid Unicode (a lone surrogate escape).
    """
    if not raw.strip():
        if raw:
            raise InvalidJson("Invalid JSON body", "Unexpected end of JSON input")
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        pos = getattr(exc, "pos", 0) or 0
        text = raw[pos : pos + 1].decode("utf-8", "replace") or "end of input"
        raise InvalidJson(
            "Invalid JSON body", f"Unexpected token {text} in JSON at position {pos}"
        ) from None
    _refuse_lone_surrogates(value)
    if value is None:
        raise InvalidJson(
            "Invalid JSON body: expected a JSON object",
            "Cannot destructure property 'style' of '(intermediate value)' as it is null.",
        )
    if not isinstance(value, dict):
        raise InvalidJson("Invalid JSON body: expected a JSON object", "Invalid request body")
    return value


# -- field rules and their messages -----------------------------------------------------------


class Says:
    """The 400 message of a field; ``{field}`` stands for its wire name.

    ``by_type`` picks another message for one kind of pydantic error (``missing``, ``too_long``,
    ``less_than_equal``...), for the few fields whose message depends on what went wrong.
    """

    __slots__ = ("by_type", "message")

    def __init__(self, message: str, **by_type: str) -> None:
        self.message = message
        self.by_type = by_type

    def text(self, error_type: str, wire_name: str) -> str:
        """The message for an error of ``error_type`` on the field called ``wire_name``."""
        return self.by_type.get(error_type, self.message).format(field=wire_name)


def wire_error(message: str) -> PydanticCustomError:
    """An error whose message is final (raised by model validators for whole-body rules)."""
    return PydanticCustomError(WIRE, "{message}", {"message": message})


def _whole(value: Any) -> Any:
    # JSON has one number type: 3.0 is the integer 3. The strict int check rejects the rest
    # (3.5, NaN, booleans, strings).
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return value


class Whole(at.GroupedMetadata):
    """An integer in ``[low, high]`` (``3.0`` counts as 3)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.says = Says(f"{{field}} must be an integer between {low} and {high}")

    def __iter__(self) -> Iterator[object]:
        # Bounds first, so pydantic puts them in the integer schema (and the document).
        yield at.Ge(self.low)
        yield at.Le(self.high)
        yield BeforeValidator(_whole)


class Number(at.GroupedMetadata):
    """A finite number in ``[low, high]``, kept as sent (an int stays an int)."""

    def __init__(self, low: float, high: float | None = None) -> None:
        self.low, self.high = low, high
        schema: dict[str, Any] = {"type": "number", "minimum": low}
        if high is None:
            self.says = Says(f"{{field}} must be a number of at least {low:g}")
        else:
            self.says = Says(f"{{field}} must be a number between {low:g} and {high:g}")
            schema["maximum"] = high
        self.schema = schema

    def __iter__(self) -> Iterator[object]:
        yield at.Ge(self.low)
        if self.high is not None:
            yield at.Le(self.high)
        yield BeforeValidator(_finite)
        yield WithJsonSchema(self.schema)


class OneOf(at.GroupedMetadata):
    """A string among ``values`` (an enum in the document; the values come from one constant)."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values = tuple(values)
        self.says = Says(f"{{field}} must be one of {', '.join(self.values)}")

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(self._check)
        yield WithJsonSchema({"type": "string", "enum": list(self.values)})

    def _check(self, value: str) -> str:
        if value not in self.values:
            raise PydanticCustomError("enum", "Input should be one of the listed values")
        return value


def _not_blank(value: str) -> str:
    # Python's idea of whitespace (str.strip) is the rule; the document's pattern approximates it.
    if not value.strip():
        raise PydanticCustomError("blank", "String should not be blank")
    return value


def _strings(value: Any) -> Any:
    # Checked before the length, so a long list with a non-string says "list of strings".
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PydanticCustomError("list_type", "Input should be a list of strings")
    return tuple(value)


def _kinds(value: Any) -> Any:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(kind, str) and kind in FAULT_KINDS for kind in value)
    ):
        raise PydanticCustomError("list_type", "Input should be a list of fault kinds")
    return tuple(dict.fromkeys(value))  # each kind once, first-seen order


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("none", "Input should not be null")
    return value


def _query_int(value: Any) -> Any:
    # Query values are text; int() is the rule (it accepts " 7", "+7" and "0_7", as it always has).
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise PydanticCustomError("int_parsing", "Input should be an integer") from None
    return value


class NonBlank(at.GroupedMetadata):
    """A string with something besides whitespace."""

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(_not_blank)
        yield WithJsonSchema({"type": "string", "pattern": r"\S"})


Text = Annotated[str, Says("{field} must be a string")]
Flag = Annotated[bool, Says("{field} must be a boolean")]
Name = Annotated[str, NonBlank(), Says("name is required and must be a non-empty string")]
Slug = Annotated[str, NonBlank(), Says("{field} must be a non-empty string")]
Real = int | float  # a JSON number, kept as sent


# -- the base model and the translator ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FieldRule:
    says: Says | None
    nested: type[WireModel] | None  # the model of a nested object, to follow an error's path


def _parts(annotation: Any) -> Iterator[Any]:
    """Every type and metadata object inside an annotation, inner ones first."""
    for arg in get_args(annotation):
        yield from _parts(arg)
        yield arg


def _field_rule(info: FieldInfo) -> _FieldRule:
    says: Says | None = None
    nested: type[WireModel] | None = None
    for part in [*_parts(info.annotation), info.annotation, *info.metadata]:
        found = part if isinstance(part, Says) else getattr(part, "says", None)
        if isinstance(found, Says):
            says = found  # the outermost message wins
        if isinstance(part, type) and issubclass(part, WireModel):
            nested = part
    return _FieldRule(says, nested)


class WireModel(BaseModel):
    """A request body or query: strict types, wire names (camelCase) as aliases, frozen.

    The class variables say what "absent" means on the wire for this model: JSON null
    (``null_is_absent``, except the fields in ``keep_null``), an empty string (``blank_is_absent``:
    query parameters), and in upstream mode any falsy value (``falsy_is_absent_upstream``, D3).
    An absent field takes its default.
    """

    model_config = ConfigDict(strict=True, frozen=True, alias_generator=to_camel)

    null_is_absent: ClassVar[bool] = True
    keep_null: ClassVar[frozenset[str]] = frozenset()
    blank_is_absent: ClassVar[frozenset[str]] = frozenset()
    falsy_is_absent_upstream: ClassVar[bool] = False
    #: Filled per subclass: its wire names, and each field's message and nested model.
    wire_names: ClassVar[frozenset[str]] = frozenset()
    field_rules: ClassVar[Mapping[str, _FieldRule]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Index the fields by wire name once, so a request never walks annotations."""
        super().__pydantic_init_subclass__(**kwargs)
        rules = {info.alias or name: _field_rule(info) for name, info in cls.model_fields.items()}
        cls.field_rules = rules
        cls.wire_names = frozenset(rules)

    @classmethod
    def null_means_default(cls) -> frozenset[str]:
        """Wire names of the optional fields for which JSON null is accepted (as "absent")."""
        if not cls.null_is_absent:
            return frozenset()
        optional = {info.alias or name for name, info in cls.model_fields.items()}
        optional -= {
            info.alias or name for name, info in cls.model_fields.items() if info.is_required()
        }
        return frozenset(optional - cls.keep_null)

    @model_validator(mode="before")
    @classmethod
    def _drop_absent(cls, data: Any, info: ValidationInfo) -> Any:
        """Remove the keys that mean "use the default" before the fields are validated."""
        if not isinstance(data, dict):
            return data
        context = info.context or {}
        upstream = cls.falsy_is_absent_upstream and bool(context.get("upstream"))
        return {key: value for key, value in data.items() if not cls._absent(key, value, upstream)}

    @classmethod
    def _absent(cls, key: Any, value: Any, upstream: bool) -> bool:
        if key not in cls.wire_names:
            return False
        if value is None:
            return cls.null_is_absent and key not in cls.keep_null
        if upstream:
            return not value
        return isinstance(value, str) and not value and key in cls.blank_is_absent


M = TypeVar("M", bound=WireModel)
_UPSTREAM = {"upstream": True}


def _message(model: type[WireModel], error: ErrorDetails) -> str:
    """Today's message for one pydantic error: the field's :class:`Says`, by wire name."""
    if error["type"] == WIRE:
        return error["msg"]
    owner: type[WireModel] | None = model
    says: Says | None = None
    name = ""
    for part in error["loc"]:  # down through nested objects: ("metadata", "dinoAssetId")
        if owner is None or not isinstance(part, str) or part not in owner.field_rules:
            break
        rule = owner.field_rules[part]
        says, name, owner = rule.says, part, rule.nested
    if says is None:
        return f"{name or 'body'} is invalid: {error['msg']}"
    return says.text(error["type"], name)


def parse_body(model: type[M], data: Any, *, upstream: bool = False) -> M:
    """Validate a decoded JSON body (see :func:`parse_json_body`) against ``model``.

    Args:
        model: the body's model.
        data: the decoded body (a dict; the faults model also checks that it is one).
        upstream: the server runs in upstream mode (only generate-360-set reads it: D3).

    Raises:
        InvalidRequest: with the message of the first bad field, by wire name.
    """
    try:
        return model.model_validate(data, context=_UPSTREAM if upstream else None)
    except ValidationError as exc:
        raise InvalidRequest(_message(model, exc.errors(include_url=False)[0])) from None


def parse_query(model: type[M], params: Mapping[str, str]) -> M:
    """Validate a query string (Starlette's ``request.query_params``, or any mapping).

    Raises:
        InvalidRequest: with the message of the first bad parameter.
    """
    data = {name: params.get(name) for name in model.wire_names}
    return parse_body(model, {name: value for name, value in data.items() if value is not None})


# -- job bodies ---------------------------------------------------------------------------------


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


class Generate360Input(WireModel):
    """Options of a 360° job; all optional. ``style`` and ``angles`` are stored, never used."""

    falsy_is_absent_upstream = True

    style: Text = "character_production"
    quality_threshold: Annotated[Real, Number(0, 100)] = 75
    image_count: Annotated[int, Whole(1, len(SHOTS))] = len(SHOTS)
    max_retries: Annotated[int, Whole(1, MAX_ATTEMPTS)] = 3
    custom_seed: (
        Annotated[
            int,
            Whole(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
            Says("{field} must be an integer (a safe JavaScript integer)"),
        ]
        | None
    ) = None
    angles: (
        Annotated[
            tuple[str, ...],
            at.MaxLen(MAX_ANGLES),
            BeforeValidator(_strings),
            Says(
                "{field} must be a list of strings",
                too_long=f"{{field}} must have at most {MAX_ANGLES} entries",
            ),
        ]
        | None
    ) = None

    def options(self) -> GenerateOptions:
        """The job's options, defaults applied (``angles``: the first ``imageCount`` defaults)."""
        angles = DEFAULT_ANGLES[: self.image_count] if self.angles is None else self.angles
        return GenerateOptions(
            self.style,
            self.quality_threshold,
            self.image_count,
            self.max_retries,
            self.custom_seed,
            angles,
        )


def _no_type(schema: dict[str, Any]) -> None:
    schema.pop("type", None)


class CoreSetInput(WireModel):
    """Options of the legacy synchronous run. Any body is accepted: invalid JSON counts as ``{}``.

    ``includeAddonShots`` and ``style`` are accepted and ignored.
    """

    # The route answers a body that is not a JSON object as if it were {}: no "type" here.
    model_config = ConfigDict(json_schema_extra=_no_type)

    quality_threshold: Annotated[Real, Number(0, 100)] = 75
    max_retries: Annotated[int, Whole(1, MAX_ATTEMPTS)] = 3
    custom_seed: Annotated[int, Whole(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)] | None = None
    include_addon_shots: Any = None
    style: Any = None

    def options(self) -> dict[str, Any]:
        """The run's options as the engine takes them."""
        return {
            "qualityThreshold": self.quality_threshold,
            "maxRetries": self.max_retries,
            "customSeed": self.custom_seed,
        }


class SeedInput(WireModel):
    """Seeder switches; only ``cleanExisting`` and ``dryRun`` change anything here."""

    clean_existing: Flag = False
    guarantee_all_shots: Flag = True
    validate_templates: Flag = True
    comprehensive_coverage: Flag = True
    dry_run: Flag = False


# -- character bodies ---------------------------------------------------------------------------


class CharacterInput(WireModel):
    """Fields of a character update; all optional (unknown keys are dropped, as Payload does).

    ``name``, when present, must be a non-empty string (null too is refused).
    """

    keep_null = frozenset({"name"})

    # SkipJsonSchema: absent is fine, null is not (refused before the type check).
    name: Annotated[Name | SkipJsonSchema[None], BeforeValidator(_refuse_null)] = None
    character_id: Slug | None = None
    status: Annotated[str, OneOf(CHARACTER_STATUSES)] | None = None
    age: Annotated[Real, Number(0), Says("{field} must be a non-negative number")] | None = None
    height: Text | None = None
    weight: Text | None = None
    eye_color: Text | None = None
    hair_color: Text | None = None
    physical_description: Text | None = None
    personality: Text | None = None
    biography: Text | None = None
    motivations: Text | None = None
    backstory: Text | None = None
    clothing: Text | None = None

    def fields(self) -> dict[str, Any]:
        """The fields sent (by wire name, in field order), for the store."""
        return self.model_dump(by_alias=True, exclude_none=True)


class CharacterCreate(CharacterInput):
    """Fields of a new character: ``name`` is required (it also makes the default characterId)."""

    name: Name  # required here, optional in an update


class ReferenceMetadata(WireModel):
    """Where the image came from. ``source``, ``quality`` and ``description`` are stored upstream
    and ignored here; ``dinoAssetId`` is kept for an image registered by ``imageUrl``."""

    dino_asset_id: Text | None = None


def _one_reference(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [
        {"required": [key], "properties": {key: {"type": "string", "minLength": 1}}}
        for key in ("mediaId", "imageUrl")
    ]


class ReferenceImageInput(WireModel):
    """A master reference: an existing ``mediaId``, or an ``imageUrl`` to register (D24)."""

    model_config = ConfigDict(json_schema_extra=_one_reference)

    media_id: Text | None = None
    image_url: Text | None = None
    metadata: Annotated[ReferenceMetadata, Says("{field} must be an object")] | None = None

    @model_validator(mode="after")
    def _one_of_them(self) -> ReferenceImageInput:
        if not self.media_id and not self.image_url:
            raise wire_error("Either imageUrl or mediaId is required")
        return self

    @property
    def dino_asset_id(self) -> str | None:
        """``metadata.dinoAssetId``, if given."""
        return None if self.metadata is None else self.metadata.dino_asset_id


class InitialImageInput(WireModel):
    """What to draw: ``prompt`` is required; ``style`` is accepted and ignored."""

    prompt: Annotated[
        str,
        NonBlank(),
        Says("{field} must be a string", missing="Prompt is required", blank="Prompt is required"),
    ]
    style: Text | None = None
    width: Annotated[int, Whole(64, 4096)] = 768
    height: Annotated[int, Whole(64, 4096)] = 1024


# -- queries ------------------------------------------------------------------------------------


def _clamp_limit(value: int) -> int:
    return min(value, MAX_LIMIT)


Page = Annotated[
    int,
    at.Ge(1),
    at.Le(MAX_PAGE),
    BeforeValidator(_query_int),
    Says(
        "{field} must be a positive integer",
        less_than_equal=f"{{field}} must be an integer between 1 and {MAX_PAGE}",
    ),
]
Limit = Annotated[
    int,
    at.Ge(1),
    AfterValidator(_clamp_limit),
    BeforeValidator(_query_int),
    Says("{field} must be a positive integer"),
]


class PageQuery(WireModel):
    """``page`` (1 to 10^9) and ``limit`` (at least 1; above 100 it means 100, as upstream)."""

    blank_is_absent = frozenset({"page", "limit"})

    page: Page = Field(1, description="page number, from 1")
    limit: Limit = Field(10, description=f"page size (above {MAX_LIMIT}: {MAX_LIMIT})")


class CharacterListQuery(PageQuery):
    """The query of ``GET /api/v1/characters``."""

    blank_is_absent = frozenset({"page", "limit", "search"})

    search: str | None = Field(None, description="substring of name or characterId")


class JobListQuery(PageQuery):
    """The query of ``GET /api/v1/jobs``; an absent filter matches all, an empty one is a 400."""

    blank_is_absent = frozenset({"page", "limit", "characterId"})

    status: Annotated[str, OneOf(JOB_STATUSES)] | None = Field(None, description="status now")
    job_type: Annotated[str, OneOf(JOB_TYPES)] | None = Field(None, description="job type")
    character_id: str | None = Field(None, description="exact character id")


# -- admin bodies -------------------------------------------------------------------------------

CLOCK_USAGE = 'body must be {"advance": seconds} and/or {"speed": x}'


def _at_least_one(schema: dict[str, Any]) -> None:
    schema["minProperties"] = 1


class ClockInput(WireModel):
    """Advance the server clock by ``advance`` seconds and/or set its ``speed``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_at_least_one)
    null_is_absent = False

    speed: Annotated[Real, Number(0.001, 1_000_000)] | SkipJsonSchema[None] = None
    advance: Annotated[Real, Number(0, MAX_ADVANCE)] | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _usage(cls, data: Any) -> Any:
        """An empty body or an unknown key is a usage error; null is not a number."""
        if isinstance(data, dict):
            if not data or set(data) - cls.wire_names:
                raise wire_error(CLOCK_USAGE)
            for key in cls.model_fields:
                if key in data and data[key] is None:
                    raise wire_error(f"{key} must be a number")
        return data


SCENARIO_NAMES = (*SCENARIOS, "random")
#: ``cassette:NAME``: a loaded cassette's name (whether it is loaded is the engine's to say).
CASSETTE_SCENARIO = rf"^{CASSETTE_PREFIX}[^\x00-\x1f\x7f]{{1,200}}$"


class ScenarioName(at.GroupedMetadata):
    """A scenario name, ``random``, or ``cassette:NAME``."""

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(self._check)
        yield WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "enum": list(SCENARIO_NAMES)},
                    {"type": "string", "pattern": CASSETTE_SCENARIO},
                ]
            }
        )

    @staticmethod
    def _check(value: str) -> str:
        if value not in SCENARIO_NAMES and not re.fullmatch(CASSETTE_SCENARIO, value):
            raise PydanticCustomError("enum", "Input should be one of the listed values")
        return value


class ScenarioInput(WireModel):
    """The default scenario of jobs sent without ``X-Mock-Scenario`` (null: none, i.e. random)."""

    scenario: (
        Annotated[
            str,
            ScenarioName(),
            Says(
                f"{{field}} must be one of {', '.join(SCENARIOS)}, random, "
                f"{CASSETTE_PREFIX}NAME or null"
            ),
        ]
        | None
    ) = None


class CapacityInput(WireModel):
    """How many jobs process at once (null or absent: unchanged)."""

    capacity: Annotated[int, Whole(1, MAX_CAPACITY)] | None = None


class Faults(WireModel):
    """Faults to inject: a ``rate`` of requests under ``path_prefix`` get one of ``kinds``."""

    model_config = ConfigDict(extra="forbid", alias_generator=None)
    null_is_absent = False

    # In the order they are checked.
    kinds: Annotated[
        tuple[str, ...],
        BeforeValidator(_kinds),
        WithJsonSchema(
            {"type": "array", "items": {"type": "string", "enum": list(FAULT_KINDS)}, "minItems": 1}
        ),
        Says(f"{{field}} must be a non-empty list of {', '.join(FAULT_KINDS)}"),
    ] = ("503",)
    path_prefix: Annotated[
        str, Field(pattern="^/"), Says("{field} must be a string starting with /")
    ] = "/api/"
    rate: Annotated[Real, Number(0, 1)] = 1.0
    retry_after: Annotated[Real, Number(0, 86_400)] = 1.0
    latency: Annotated[Real, Number(0, MAX_LATENCY)] = 1.0

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise wire_error("body must be a JSON object")
        unknown = set(data) - cls.wire_names
        if unknown:
            raise wire_error(f"unknown field: {sorted(unknown)[0]}")
        return data

    def config(self) -> FaultConfig:
        """The injector's configuration."""
        return FaultConfig(
            rate=float(self.rate),
            kinds=self.kinds,
            retry_after=float(self.retry_after),
            latency=float(self.latency),
            path_prefix=self.path_prefix,
        )
