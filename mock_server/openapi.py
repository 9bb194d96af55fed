"""The OpenAPI 3.0.3 document served at ``/openapi.json``, generated from the operation table.

:func:`openapi_document` reads the same :class:`~mock_server.operation.Operation` rows the app
routes, so every served operation is documented and nothing else is. Request schemas come from the
models in :mod:`mock_server.bodies` (the ones that validate), reply schemas from the typed dicts
in :mod:`mock_server.shapes` (the ones the routes build): the document is true by construction.

pydantic writes JSON Schema 2020-12; :class:`OpenAPI30` writes the 3.0 dialect instead (which
the tests' checker and schemathesis read): ``nullable`` rather than a null type, ``enum`` rather
than ``const``, every definition under ``components/schemas``.

Route modules put the shared request headers (:data:`IDEMPOTENCY_KEY`, :data:`JOB_SCENARIO`,
:data:`CORE_SET_SCENARIO`) and links (:data:`CHARACTER_LINKS`, :data:`JOB_LINKS`) in their rows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from mock_server.bodies import SCENARIO_NAMES, WireModel
from mock_server.operation import ADMIN_TAG, API_TAG, HeaderParam, Operation, Reply
from mock_server.shapes import Error

__all__ = [
    "CHARACTER_LINKS",
    "CORE_SET_SCENARIO",
    "IDEMPOTENCY_KEY",
    "JOB_LINKS",
    "JOB_SCENARIO",
    "OpenAPI30",
    "openapi_document",
]

REF_TEMPLATE = "#/components/schemas/{model}"
JSON = "application/json"
API_VERSION = "2.0.0"  # the live service's version (routes.service.SERVICE_VERSION)

IDEMPOTENCY_KEY = HeaderParam(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    "Same key and body: the same response (no second job); another body: 409.",
)
JOB_SCENARIO = HeaderParam(
    "X-Mock-Scenario",
    {"type": "string", "enum": list(SCENARIO_NAMES)},
    "Deterministic outcome for this job (mock extension).",
)
CORE_SET_SCENARIO = HeaderParam(
    "X-Mock-Scenario",
    # "fail" is accepted too, but answers the contract's 500 "Core set generation failed".
    {"type": "string", "enum": [name for name in SCENARIO_NAMES if name != "fail"]},
    "Deterministic outcome of the run (mock extension).",
)

_CHARACTER_ID = {"id": "$response.body#/id"}
CHARACTER_LINKS: Mapping[str, Any] = {
    "GetCharacter": {"operationId": "getCharacter", "parameters": _CHARACTER_ID},
    "GenerateInitialImage": {"operationId": "generateInitialImage", "parameters": _CHARACTER_ID},
    "Generate360Set": {"operationId": "generate360Set", "parameters": _CHARACTER_ID},
}
_JOB_ID = {"jobId": "$response.body#/jobId"}
JOB_LINKS: Mapping[str, Any] = {
    "GetJobStatus": {"operationId": "getJobStatus", "parameters": _JOB_ID},
    "CancelJob": {"operationId": "cancelJob", "parameters": _JOB_ID},
}


def _nullable(schema: JsonSchemaValue) -> JsonSchemaValue:
    """``schema`` or null, in 3.0 words (a ``$ref`` takes no siblings there: wrap it)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    out = {**schema, "nullable": True}
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]  # 3.0: an enum must list null for null to be valid
    return out


#: Keywords that restrict a value's type; a schema with none of them (``{}``) admits null already.
_CONSTRAINED = frozenset({"type", "$ref", "allOf", "anyOf", "oneOf", "enum", "not"})


class OpenAPI30(GenerateJsonSchema):
    """pydantic's schema generator, writing the OpenAPI 3.0 dialect of JSON Schema.

    Also: no titles (component names say it), and the optional fields of a body model for which
    JSON null means "absent" are marked nullable (:meth:`WireModel.null_means_default`).
    """

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        """``nullable: true`` rather than ``anyOf: [..., {"type": "null"}]``."""
        return _nullable(self.generate_inner(schema["schema"]))

    def literal_schema(self, schema: core_schema.LiteralSchema) -> JsonSchemaValue:
        """``enum: [value]`` rather than ``const`` (which 3.0 does not have)."""
        out = super().literal_schema(schema)
        if "const" in out:
            out["enum"] = [out.pop("const")]
        return out

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        """No ``default: null`` on a field that refuses null (absent is what None stands for)."""
        out = super().default_schema(schema)
        if out.get("default", ...) is None and "type" in out and not out.get("nullable"):
            del out["default"]
        return out

    def field_title_should_be_set(self, schema: Any) -> bool:
        """Property titles would only repeat the property names."""
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        """A body model's schema, its null-means-absent fields marked nullable."""
        out = super().model_schema(schema)
        out.pop("title", None)
        cls = schema["cls"]
        properties = out.get("properties", {})
        if issubclass(cls, WireModel):
            for name in cls.null_means_default():
                if name in properties and _CONSTRAINED & set(properties[name]):
                    properties[name] = _nullable(properties[name])
        return out

    def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
        """A reply shape's schema, without its title."""
        out = super().typed_dict_schema(schema)
        out.pop("title", None)
        return out


