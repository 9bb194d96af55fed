"""The generated ``/openapi.json``: the hand-written document's operations, from models and shapes.

``openapi_legacy.json`` is the hand-written document as the mock served it (with auth) before it
was generated; the app's own table (``mock_server.routes.OPERATIONS``) must still describe the
same operations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.requests import Request
from starlette.responses import Response

from mock_server import bodies, shapes
from mock_server.engine import MODES
from mock_server.openapi import openapi_document
from mock_server.operation import Operation, Reply
from mock_server.routes import OPERATIONS as ROWS

HERE = Path(__file__).parent
LEGACY: dict[str, Any] = json.loads((HERE / "openapi_legacy.json").read_text(encoding="utf-8"))
EXAMPLES = HERE.parent / "fixtures" / "contract"  # the contract's golden bodies


def _operations(document: dict[str, Any], auth: bool) -> dict[tuple[str, str], Any]:
    """What a client relies on, per operation: ids, statuses, parameters, body, security."""
    out = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            statuses = {s for s in op["responses"] if s != "default"}
            if not auth:
                statuses.discard("401")
            body = op.get("requestBody")
            out[(path, method)] = {
                "operationId": op.get("operationId"),
                "tags": op["tags"],
                "statuses": sorted(statuses),
                "parameters": sorted((p["in"], p["name"]) for p in op.get("parameters", ())),
                "body": None if body is None else body["required"],
                "security": auth and "security" in op,
            }
    return out


# Added since the hand-written document (issue 11: media served as an object store would).
MEDIA = "/media/{path}"
LATER_MEDIA_STATUSES = ("304", "403")
LATER_FAULT_KINDS = ("expired", "truncated")


def _as_before(operations: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    """The operations without the later additions: HEAD on media, media's 304 and 403."""
    before = dict(operations)
    head = before.pop((MEDIA, "head"))
    get = before[(MEDIA, "get")] = dict(before[(MEDIA, "get")])
    assert {**head, "operationId": None} == {**get, "operationId": None}  # HEAD mirrors GET
    get["statuses"] = [s for s in get["statuses"] if s not in LATER_MEDIA_STATUSES]
    return before


@pytest.mark.parametrize("auth", [False, True])
def test_same_operations_as_the_hand_written_document(auth: bool) -> None:
    """Same paths, methods, status codes, operationIds, parameters, body required-ness, security
    (besides the later media additions)."""
    generated = openapi_document(ROWS, auth=auth)
    assert _as_before(_operations(generated, auth)) == _operations(LEGACY, auth)
    assert ("securitySchemes" in generated["components"]) is auth
    for methods in generated["paths"].values():
        for op in methods.values():
            assert "default" in op["responses"]


def test_every_hand_written_component_is_still_there() -> None:
    """Every component name of the hand-written document names a generated component."""
    generated = openapi_document(ROWS)["components"]["schemas"]
    assert set(LEGACY["components"]["schemas"]) <= set(generated)


def _facts(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """What a request property allows, as a comparable summary (a $ref followed)."""
    if "allOf" in schema:
        (schema,) = schema["allOf"]
        schema = {**schema, "nullable": True}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**document["components"]["schemas"][name], "nullable": schema.get("nullable")}
    keys = ("type", "minimum", "maximum", "maxItems", "minItems", "pattern")
    out = {key: schema[key] for key in keys if key in schema}
    out["nullable"] = bool(schema.get("nullable"))
    if "enum" in schema:
        out["enum"] = sorted(schema["enum"], key=str)
    if "items" in schema:
        out["items"] = _facts(schema["items"], document)
    if "properties" in schema:
        out["properties"] = {k: _facts(v, document) for k, v in schema["properties"].items()}
    return out


REQUEST_COMPONENTS = [
    "CharacterCreate",
    "CharacterInput",
    "ReferenceImageInput",
    "InitialImageInput",
    "Generate360Input",
    "CoreSetInput",
    "SeedInput",
    "ClockInput",
    "ScenarioInput",
    "CapacityInput",
    "Faults",
]


@pytest.mark.parametrize("name", REQUEST_COMPONENTS)
def test_request_schemas_say_what_the_hand_written_ones_said(name: str) -> None:
    """Each request body: the same properties, types, bounds, enums, nullability, required keys."""
    document = openapi_document(ROWS)
    old = LEGACY["components"]["schemas"][name]
    new = document["components"]["schemas"][name]
    assert new.get("required", []) == old.get("required", [])
    assert new.get("additionalProperties") == old.get("additionalProperties")
    assert new.get("type") == old.get("type")
    assert new.get("anyOf") == old.get("anyOf")
    assert new.get("minProperties") == old.get("minProperties")
    assert set(new["properties"]) == set(old["properties"])
    for key, schema in old["properties"].items():
        facts = _facts(new["properties"][key], document)
        if (name, key) == ("Faults", "kinds"):  # the media fault kinds came later
            enum = facts["items"]["enum"]
            assert set(LATER_FAULT_KINDS) <= set(enum)
            facts["items"]["enum"] = [kind for kind in enum if kind not in LATER_FAULT_KINDS]
        if (name, key) == ("ScenarioInput", "scenario"):  # cassette:NAME came later
            named, cassette = new["properties"][key]["anyOf"]
            assert cassette["pattern"].startswith("^cassette:")
            facts = _facts({**named, "nullable": True, "enum": [*named["enum"], None]}, document)
        assert facts == _facts(schema, LEGACY), key


