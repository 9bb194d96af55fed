"""Characters, their master reference image, and the initial image (CONTRACT §3-§6).

Character CRUD answers raw documents and ``{error}`` (Payload's envelope); the reference and
initial-image routes answer ``{success, ...}``. Errors are raised and answered by
:mod:`mock_server.errors` in the family of each route.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.bodies import (
    CharacterCreate,
    CharacterInput,
    CharacterListQuery,
    InitialImageInput,
    ReferenceImageInput,
    parse_body,
    parse_json_body,
    parse_query,
)
from mock_server.errors import Family, handles
from mock_server.http import json_response, read_body
from mock_server.openapi import CHARACTER_LINKS, IDEMPOTENCY_KEY
from mock_server.operation import Operation, Reply
from mock_server.render import character_body, media_body, page_fields
from mock_server.routes.common import (
    INVALID,
    NO_CHARACTER,
    REUSED_KEY,
    TOO_LARGE,
    engine_of,
    idempotent,
    url_base,
)

__all__ = ["OPERATIONS"]

RESET_FIELDS = (
    "masterReferenceImage",
    "masterReferenceProcessed",
    "coreSetGenerated",
    "coreSetGeneratedAt",
    "imageGallery",
    "qualityMetrics",
    "sceneImages",
)


def _character(request: Request, doc: dict[str, Any]) -> dict[str, Any]:
    engine = engine_of(request)
    return character_body(engine.gallery(doc), engine.reference_media(doc), url_base(request))


@handles(Family.CHARACTER)
async def list_characters(request: Request) -> Response:
    """``GET /api/v1/characters``: a page, newest first, optionally searched."""
    query = parse_query(CharacterListQuery, request.query_params)
    page, limit = query.page, query.limit
    docs, total = engine_of(request).list_characters(query.search, page, limit)
    fields = page_fields(total, page, limit)
    pages = fields["totalPages"]
    body = {
        "docs": [_character(request, d) for d in docs],
        **fields,
        "pagingCounter": (page - 1) * limit + 1,
        "prevPage": page - 1 if page > 1 else None,
        "nextPage": page + 1 if page < pages else None,
    }
    return json_response(200, body)


@handles(Family.CHARACTER)
async def create_character(request: Request) -> Response:
    """``POST /api/v1/characters`` (honours ``Idempotency-Key``)."""
    raw = await read_body(request)

    def produce() -> Response:
        fields = parse_body(CharacterCreate, parse_json_body(raw)).fields()
        doc = engine_of(request).create_character(fields)
        return json_response(201, _character(request, doc))

    return idempotent(request, raw, Family.CHARACTER, produce)


@handles(Family.CHARACTER, action="fetch")
async def get_character(request: Request) -> Response:
    """``GET /api/v1/characters/{id}``."""
    doc = engine_of(request).character(request.path_params["id"])
    return json_response(200, _character(request, doc))


@handles(Family.CHARACTER, action="update")
async def patch_character(request: Request) -> Response:
    """``PATCH /api/v1/characters/{id}``: a partial update."""
    raw = await read_body(request)
    fields = parse_body(CharacterInput, parse_json_body(raw)).fields()
    doc = engine_of(request).update_character(request.path_params["id"], fields)
    return json_response(200, _character(request, doc))


@handles(Family.CHARACTER, action="delete")
async def delete_character(request: Request) -> Response:
    """``DELETE /api/v1/characters/{id}`` (its jobs stay)."""
    engine_of(request).delete_character(request.path_params["id"])
    return json_response(200, {"success": True})


@handles(Family.REFERENCE)
async def put_reference(request: Request) -> Response:
    """``PUT .../reference-image``: attach a media item, or register an external URL (D24)."""
    raw = await read_body(request)
    ref = parse_body(ReferenceImageInput, parse_json_body(raw))
    engine = engine_of(request)
    media = engine.set_reference(
        request.path_params["id"], ref.media_id or None, ref.image_url, ref.dino_asset_id
    )
    rendered = media_body(media, url_base(request)) or {}
    body = {"success": True, "updated": True, "mediaId": media["id"], "imageUrl": rendered["url"]}
    return json_response(200, body)


@handles(Family.REFERENCE)
async def get_reference(request: Request) -> Response:
    """``GET .../reference-image``: the reference's URL and media id, if it has one."""
    engine = engine_of(request)
    doc = engine.character(request.path_params["id"])
    media = media_body(engine.reference_media(doc), url_base(request))
    body: dict[str, Any] = {"success": True, "updated": True}
    if media is not None:
        body["imageUrl"] = media["url"]
        body["mediaId"] = media["id"]
    return json_response(200, body)


