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
from mock_server.cassettes import CASSETTE_PREFIX, NAME_PATTERN
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
    {
        "type": "string",
        "anyOf": [
            {"type": "string", "enum": list(SCENARIO_NAMES)},
            # A loaded cassette (mock_server.cassettes); an unknown name is a 400.
            {"type": "string", "pattern": f"^{CASSETTE_PREFIX}{NAME_PATTERN.pattern}$"},
        ],
    },
    "Deterministic outcome for this job, or `cassette:NAME` to replay a recorded job "
    "(mock extension).",
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
    elif not reply.media_type:
        pass  # no body (a 304, a HEAD answer)
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
    operations: Sequence[Operation], *, mode: str = "reference", auth: bool = False
) -> dict[str, Any]:
    """The OpenAPI 3.0.3 description of the operations (build it once per app).

    Args:
        operations: the app's operation table (:data:`mock_server.routes.OPERATIONS`).
        mode: the server's compatibility mode (mentioned in the description).
        auth: whether a bearer token is required (adds the scheme, and a 401 to every operation
            not marked ``public``).

    Raises:
        ValueError: a JSON reply without a shape.
    """
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