@pytest.mark.parametrize(
    "name",
    sorted(set(LEGACY["components"]["schemas"]) - set(REQUEST_COMPONENTS) - {"Stats"}),
)
def test_reply_shapes_keep_the_documented_keys(name: str) -> None:
    """Each reply shape: the same required keys, and every property documented before."""
    old = LEGACY["components"]["schemas"][name]
    new = openapi_document(ROWS)["components"]["schemas"][name]
    assert sorted(new.get("required", [])) == sorted(old.get("required", []))
    assert set(old.get("properties", {})) <= set(new["properties"])


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator of one component of the generated document (refs resolved in the document)."""
    components = _json_schema(openapi_document(ROWS)["components"])
    root = {"$ref": f"#/components/schemas/{name}", "components": components}
    return jsonschema.Draft202012Validator(root)


GOLDEN = {
    "accepted-202.json": "Accepted",
    "cancel-ok-200.json": "Cancel",
    "cancel-terminal-400.json": "Cancel",
    "list-200.json": "JobList",
    "start-no-master-reference-400.json": "JobError",
    "start-unknown-character-upstream-500.json": "JobError",
    "status-cancelled.json": "JobStatus",
    "status-completed-partial.json": "JobStatus",
    "status-failed.json": "JobStatus",
    "status-not-found-404.json": "JobStatus",
    "status-pending.json": "JobStatus",
    "status-processing.json": "JobStatus",
}


@pytest.mark.parametrize(("file", "component"), sorted(GOLDEN.items()))
def test_golden_bodies_fit_their_components(file: str, component: str) -> None:
    """Every golden body of the contract is valid against the component that documents it."""
    body = json.loads((EXAMPLES / file).read_text(encoding="utf-8"))
    validator(component).validate(body)


def test_the_component_check_can_fail() -> None:
    """A body with a wrong enum value, a missing key or a bad percentage is refused."""
    body = json.loads((EXAMPLES / "status-processing.json").read_text(encoding="utf-8"))
    check = validator("JobStatus")
    bad_progress = {**body["progress"], "percentage": 101}
    for bad in (
        {**body, "status": "done"},
        {k: v for k, v in body.items() if k != "jobId"},
        {**body, "progress": bad_progress},
    ):
        assert not check.is_valid(bad)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.parametrize("auth", [False, True])
def test_the_document_speaks_openapi_3_0(auth: bool) -> None:
    """No JSON Schema 2020-12 forms; every $ref resolves; enums list null when nullable."""
    document = openapi_document(ROWS, auth=auth)
    assert document["openapi"] == "3.0.3"
    names = set(document["components"]["schemas"])
    for node in _walk(document):
        assert not {"const", "$defs", "prefixItems", "$schema"} & set(node), node
        assert not isinstance(node.get("type"), list), node
        assert node.get("type") != "null", node
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            assert isinstance(node.get(key, False), bool), node
        if "$ref" in node:
            assert set(node) == {"$ref"}, node  # 3.0 ignores a $ref's siblings
            assert node["$ref"].removeprefix("#/components/schemas/") in names
        if node.get("nullable") and "enum" in node:
            assert None in node["enum"], node


def test_query_parameters_come_from_the_query_models() -> None:
    """The job list's parameters: the model's fields, their descriptions, never null."""
    op = openapi_document(ROWS)["paths"]["/api/v1/jobs"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"characterId", "status", "jobType", "page", "limit"}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "default": 10}
    assert params["page"]["schema"]["maximum"] == bodies.MAX_PAGE
    assert params["status"]["description"] == "status now"
    for param in params.values():
        assert param["in"] == "query"
        assert not param["required"]
        assert "nullable" not in param["schema"]
        assert None not in param["schema"].get("enum", [])


def test_links_headers_and_media_types() -> None:
    """Rows' links, response headers and non-JSON replies reach the document."""
    paths = openapi_document(ROWS)["paths"]
    created = paths["/api/v1/characters"]["post"]["responses"]["201"]
    assert set(created["links"]) == {"GetCharacter", "GenerateInitialImage", "Generate360Set"}
    accepted = paths["/api/v1/characters/{id}/generate-360-set"]["post"]["responses"]["202"]
    assert accepted["headers"] == {"Location": {"schema": {"type": "string"}}}
    assert set(accepted["links"]) == {"GetJobStatus", "CancelJob"}
    png = paths["/media/{path}"]["get"]["responses"]["200"]["content"]
    assert png == {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    media = paths["/media/{path}"]["get"]["parameters"]
    assert media == [{"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}]


async def _nothing(request: Request) -> Response:  # pragma: no cover - never served
    raise NotImplementedError


def test_a_json_reply_without_a_shape_is_refused() -> None:
    """A row cannot document a JSON body without saying its shape."""
    row = Operation("GET", "/x", _nothing, "X", {200: Reply("Something")})
    with pytest.raises(ValueError, match="GET /x 200: a JSON reply needs a shape"):
        openapi_document([row])


def test_documented_modes_are_the_engine_modes() -> None:
    """shapes.MODES restates engine.MODES (so shapes need not import the engine)."""
    assert shapes.MODES == MODES