def _schemas(types: Iterable[type[Any]]) -> tuple[dict[type[Any], Any], dict[str, Any]]:
    """The schema (a ``$ref``) of each type, and the components they refer to."""
    unique = list(dict.fromkeys(types))
    mode: JsonSchemaMode = "validation"
    inputs = [(index, mode, TypeAdapter(t)) for index, t in enumerate(unique)]
    refs, definitions = TypeAdapter.json_schemas(
        inputs, ref_template=REF_TEMPLATE, schema_generator=OpenAPI30
    )
    components = definitions.get("$defs", {})
    by_type = {unique[index]: schema for (index, _), schema in refs.items()}
    return by_type, dict(sorted(components.items()))


def _referenced(operations: Sequence[Operation]) -> list[type[Any]]:
    """Every body model and reply shape the operations name, the error shape included."""
    types: list[type[Any]] = [Error]
    for op in operations:
        if op.body is not None:
            types.append(op.body)
        types.append(op.default or Error)
        types.extend(reply.shape for reply in op.replies.values() if reply.shape is not None)
    return types


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)(?::\w+)?\}", path)
    ]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is text or absent: null does not exist there."""
    out = {key: value for key, value in schema.items() if key != "nullable"}
    if "default" in out and out["default"] is None:
        del out["default"]
    if "enum" in out:
        out["enum"] = [value for value in out["enum"] if value is not None]
    return out


def _query_parameters(model: type[Any]) -> list[dict[str, Any]]:
    """One parameter per field of a query model (its description moves to the parameter)."""
    schema = TypeAdapter(model).json_schema(ref_template=REF_TEMPLATE, schema_generator=OpenAPI30)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = _not_null(field)
        parameter = {"name": name, "in": "query", "required": name in required}
        description = field.pop("description", None)
        parameter["schema"] = field
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _header_parameter(header: HeaderParam) -> dict[str, Any]:
    return {
        "name": header.name,
        "in": "header",
        "required": False,
        "schema": dict(header.schema),
        "description": header.description,
    }


def _json(schema: Any, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _reply(op: Operation, status: int, reply: Reply, refs: Mapping[type[Any], Any]) -> Any:
    """One documented response: its body schema, headers and links."""
    out: dict[str, Any] = {"description": reply.description}
    if reply.shape is not None:
        out["content"] = {reply.media_type: {"schema": refs[reply.shape]}}
    elif reply.media_type != JSON:
        out["content"] = {reply.media_type: {"schema": {"type": "string", "format": "binary"}}}
    else:
        raise ValueError(f"{op.method} {op.path} {status}: a JSON reply needs a shape")
    if reply.headers:
        out["headers"] = {name: {"schema": {"type": "string"}} for name in reply.headers}
    if reply.links:
        out["links"] = copy.deepcopy(dict(reply.links))
    return out


def _operation(op: Operation, refs: Mapping[type[Any], Any], auth: bool) -> dict[str, Any]:
    """The operation object of one row."""
    out: dict[str, Any] = {"summary": op.summary, "tags": [op.tag]}
    if op.operation_id is not None:
        out["operationId"] = op.operation_id
    parameters = _path_parameters(op.path)
    if op.query is not None:
        parameters += _query_parameters(op.query)
    parameters += [_header_parameter(header) for header in op.headers]
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {JSON: {"schema": refs[op.body]}},
        }
    responses = {str(status): _reply(op, status, r, refs) for status, r in op.replies.items()}
    # Faults (429/500/503) and other failures share the generic shape.
    responses["default"] = _json(refs[op.default or Error], "Error (see the error field)")
    if auth and not op.public:
        responses["401"] = _json(refs[Error], "Missing or wrong API key")
        out["security"] = [{"bearer": []}]
    out["responses"] = responses
    return out


def openapi_document(
    operations: Sequence[Operation] | None = None, *, mode: str = "reference", auth: bool = False
) -> dict[str, Any]:
    """The OpenAPI 3.0.3 description of the operations (build it once per app).

    Args:
        operations: the app's operation table; None serves the hand-written document the app
            used before its routes came as a table (kept only until they do).
        mode: the server's compatibility mode (mentioned in the description).
        auth: whether a bearer token is required (adds the scheme, and a 401 to every operation
            not marked ``public``).

    Raises:
        ValueError: a JSON reply without a shape.
    """
    if operations is None:
        return _legacy_document(mode=mode, auth=auth)
    refs, components = _schemas(_referenced(operations))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", op.path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs, auth)
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Character Library (charlib mock server)",
            "version": API_VERSION,
            "description": f"Reference mock of the async 360° job API; mode: {mode}.",
        },
        "tags": [
            {"name": API_TAG, "description": "The Character Library API"},
            {"name": ADMIN_TAG, "description": "Mock controls (never affected by faults)"},
        ],
        "paths": paths,
        "components": {"schemas": components},
    }
    if auth:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return document


# ------------------------------------------------------------------------------------------------
# The hand-written document, served while the app's routes are not yet a table of Operation rows
# (``openapi_document()`` without operations). Delete this section once they are.
# ------------------------------------------------------------------------------------------------

_REF = "#/components/schemas/"


def _loose(props: dict[str, Any]) -> dict[str, Any]:
    """Any JSON: the legacy core-set route treats a non-object or invalid body as ``{}``."""
    return {"properties": props}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": _REF + name}


def _ljson(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(
    props: dict[str, Any], required: tuple[str, ...] = (), *, nullable: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    if nullable:
        schema["nullable"] = True
    return schema


_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_BINARY = {"type": "string", "format": "binary"}
_TIME = {"type": "string", "format": "date-time"}
_JOB_STATUS = {
    "type": "string",
    "enum": ["pending", "processing", "completed", "failed", "cancelled"],
}
_JOB_TYPE = {"type": "string", "enum": ["core-set", "360-set", "single-image"]}
_NONBLANK = {"type": "string", "pattern": "\\S"}
_SAFE_INT = {"type": "integer", "minimum": -(2**53 - 1), "maximum": 2**53 - 1}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    """Input fields accept JSON null as "absent" (documented); say so in the schema."""
    out = {**schema, "nullable": True}
    if "enum" in out:  # OpenAPI 3.0.3: an enum must list null for null to be valid
        out["enum"] = [*out["enum"], None]
    return out


_CHARACTER_FIELDS: dict[str, Any] = {
    "name": _NONBLANK,
    "characterId": _null(_NONBLANK),
    "status": _null(
        {
            "type": "string",
            "enum": ["draft", "in_development", "ready", "in_production", "archived"],
        }
    ),
    "age": _null({"type": "number", "minimum": 0}),
    **{
        key: _null(_STR)
        for key in (
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
    },
}

_SCHEMAS: dict[str, Any] = {
    "Error": _obj({"success": _BOOL, "error": {}, "message": _STR, "details": {}}),
    "JobError": _obj({"success": _BOOL, "status": _STR, "error": _STR}, ("success", "error")),
    "Health": _obj(
        {
            "status": _STR,
            "service": _STR,
            "version": _STR,
            "timestamp": _TIME,
            "uptime": _NUM,
            "environment": _STR,
            "mode": {"type": "string", "enum": ["reference", "upstream"]},
            "mockVersion": _STR,
            "clock": _obj({"kind": _STR, "speed": _NUM}),
        },
        ("status", "service", "version", "timestamp", "mode"),
    ),
    "Media": _obj(
        {
            "id": _STR,
            "filename": _STR,
            "mimeType": _STR,
            "alt": _STR,
            "width": _INT,
            "height": _INT,
            "url": _STR,
            "dinoAssetId": _STR,
            "dinoMediaUrl": _STR,
            "dinoProcessingStatus": {
                "type": "string",
                "enum": [
                    "pending",
                    "processing",
                    "validation_failed",
                    "validation_success",
                    "error",
                ],
            },
            "createdAt": _TIME,
            "updatedAt": _TIME,
        },
        ("id", "url"),
        nullable=True,
    ),
    "CharacterInput": _obj(_CHARACTER_FIELDS),
    "CharacterCreate": _obj(_CHARACTER_FIELDS, ("name",)),
    "Character": _obj(
        {
            "id": _STR,
            "name": _STR,
            "characterId": _STR,
            "status": _STR,
            "masterReferenceImage": _ref("Media"),
            "masterReferenceProcessed": _BOOL,
            "coreSetGenerated": _BOOL,
            "coreSetGeneratedAt": {**_TIME, "nullable": True},
            "imageGallery": {"type": "array", "items": {"type": "object"}},
            "createdAt": _TIME,
            "updatedAt": _TIME,
        },
        ("id", "name", "characterId", "createdAt", "updatedAt"),
    ),
    "CharacterPage": _obj(
        {
            "docs": {"type": "array", "items": _ref("Character")},
            "totalDocs": _INT,
            "limit": _INT,
            "page": _INT,
            "totalPages": _INT,
            "pagingCounter": _INT,
            "hasPrevPage": _BOOL,
            "hasNextPage": _BOOL,
            "prevPage": {"type": "integer", "nullable": True},
            "nextPage": {"type": "integer", "nullable": True},
        },
        ("docs", "totalDocs", "limit", "page", "totalPages", "hasPrevPage", "hasNextPage"),
    ),
    "ReferenceImageInput": {
        **_obj(
            {
                "mediaId": _null(_STR),
                "imageUrl": _null(_STR),
                "metadata": _null(
                    {
                        "type": "object",
                        "description": "source, quality, description: stored upstream, ignored "
                        "here; dinoAssetId: used for an imageUrl reference",
                        "properties": {"dinoAssetId": _null(_STR)},
                    }
                ),
            }
        ),
        "anyOf": [
            {
                "required": ["mediaId"],
                "properties": {"mediaId": {"type": "string", "minLength": 1}},
            },
            {
                "required": ["imageUrl"],
                "properties": {"imageUrl": {"type": "string", "minLength": 1}},
            },
        ],
    },
    "ReferenceImage": _obj(
        {
            "success": _BOOL,
            "updated": _BOOL,
            "mediaId": _STR,
            "imageUrl": _STR,
            "message": _STR,
            "resetFields": {"type": "array", "items": _STR},
            "error": _STR,
        },
        ("success", "updated"),
    ),
    "InitialImageInput": _obj(
        {
            "prompt": _NONBLANK,
            "style": _null(_STR),
            "width": _null({"type": "integer", "minimum": 64, "maximum": 4096}),
            "height": _null({"type": "integer", "minimum": 64, "maximum": 4096}),
        },
        ("prompt",),
    ),
    "InitialImage": _obj(
        {
            "success": _BOOL,
            "message": _STR,
            "data": _obj(
                {
                    "characterId": _STR,
                    "characterName": _STR,
                    "imageId": _STR,
                    "dinoAssetId": _STR,
                    "publicUrl": _STR,
                    "qualityScore": _NUM,
                    "validationNotes": _STR,
                },
                ("characterId", "imageId", "dinoAssetId", "publicUrl"),
            ),
        },
        ("success", "data"),
    ),
    "Generate360Input": _obj(
        {
            "style": _null(_STR),
            "qualityThreshold": _null({"type": "number", "minimum": 0, "maximum": 100}),
            "imageCount": _null({"type": "integer", "minimum": 1, "maximum": 27}),
            "maxRetries": _null({"type": "integer", "minimum": 1, "maximum": 10}),
            "customSeed": _null(_SAFE_INT),
            "angles": _null({"type": "array", "items": _STR, "maxItems": 100}),
        }
    ),
    "Accepted": _obj(
        {
            "success": _BOOL,
            "jobId": _STR,
            "status": {"type": "string", "enum": ["accepted"]},
            "message": _STR,
            "estimatedCompletionTime": _TIME,
            "pollUrl": _STR,
        },
        ("success", "jobId", "status", "message", "pollUrl"),
    ),
    "Progress": _obj(
        {
            "current": _INT,
            "total": _INT,
            "percentage": {"type": "integer", "minimum": 0, "maximum": 100},
            "currentTask": _STR,
        },
        ("current", "total", "percentage"),
    ),
    "GeneratedImage": _obj(
        {
            "url": _STR,
            "angle": _STR,
            "quality": _NUM,
            "dinoAssetId": _STR,
            "mediaId": _STR,
            "shotSlug": _STR,
            "isValid": _BOOL,
        },
        ("url", "angle", "quality", "mediaId"),
    ),
    "FailedImage": _obj(
        {"angle": _STR, "error": _STR, "attempts": _INT}, ("angle", "error", "attempts")
    ),
    "Results": _obj(
        {
            "success": _BOOL,
            "generatedImages": {"type": "array", "items": _ref("GeneratedImage")},
            "failedImages": {"type": "array", "items": _ref("FailedImage")},
            "totalAttempts": _INT,
            "processingTime": _INT,
        },
        ("generatedImages", "failedImages", "totalAttempts", "processingTime"),
    ),
    "JobStatus": _obj(
        {
            "success": _BOOL,
            "jobId": _STR,
            "status": _JOB_STATUS,
            "progress": _ref("Progress"),
            "startedAt": _TIME,
            "completedAt": _TIME,
            "estimatedCompletionAt": _TIME,
            "results": _ref("Results"),
            "message": _STR,
            "error": _STR,
            "characterId": _STR,
        },
        ("success", "jobId", "status", "progress"),
    ),
    "Cancel": _obj({"success": _BOOL, "message": _STR, "error": _STR}, ("success", "message")),
    "JobListItem": _obj(
        {
            "jobId": _STR,
            "characterId": _STR,
            "jobType": _JOB_TYPE,
            "status": _JOB_STATUS,
            "progress": _ref("Progress"),
            "createdAt": _TIME,
            "startedAt": _TIME,
            "completedAt": _TIME,
            "estimatedCompletionAt": _TIME,
        },
        ("jobId", "characterId", "jobType", "status", "progress", "createdAt"),
    ),
    "JobList": _obj(
        {
            "success": _BOOL,
            "jobs": {"type": "array", "items": _ref("JobListItem")},
            "pagination": _obj(
                {
                    "totalDocs": _INT,
                    "limit": _INT,
                    "page": _INT,
                    "totalPages": _INT,
                    "hasNextPage": _BOOL,
                    "hasPrevPage": _BOOL,
                },
                ("totalDocs", "limit", "page", "totalPages", "hasNextPage", "hasPrevPage"),
            ),
            "error": _STR,
        },
        ("success", "jobs", "pagination"),
    ),
    "CoreSetInput": _loose(
        {
            "customSeed": _null(_SAFE_INT),
            "qualityThreshold": _null({"type": "number", "minimum": 0, "maximum": 100}),
            "maxRetries": _null({"type": "integer", "minimum": 1, "maximum": 10}),
            "includeAddonShots": {},
            "style": {},
        }
    ),
    "CoreSet": _obj(
        {
            "success": _BOOL,
            "message": _STR,
            "data": _obj(
                {
                    "characterId": _STR,
                    "characterName": _STR,
                    "generatedImages": {"type": "array", "items": {"type": "object"}},
                    "failedImages": {"type": "array", "items": {"type": "object"}},
                    "totalAttempts": _INT,
                    "coreSetImages": {"type": "array", "items": {"type": "object"}},
                    "summary": _obj(
                        {
                            "totalGenerated": _INT,
                            "validImages": _INT,
                            "averageQuality": _NUM,
                            "averageConsistency": _NUM,
                        }
                    ),
                }
            ),
        },
        ("success", "data"),
    ),
    "SeedInput": _obj(
        {
            key: _null(_BOOL)
            for key in (
                "cleanExisting",
                "guaranteeAllShots",
                "validateTemplates",
                "comprehensiveCoverage",
                "dryRun",
            )
        }
    ),
    "SeedResult": _obj(
        {
            "success": _BOOL,
            "message": _STR,
            "results": _obj(
                {
                    "essential": _INT,
                    "comprehensive": _INT,
                    "failed": _INT,
                    "total": _INT,
                    "errors": {"type": "array", "items": {}},
                },
                ("essential", "comprehensive", "failed", "total", "errors"),
            ),
            "validationResults": {"type": "object"},
            "timing": _obj({"startTime": _TIME, "endTime": _TIME, "durationMs": _INT}),
        },
        ("success", "message", "results", "timing"),
    ),
    "Clock": _obj(
        {
            "now": _TIME,
            "nowMs": _INT,
            "speed": _NUM,
            "mode": {"type": "string", "enum": ["system", "scaled", "manual"]},
        },
        ("now", "speed", "mode"),
    ),
    "ClockInput": {
        **_obj(
            {
                "advance": {"type": "number", "minimum": 0, "maximum": 10 * 365 * 86_400},
                "speed": {"type": "number", "minimum": 0.001, "maximum": 1_000_000},
            }
        ),
        "minProperties": 1,
        "additionalProperties": False,
    },
    "ScenarioInput": _obj(
        {
            "scenario": _null(
                {"type": "string", "enum": ["success", "partial", "fail", "slow", "random"]}
            )
        }
    ),
    "CapacityInput": _obj(
        {"capacity": _null({"type": "integer", "minimum": 1, "maximum": 10_000})}
    ),
    "Faults": {
        "additionalProperties": False,
        **_obj(
            {
                "rate": {"type": "number", "minimum": 0, "maximum": 1},
                "kinds": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": ["429", "503", "500", "reset", "malformed", "latency"],
                    },
                    "minItems": 1,
                },
                "retry_after": {"type": "number", "minimum": 0, "maximum": 86_400},
                "latency": {"type": "number", "minimum": 0, "maximum": 30},
                "path_prefix": {"type": "string", "pattern": "^/"},
            }
        ),
    },
    "FaultsState": _obj({"success": _BOOL, "faults": {"type": "object", "nullable": True}}),
    "Requests": _obj(
        {
            "requests": {
                "type": "array",
                "items": _obj(
                    {"method": _STR, "path": _STR, "status": _INT, "time": _TIME, "fault": _STR},
                    ("method", "path", "status", "time"),
                ),
            }
        },
        ("requests",),
    ),
    "Stats": {"type": "object"},
    "Ok": _obj({"success": _BOOL}, ("success",)),
}


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    tag: str,
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    headers: list[dict[str, Any]] | None = None,
    error: str = "Error",
    body_required: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    # Faults (429/500/503), auth (401) and other failures share one generic shape.
    op["responses"].setdefault("default", _ljson(_ref(error), "Error (see the error field)"))
    parameters = [*(params or []), *(headers or [])]
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000_000}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Same key and body: the same response (no second job); another body: 409.",
}
_CORE_SCENARIO = {
    "name": "X-Mock-Scenario",
    "in": "header",
    "required": False,
    # "fail" is accepted too, and answers the contract's 500 "Core set generation failed".
    "schema": {"type": "string", "enum": ["success", "partial", "slow", "random"]},
    "description": "Deterministic outcome of the run (mock extension).",
}
_SCENARIO = {
    "name": "X-Mock-Scenario",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "enum": ["success", "partial", "fail", "slow", "random"]},
    "description": "Deterministic outcome for this job (mock extension).",
}


_CHARACTER_ID = {"id": "$response.body#/id"}
_CHARACTER_LINKS = {
    "GetCharacter": {"operationId": "getCharacter", "parameters": _CHARACTER_ID},
    "GenerateInitialImage": {"operationId": "generateInitialImage", "parameters": _CHARACTER_ID},
    "Generate360Set": {"operationId": "generate360Set", "parameters": _CHARACTER_ID},
}
_JOB_ID = {"jobId": "$response.body#/jobId"}
_JOB_LINKS = {
    "GetJobStatus": {"operationId": "getJobStatus", "parameters": _JOB_ID},
    "CancelJob": {"operationId": "cancelJob", "parameters": _JOB_ID},
}
_OPERATION_IDS = {
    ("/api/v1/characters/{id}", "get"): "getCharacter",
    ("/api/v1/characters/{id}/generate-initial-image", "post"): "generateInitialImage",
    ("/api/v1/characters/{id}/generate-360-set", "post"): "generate360Set",
    ("/api/v1/jobs/{jobId}/status", "get"): "getJobStatus",
    ("/api/v1/jobs/{jobId}/status", "delete"): "cancelJob",
}


_LEGACY_CID = [_path_param("id")]
_LEGACY_JID = [_path_param("jobId")]
_LEGACY_PATHS: dict[str, Any] = {
    "/api/health": {
        "get": _op("Liveness", {"200": _ljson(_ref("Health"), "Healthy")}, tag=API_TAG)
    },
    "/api/v1/characters": {
        "get": _op(
            "List characters (newest first)",
            {
                "200": _ljson(_ref("CharacterPage"), "A page of characters"),
                "400": _ljson(_ref("Error"), "Bad page or limit"),
            },
            tag=API_TAG,
            params=[
                _query("search", _STR, "substring of name or characterId"),
                _query("page", _PAGE, "page number"),
                _query("limit", {"type": "integer", "minimum": 1}, "size (above 100: 100)"),
            ],
        ),
        "post": _op(
            "Create a character",
            {
                "201": {**_ljson(_ref("Character"), "Created"), "links": _CHARACTER_LINKS},
                "400": _ljson(_ref("Error"), "Invalid field"),
                "409": _ljson(_ref("Error"), "Duplicate characterId or idempotency key"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            body="CharacterCreate",
            headers=[_IDEMPOTENCY],
            body_required=True,
        ),
    },
    "/api/v1/characters/{id}": {
        "get": _op(
            "Fetch a character",
            {
                "200": _ljson(_ref("Character"), "The character"),
                "404": _ljson(_ref("Error"), "Unknown character"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
        ),
        "patch": _op(
            "Update a character",
            {
                "200": _ljson(_ref("Character"), "Updated"),
                "400": _ljson(_ref("Error"), "Invalid field"),
                "404": _ljson(_ref("Error"), "Unknown character"),
                "409": _ljson(_ref("Error"), "Duplicate characterId"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
            body="CharacterInput",
        ),
        "delete": _op(
            "Delete a character",
            {
                "200": _ljson(_ref("Ok"), "Deleted"),
                "404": _ljson(_ref("Error"), "Unknown character"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
        ),
    },
    "/api/v1/characters/{id}/reference-image": {
        "put": _op(
            "Set the master reference (mediaId, or imageUrl to register an external image)",
            {
                "200": _ljson(_ref("ReferenceImage"), "Set"),
                "400": _ljson(_ref("ReferenceImage"), "Neither mediaId nor imageUrl"),
                "404": _ljson(_ref("ReferenceImage"), "Unknown character or media"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
            body="ReferenceImageInput",
            body_required=True,
        ),
        "get": _op(
            "Read the master reference",
            {
                "200": _ljson(_ref("ReferenceImage"), "The reference (if any)"),
                "404": _ljson(_ref("ReferenceImage"), "Unknown character"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
        ),
        "delete": _op(
            "Reset the master reference and everything derived from it",
            {
                "200": _ljson(_ref("ReferenceImage"), "Reset"),
                "404": _ljson(_ref("ReferenceImage"), "Unknown character"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
        ),
    },
    "/api/v1/characters/{id}/generate-initial-image": {
        "post": _op(
            "Generate a master reference image (with a dinoAssetId)",
            {
                "200": _ljson(_ref("InitialImage"), "Generated and attached"),
                "400": _ljson(_ref("Error"), "No prompt, or a reference exists already"),
                "404": _ljson(_ref("Error"), "Unknown character"),
                "409": _ljson(_ref("Error"), "Idempotency key reused with another body"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
            body="InitialImageInput",
            headers=[_IDEMPOTENCY],
            body_required=True,
        ),
    },
    "/api/v1/characters/{id}/generate-360-set": {
        "post": _op(
            "Start a 360° generation job",
            {
                "202": {
                    **_ljson(_ref("Accepted"), "Accepted; poll pollUrl"),
                    "headers": {"Location": {"schema": _STR}},
                    "links": _JOB_LINKS,
                },
                "400": _ljson(_ref("JobError"), "Invalid body or no master reference"),
                "404": _ljson(_ref("JobError"), "Unknown character"),
                "409": _ljson(_ref("Error"), "Idempotency key reused with another body"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
            body="Generate360Input",
            headers=[_IDEMPOTENCY, _SCENARIO],
            error="Error",
        ),
    },
    "/api/v1/characters/{id}/generate-core-set": {
        "post": _op(
            "Legacy synchronous 27-shot generation (blocks for the run on the server clock)",
            {
                "200": _ljson(_ref("CoreSet"), "Generated"),
                "400": _ljson(_ref("Error"), "Precondition or field invalid"),
                "404": _ljson(_ref("Error"), "Unknown character"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            params=_LEGACY_CID,
            body="CoreSetInput",
            headers=[_CORE_SCENARIO],
        ),
    },
    "/api/v1/jobs": {
        "get": _op(
            "List jobs (newest first)",
            {
                "200": _ljson(_ref("JobList"), "A page of jobs"),
                "400": _ljson(_ref("JobList"), "Bad filter or page parameters"),
            },
            tag=API_TAG,
            params=[
                _query("characterId", _STR, "exact character id"),
                _query("status", _JOB_STATUS, "status now"),
                _query("jobType", _JOB_TYPE, "job type"),
                _query("page", _PAGE, "page (default 1)"),
                _query("limit", {"type": "integer", "minimum": 1}, "size (default 10, max 100)"),
            ],
        ),
    },
    "/api/v1/jobs/{jobId}/status": {
        "get": _op(
            "Poll a job",
            {
                "200": _ljson(_ref("JobStatus"), "The job now"),
                "404": _ljson(_ref("JobStatus"), "Unknown job (status says failed: D12)"),
            },
            tag=API_TAG,
            params=_LEGACY_JID,
        ),
        "delete": _op(
            "Cancel a job",
            {
                "200": _ljson(_ref("Cancel"), "Cancelled"),
                "400": _ljson(_ref("Cancel"), "Already final"),
                "404": _ljson(_ref("Cancel"), "Unknown job"),
            },
            tag=API_TAG,
            params=_LEGACY_JID,
        ),
    },
    "/api/v1/admin/seed-reference-shots-enhanced": {
        "post": _op(
            "Seed the 27 reference shots (built in; idempotent, honours dryRun)",
            {
                "200": _ljson(_ref("SeedResult"), "Seeded"),
                "400": _ljson(_ref("Error"), "Invalid field"),
                "413": _ljson(_ref("Error"), "Body too large"),
            },
            tag=API_TAG,
            body="SeedInput",
        ),
    },
    "/media/{path}": {
        "get": {
            "summary": "A generated placeholder image (PNG)",
            "tags": [API_TAG],
            "parameters": [_path_param("path")],
            "responses": {
                "200": {
                    "description": "PNG bytes",
                    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                },
                "404": _ljson(_ref("Error"), "Unknown media"),
            },
        }
    },
    "/_mock/reset": {
        "post": _op(
            "Forget all data, faults and journal",
            {"200": _ljson(_ref("Ok"), "Done")},
            tag=ADMIN_TAG,
        ),
    },
    "/_mock/clock": {
        "get": _op("Read the server clock", {"200": _ljson(_ref("Clock"), "Now")}, tag=ADMIN_TAG),
        "post": _op(
            "Advance the clock and/or change its speed",
            {
                "200": _ljson(_ref("Clock"), "Now"),
                "400": _ljson(_ref("Error"), "Invalid (e.g. speed on a manual clock)"),
            },
            tag=ADMIN_TAG,
            body="ClockInput",
        ),
    },
    "/_mock/faults": {
        "get": _op("Current faults", {"200": _ljson(_ref("FaultsState"), "Faults")}, tag=ADMIN_TAG),
        "post": _op(
            "Inject faults",
            {
                "200": _ljson(_ref("FaultsState"), "Set"),
                "400": _ljson(_ref("Error"), "Invalid"),
            },
            tag=ADMIN_TAG,
            body="Faults",
        ),
        "delete": _op("Stop faults", {"200": _ljson(_ref("FaultsState"), "Off")}, tag=ADMIN_TAG),
    },
    "/_mock/requests": {
        "get": _op("Request journal", {"200": _ljson(_ref("Requests"), "Journal")}, tag=ADMIN_TAG)
    },
    "/_mock/stats": {
        "get": _op(
            "Job and request statistics", {"200": _ljson(_ref("Stats"), "Stats")}, tag=ADMIN_TAG
        ),
    },
    "/_mock/scenario": {
        "post": _op(
            "Default scenario for jobs without X-Mock-Scenario",
            {"200": _ljson(_ref("Ok"), "Set"), "400": _ljson(_ref("Error"), "Unknown")},
            tag=ADMIN_TAG,
            body="ScenarioInput",
        )
    },
    "/_mock/capacity": {
        "post": _op(
            "Jobs processing at once",
            {"200": _ljson(_ref("Ok"), "Set"), "400": _ljson(_ref("Error"), "Invalid")},
            tag=ADMIN_TAG,
            body="CapacityInput",
        )
    },
}
for (_path, _method), _operation_id in _OPERATION_IDS.items():
    _LEGACY_PATHS[_path][_method]["operationId"] = _operation_id


def _legacy_document(*, mode: str, auth: bool) -> dict[str, Any]:
    """The hand-written document (see the section's comment)."""
    paths = copy.deepcopy(_LEGACY_PATHS)
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Character Library (charlib mock server)",
            "version": "2.0.0",
            "description": f"Reference mock of the async 360° job API; mode: {mode}.",
        },
        "tags": [
            {"name": API_TAG, "description": "The Character Library API"},
            {"name": ADMIN_TAG, "description": "Mock controls (never affected by faults)"},
        ],
        "paths": paths,
        "components": {"schemas": copy.deepcopy(_SCHEMAS)},
    }
    if auth:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        for path, ops in paths.items():
            if path in ("/api/health",) or path.startswith("/media"):
                continue
            for op in ops.values():
                op["security"] = [{"bearer": []}]
                op["responses"]["401"] = _ljson(_ref("Error"), "Missing or wrong API key")
    return document