@handles(Family.REFERENCE)
async def delete_reference(request: Request) -> Response:
    """``DELETE .../reference-image``: reset the reference and everything derived from it."""
    engine_of(request).reset_reference(request.path_params["id"])
    body = {
        "success": True,
        "updated": True,
        "message": "Master reference image and all derived content were reset",
        "resetFields": list(RESET_FIELDS),
    }
    return json_response(200, body)


@handles(Family.INITIAL)
async def generate_initial_image(request: Request) -> Response:
    """``POST .../generate-initial-image``: a master reference with a DINO asset id."""
    raw = await read_body(request)

    def produce() -> Response:
        wanted = parse_body(InitialImageInput, parse_json_body(raw))
        doc, media, quality = engine_of(request).generate_initial_image(
            request.path_params["id"], wanted.prompt, wanted.width, wanted.height
        )
        data = {
            "characterId": doc["id"],
            "characterName": doc["name"],
            "imageId": media["id"],
            "dinoAssetId": media["dinoAssetId"],
            "publicUrl": (media_body(media, url_base(request)) or {})["url"],
            "qualityScore": quality,
            "validationNotes": "Placeholder image from the charlib mock server",
        }
        message = "Initial image generated and set as master reference"
        return json_response(200, {"success": True, "message": message, "data": data})

    return idempotent(request, raw, Family.INITIAL, produce)


CHARACTERS = "/api/v1/characters"
ONE = CHARACTERS + "/{id}"
REFERENCE = ONE + "/reference-image"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        CHARACTERS,
        list_characters,
        "List characters (newest first)",
        {
            200: Reply("A page of characters", shapes.CharacterPage),
            400: Reply("Bad page or limit", shapes.Error),
        },
        query=CharacterListQuery,
    ),
    Operation(
        "POST",
        CHARACTERS,
        create_character,
        "Create a character",
        {
            201: Reply("Created", shapes.Character, links=CHARACTER_LINKS),
            400: INVALID,
            409: Reply("Duplicate characterId or idempotency key", shapes.Error),
            413: TOO_LARGE,
        },
        body=CharacterCreate,
        body_required=True,
        headers=(IDEMPOTENCY_KEY,),
    ),
    Operation(
        "GET",
        ONE,
        get_character,
        "Fetch a character",
        {200: Reply("The character", shapes.Character), 404: NO_CHARACTER},
        operation_id="getCharacter",
    ),
    Operation(
        "PATCH",
        ONE,
        patch_character,
        "Update a character",
        {
            200: Reply("Updated", shapes.Character),
            400: INVALID,
            404: NO_CHARACTER,
            409: Reply("Duplicate characterId", shapes.Error),
            413: TOO_LARGE,
        },
        body=CharacterInput,
    ),
    Operation(
        "DELETE",
        ONE,
        delete_character,
        "Delete a character",
        {200: Reply("Deleted", shapes.Ok), 404: NO_CHARACTER},
    ),
    Operation(
        "PUT",
        REFERENCE,
        put_reference,
        "Set the master reference (mediaId, or imageUrl to register an external image)",
        {
            200: Reply("Set", shapes.ReferenceImage),
            400: Reply("Neither mediaId nor imageUrl", shapes.ReferenceImage),
            404: Reply("Unknown character or media", shapes.ReferenceImage),
            413: TOO_LARGE,
        },
        body=ReferenceImageInput,
        body_required=True,
    ),
    Operation(
        "GET",
        REFERENCE,
        get_reference,
        "Read the master reference",
        {
            200: Reply("The reference (if any)", shapes.ReferenceImage),
            404: Reply("Unknown character", shapes.ReferenceImage),
        },
    ),
    Operation(
        "DELETE",
        REFERENCE,
        delete_reference,
        "Reset the master reference and everything derived from it",
        {
            200: Reply("Reset", shapes.ReferenceImage),
            404: Reply("Unknown character", shapes.ReferenceImage),
        },
    ),
    Operation(
        "POST",
        ONE + "/generate-initial-image",
        generate_initial_image,
        "Generate a master reference image (with a dinoAssetId)",
        {
            200: Reply("Generated and attached", shapes.InitialImage),
            400: Reply("No prompt, or a reference exists already", shapes.Error),
            404: NO_CHARACTER,
            409: REUSED_KEY,
            413: TOO_LARGE,
        },
        body=InitialImageInput,
        body_required=True,
        headers=(IDEMPOTENCY_KEY,),
        operation_id="generateInitialImage",
    ),
)
