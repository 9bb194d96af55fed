"""The OpenAPI 3 document served at ``/openapi.json`` (hand-written, kept beside the routes).

Every public route is described with its request and response schemas, including the error
responses the mock can send (400 validation, 401 auth, 404, 409 conflicts, 413 body too large,
and injected 429/500/503 faults under ``default``). Admin routes carry the tag ``mock-admin``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_REF = "#/components/schemas/"


def _loose(props: dict[str, Any]) -> dict[str, Any]:
    """Any JSON: the legacy core-set route treats a non-object or invalid body as ``{}``."""
    return {"properties": props}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
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
    op["responses"].setdefault("default", _json(_ref(error), "Error (see the error field)"))
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


def openapi_document(*, mode: str = "reference", auth: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.0 description of the mock.

    Args:
        mode: the server's compatibility mode (mentioned in the description).
        auth: whether a bearer token is required (adds the security scheme).
    """
    cid = [_path_param("id")]
    jid = [_path_param("jobId")]
    char_error = "Error"
    api = "character-library"
    admin = "mock-admin"
    paths: dict[str, Any] = {
        "/api/health": {"get": _op("Liveness", {"200": _json(_ref("Health"), "Healthy")}, tag=api)},
        "/api/v1/characters": {
            "get": _op(
                "List characters (newest first)",
                {
                    "200": _json(_ref("CharacterPage"), "A page of characters"),
                    "400": _json(_ref(char_error), "Bad page or limit"),
                },
                tag=api,
                params=[
                    _query("search", _STR, "substring of name or characterId"),
                    _query("page", _PAGE, "page number"),
                    _query("limit", {"type": "integer", "minimum": 1}, "size (above 100: 100)"),
                ],
            ),
            "post": _op(
                "Create a character",
                {
                    "201": {**_json(_ref("Character"), "Created"), "links": _CHARACTER_LINKS},
                    "400": _json(_ref(char_error), "Invalid field"),
                    "409": _json(_ref(char_error), "Duplicate characterId or idempotency key"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                body="CharacterCreate",
                headers=[_IDEMPOTENCY],
                body_required=True,
            ),
        },
        "/api/v1/characters/{id}": {
            "get": _op(
                "Fetch a character",
                {
                    "200": _json(_ref("Character"), "The character"),
                    "404": _json(_ref(char_error), "Unknown character"),
                },
                tag=api,
                params=cid,
            ),
            "patch": _op(
                "Update a character",
                {
                    "200": _json(_ref("Character"), "Updated"),
                    "400": _json(_ref(char_error), "Invalid field"),
                    "404": _json(_ref(char_error), "Unknown character"),
                    "409": _json(_ref(char_error), "Duplicate characterId"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                params=cid,
                body="CharacterInput",
            ),
            "delete": _op(
                "Delete a character",
                {
                    "200": _json(_ref("Ok"), "Deleted"),
                    "404": _json(_ref(char_error), "Unknown character"),
                },
                tag=api,
                params=cid,
            ),
        },
        "/api/v1/characters/{id}/reference-image": {
            "put": _op(
                "Set the master reference (mediaId, or imageUrl to register an external image)",
                {
                    "200": _json(_ref("ReferenceImage"), "Set"),
                    "400": _json(_ref("ReferenceImage"), "Neither mediaId nor imageUrl"),
                    "404": _json(_ref("ReferenceImage"), "Unknown character or media"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                params=cid,
                body="ReferenceImageInput",
                body_required=True,
            ),
            "get": _op(
                "Read the master reference",
                {
                    "200": _json(_ref("ReferenceImage"), "The reference (if any)"),
                    "404": _json(_ref("ReferenceImage"), "Unknown character"),
                },
                tag=api,
                params=cid,
            ),
            "delete": _op(
                "Reset the master reference and everything derived from it",
                {
                    "200": _json(_ref("ReferenceImage"), "Reset"),
                    "404": _json(_ref("ReferenceImage"), "Unknown character"),
                },
                tag=api,
                params=cid,
            ),
        },
        "/api/v1/characters/{id}/generate-initial-image": {
            "post": _op(
                "Generate a master reference image (with a dinoAssetId)",
                {
                    "200": _json(_ref("InitialImage"), "Generated and attached"),
                    "400": _json(_ref("Error"), "No prompt, or a reference exists already"),
                    "404": _json(_ref("Error"), "Unknown character"),
                    "409": _json(_ref("Error"), "Idempotency key reused with another body"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                params=cid,
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
                        **_json(_ref("Accepted"), "Accepted; poll pollUrl"),
                        "headers": {"Location": {"schema": _STR}},
                        "links": _JOB_LINKS,
                    },
                    "400": _json(_ref("JobError"), "Invalid body or no master reference"),
                    "404": _json(_ref("JobError"), "Unknown character"),
                    "409": _json(_ref("Error"), "Idempotency key reused with another body"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                params=cid,
                body="Generate360Input",
                headers=[_IDEMPOTENCY, _SCENARIO],
                error="Error",
            ),
        },
        "/api/v1/characters/{id}/generate-core-set": {
            "post": _op(
                "Legacy synchronous 27-shot generation (blocks for the run on the server clock)",
                {
                    "200": _json(_ref("CoreSet"), "Generated"),
                    "400": _json(_ref("Error"), "Precondition or field invalid"),
                    "404": _json(_ref("Error"), "Unknown character"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                params=cid,
                body="CoreSetInput",
                headers=[_CORE_SCENARIO],
            ),
        },
        "/api/v1/jobs": {
            "get": _op(
                "List jobs (newest first)",
                {
                    "200": _json(_ref("JobList"), "A page of jobs"),
                    "400": _json(_ref("JobList"), "Bad filter or page parameters"),
                },
                tag=api,
                params=[
                    _query("characterId", _STR, "exact character id"),
                    _query("status", _JOB_STATUS, "status now"),
                    _query("jobType", _JOB_TYPE, "job type"),
                    _query("page", _PAGE, "page (default 1)"),
                    _query(
                        "limit", {"type": "integer", "minimum": 1}, "size (default 10, max 100)"
                    ),
                ],
            ),
        },
        "/api/v1/jobs/{jobId}/status": {
            "get": _op(
                "Poll a job",
                {
                    "200": _json(_ref("JobStatus"), "The job now"),
                    "404": _json(_ref("JobStatus"), "Unknown job (status says failed: D12)"),
                },
                tag=api,
                params=jid,
            ),
            "delete": _op(
                "Cancel a job",
                {
                    "200": _json(_ref("Cancel"), "Cancelled"),
                    "400": _json(_ref("Cancel"), "Already final"),
                    "404": _json(_ref("Cancel"), "Unknown job"),
                },
                tag=api,
                params=jid,
            ),
        },
        "/api/v1/admin/seed-reference-shots-enhanced": {
            "post": _op(
                "Seed the 27 reference shots (built in; idempotent, honours dryRun)",
                {
                    "200": _json(_ref("SeedResult"), "Seeded"),
                    "400": _json(_ref("Error"), "Invalid field"),
                    "413": _json(_ref("Error"), "Body too large"),
                },
                tag=api,
                body="SeedInput",
            ),
        },
        "/media/{path}": {
            "get": {
                "summary": "A generated placeholder image (PNG)",
                "tags": [api],
                "parameters": [_path_param("path")],
                "responses": {
                    "200": {
                        "description": "PNG bytes",
                        "content": {
                            "image/png": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "404": _json(_ref("Error"), "Unknown media"),
                },
            }
        },
        "/_mock/reset": {
            "post": _op(
                "Forget all data, faults and journal", {"200": _json(_ref("Ok"), "Done")}, tag=admin
            ),
        },
        "/_mock/clock": {
            "get": _op("Read the server clock", {"200": _json(_ref("Clock"), "Now")}, tag=admin),
            "post": _op(
                "Advance the clock and/or change its speed",
                {
                    "200": _json(_ref("Clock"), "Now"),
                    "400": _json(_ref("Error"), "Invalid (e.g. speed on a manual clock)"),
                },
                tag=admin,
                body="ClockInput",
            ),
        },
        "/_mock/faults": {
            "get": _op("Current faults", {"200": _json(_ref("FaultsState"), "Faults")}, tag=admin),
            "post": _op(
                "Inject faults",
                {
                    "200": _json(_ref("FaultsState"), "Set"),
                    "400": _json(_ref("Error"), "Invalid"),
                },
                tag=admin,
                body="Faults",
            ),
            "delete": _op("Stop faults", {"200": _json(_ref("FaultsState"), "Off")}, tag=admin),
        },
        "/_mock/requests": {
            "get": _op("Request journal", {"200": _json(_ref("Requests"), "Journal")}, tag=admin)
        },
        "/_mock/stats": {
            "get": _op(
                "Job and request statistics", {"200": _json(_ref("Stats"), "Stats")}, tag=admin
            ),
        },
        "/_mock/scenario": {
            "post": _op(
                "Default scenario for jobs without X-Mock-Scenario",
                {"200": _json(_ref("Ok"), "Set"), "400": _json(_ref("Error"), "Unknown")},
                tag=admin,
                body="ScenarioInput",
            )
        },
        "/_mock/capacity": {
            "post": _op(
                "Jobs processing at once",
                {"200": _json(_ref("Ok"), "Set"), "400": _json(_ref("Error"), "Invalid")},
                tag=admin,
                body="CapacityInput",
            )
        },
    }
    for (path, method), operation_id in _OPERATION_IDS.items():
        paths[path][method]["operationId"] = operation_id
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Character Library (charlib mock server)",
            "version": "2.0.0",
            "description": f"Reference mock of the async 360° job API; mode: {mode}.",
        },
        "tags": [
            {"name": api, "description": "The Character Library API"},
            {"name": admin, "description": "Mock controls (never affected by faults)"},
        ],
        "paths": paths,
        "components": {"schemas": _SCHEMAS},
    }
    if auth:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        for path, ops in paths.items():
            if path in ("/api/health",) or path.startswith("/media"):
                continue
            for op in ops.values():
                op["security"] = [{"bearer": []}]
                op["responses"]["401"] = _json(_ref("Error"), "Missing or wrong API key")
    return document
