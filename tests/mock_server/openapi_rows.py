"""Today's routes as a table of Operation rows (no endpoints): a model for the route modules.

Each row says what ``mock_server/routes.py`` served and the hand-written document described
before the routes became modules: the same paths, methods, status codes, operationIds, parameters
and bodies, now with the models and shapes that validate and type them. The tests build
``/openapi.json`` from this table and compare it with the hand-written one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server import bodies, shapes
from mock_server.openapi import (
    CHARACTER_LINKS,
    CORE_SET_SCENARIO,
    IDEMPOTENCY_KEY,
    JOB_LINKS,
    JOB_SCENARIO,
)
from mock_server.operation import ADMIN_TAG, Operation, Reply

__all__ = ["ROWS"]


async def _endpoint(request: Request) -> Response:  # pragma: no cover - never served
    raise NotImplementedError


E = _endpoint
CHARS = "/api/v1/characters"
ONE = CHARS + "/{id}"
REF = ONE + "/reference-image"
STATUS = "/api/v1/jobs/{jobId}/status"

INVALID = Reply("Invalid field", shapes.Error)
TOO_LARGE = Reply("Body too large", shapes.Error)
NO_CHARACTER = Reply("Unknown character", shapes.Error)
REUSED_KEY = Reply("Idempotency key reused with another body", shapes.Error)


def _admin(method: str, path: str, summary: str, reply: Reply) -> Operation:
    """An admin read or action that cannot fail (200 only)."""
    return Operation(method, path, E, summary, {200: reply}, tag=ADMIN_TAG)


ROWS: tuple[Operation, ...] = (
    Operation(
        "GET", "/api/health", E, "Liveness", {200: Reply("Healthy", shapes.Health)}, public=True
    ),
    Operation(
        "GET",
        CHARS,
        E,
        "List characters (newest first)",
        {
            200: Reply("A page of characters", shapes.CharacterPage),
            400: Reply("Bad page or limit", shapes.Error),
        },
        query=bodies.CharacterListQuery,
    ),
    Operation(
        "POST",
        CHARS,
        E,
        "Create a character",
        {
            201: Reply("Created", shapes.Character, links=CHARACTER_LINKS),
            400: INVALID,
            409: Reply("Duplicate characterId or idempotency key", shapes.Error),
            413: TOO_LARGE,
        },
        body=bodies.CharacterCreate,
        body_required=True,
        headers=(IDEMPOTENCY_KEY,),
    ),
    Operation(
        "GET",
        ONE,
        E,
        "Fetch a character",
        {200: Reply("The character", shapes.Character), 404: NO_CHARACTER},
        operation_id="getCharacter",
    ),
    Operation(
        "PATCH",
        ONE,
        E,
        "Update a character",
        {
            200: Reply("Updated", shapes.Character),
            400: INVALID,
            404: NO_CHARACTER,
            409: Reply("Duplicate characterId", shapes.Error),
            413: TOO_LARGE,
        },
        body=bodies.CharacterInput,
    ),
    Operation(
        "DELETE",
        ONE,
        E,
        "Delete a character",
        {200: Reply("Deleted", shapes.Ok), 404: NO_CHARACTER},
    ),
    Operation(
        "PUT",
        REF,
        E,
        "Set the master reference (mediaId, or imageUrl to register an external image)",
        {
            200: Reply("Set", shapes.ReferenceImage),
            400: Reply("Neither mediaId nor imageUrl", shapes.ReferenceImage),
            404: Reply("Unknown character or media", shapes.ReferenceImage),
            413: TOO_LARGE,
        },
        body=bodies.ReferenceImageInput,
        body_required=True,
    ),
    Operation(
        "GET",
        REF,
        E,
        "Read the master reference",
        {
            200: Reply("The reference (if any)", shapes.ReferenceImage),
            404: Reply("Unknown character", shapes.ReferenceImage),
        },
    ),
    Operation(
        "DELETE",
        REF,
        E,
        "Reset the master reference and everything derived from it",
        {
            200: Reply("Reset", shapes.ReferenceImage),
            404: Reply("Unknown character", shapes.ReferenceImage),
        },
    ),
    Operation(
        "POST",
        ONE + "/generate-initial-image",
        E,
        "Generate a master reference image (with a dinoAssetId)",
        {
            200: Reply("Generated and attached", shapes.InitialImage),
            400: Reply("No prompt, or a reference exists already", shapes.Error),
            404: NO_CHARACTER,
            409: REUSED_KEY,
            413: TOO_LARGE,
        },
        body=bodies.InitialImageInput,
        body_required=True,
        headers=(IDEMPOTENCY_KEY,),
        operation_id="generateInitialImage",
    ),
    Operation(
        "POST",
        ONE + "/generate-360-set",
        E,
        "Start a 360° generation job",
        {
            202: Reply(
                "Accepted; poll pollUrl", shapes.Accepted, headers=("Location",), links=JOB_LINKS
            ),
            400: Reply("Invalid body or no master reference", shapes.JobError),
            404: Reply("Unknown character", shapes.JobError),
            409: REUSED_KEY,
            413: TOO_LARGE,
        },
        body=bodies.Generate360Input,
        headers=(IDEMPOTENCY_KEY, JOB_SCENARIO),
        operation_id="generate360Set",
    ),
    Operation(
        "POST",
        ONE + "/generate-core-set",
        E,
        "Legacy synchronous 27-shot generation (blocks for the run on the server clock)",
        {
            200: Reply("Generated", shapes.CoreSet),
            400: Reply("Precondition or field invalid", shapes.Error),
            404: NO_CHARACTER,
            413: TOO_LARGE,
        },
        body=bodies.CoreSetInput,
        headers=(CORE_SET_SCENARIO,),
    ),
    Operation(
        "GET",
        "/api/v1/jobs",
        E,
        "List jobs (newest first)",
        {
            200: Reply("A page of jobs", shapes.JobList),
            400: Reply("Bad filter or page parameters", shapes.JobList),
        },
        query=bodies.JobListQuery,
    ),
    Operation(
        "GET",
        STATUS,
        E,
        "Poll a job",
        {
            200: Reply("The job now", shapes.JobStatus),
            404: Reply("Unknown job (status says failed: D12)", shapes.JobStatus),
        },
        operation_id="getJobStatus",
    ),
    Operation(
        "DELETE",
        STATUS,
        E,
        "Cancel a job",
        {
            200: Reply("Cancelled", shapes.Cancel),
            400: Reply("Already final", shapes.Cancel),
            404: Reply("Unknown job", shapes.Cancel),
        },
        operation_id="cancelJob",
    ),
    Operation(
        "POST",
        "/api/v1/admin/seed-reference-shots-enhanced",
        E,
        "Seed the 27 reference shots (built in; idempotent, honours dryRun)",
        {200: Reply("Seeded", shapes.SeedResult), 400: INVALID, 413: TOO_LARGE},
        body=bodies.SeedInput,
    ),
    Operation(
        "GET",
        "/media/{path:path}",
        E,
        "A generated placeholder image (PNG)",
        {
            200: Reply("PNG bytes", media_type="image/png"),
            404: Reply("Unknown media", shapes.Error),
        },
        public=True,
    ),
    _admin("POST", "/_mock/reset", "Forget all data, faults and journal", Reply("Done", shapes.Ok)),
    _admin("GET", "/_mock/clock", "Read the server clock", Reply("Now", shapes.Clock)),
    Operation(
        "POST",
        "/_mock/clock",
        E,
        "Advance the clock and/or change its speed",
        {
            200: Reply("Now", shapes.Clock),
            400: Reply("Invalid (e.g. speed on a manual clock)", shapes.Error),
        },
        tag=ADMIN_TAG,
        body=bodies.ClockInput,
    ),
    _admin("GET", "/_mock/faults", "Current faults", Reply("Faults", shapes.FaultsState)),
    Operation(
        "POST",
        "/_mock/faults",
        E,
        "Inject faults",
        {200: Reply("Set", shapes.FaultsState), 400: Reply("Invalid", shapes.Error)},
        tag=ADMIN_TAG,
        body=bodies.Faults,
    ),
    _admin("DELETE", "/_mock/faults", "Stop faults", Reply("Off", shapes.FaultsState)),
    _admin("GET", "/_mock/requests", "Request journal", Reply("Journal", shapes.Requests)),
    _admin("GET", "/_mock/stats", "Job and request statistics", Reply("Stats", shapes.Stats)),
    Operation(
        "POST",
        "/_mock/scenario",
        E,
        "Default scenario for jobs without X-Mock-Scenario",
        {200: Reply("Set", shapes.Scenario), 400: Reply("Unknown", shapes.Error)},
        tag=ADMIN_TAG,
        body=bodies.ScenarioInput,
    ),
    Operation(
        "POST",
        "/_mock/capacity",
        E,
        "Jobs processing at once",
        {200: Reply("Set", shapes.Capacity), 400: Reply("Invalid", shapes.Error)},
        tag=ADMIN_TAG,
        body=bodies.CapacityInput,
    ),
)
