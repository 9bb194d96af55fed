"""Background jobs: start a 360° set, poll it, cancel it, list jobs (CONTRACT §7-§9).

The status poll is every client's hot path: :func:`status_fast` answers it straight on ASGI (the
middleware calls it before Starlette's router), and bodies of final jobs are cached, since they
never change. :func:`job_status` is the same answer through the router.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope, Send

from mock_server import shapes
from mock_server.bodies import (
    Generate360Input,
    InvalidJson,
    JobListQuery,
    parse_body,
    parse_json_body,
    parse_query,
)
from mock_server.domain import CancelOutcome
from mock_server.engine import Engine
from mock_server.errors import Family, handles
from mock_server.http import JSON_TYPE, base_url, json_response, read_body
from mock_server.lifecycle import CANCELLED, COMPLETED, FAILED
from mock_server.openapi import IDEMPOTENCY_KEY, JOB_LINKS, JOB_SCENARIO
from mock_server.operation import Operation, Reply
from mock_server.render import accepted_body, dumps, job_list_item, job_status_body, page_fields
from mock_server.routes.common import (
    REUSED_KEY,
    TOO_LARGE,
    engine_of,
    idempotent,
    scenario_header,
    url_base,
)
from mock_server.store import JobQuery

__all__ = ["OPERATIONS", "status_bytes", "status_fast"]

#: Final bodies kept per engine (job id and base URL); the oldest is dropped beyond this.
BODY_CACHE_SIZE = 4096


def _not_found_job(job_id: str) -> bytes:
    # D12: kept for compatibility — a 404 whose body says status "failed".
    return dumps(
        {
            "success": False,
            "jobId": job_id,
            "status": "failed",
            "progress": {"current": 0, "total": 0, "percentage": 0},
            "error": "Job not found",
        }
    )


def status_bytes(engine: Engine, job_id: str, url_base: str) -> tuple[int, bytes]:
    """Status code and body of a job poll; bodies of final jobs are cached (they never change)."""
    found = engine.job(job_id)
    if found is None:
        return 404, _not_found_job(job_id)
    job, v = found
    final = v.status in (COMPLETED, FAILED) or (v.status == CANCELLED and job.mode != "upstream")
    if not final:
        return 200, dumps(job_status_body(job, v, url_base))
    key = (job_id, url_base)
    cache = engine.body_cache
    body = cache.get(key)
    if body is None:
        body = dumps(job_status_body(job, v, url_base))
        if len(cache) >= BODY_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = body
    return 200, body


async def status_fast(engine: Engine, scope: Scope, send: Send, job_id: str) -> int:
    """``GET /api/v1/jobs/{jobId}/status`` straight on ASGI; returns the status sent."""
    status, body = status_bytes(engine, job_id, base_url(scope, engine.media_base))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


async def job_status(request: Request) -> Response:
    """``GET /api/v1/jobs/{jobId}/status`` through the router (the middleware usually answers)."""
    status, body = status_bytes(engine_of(request), request.path_params["jobId"], url_base(request))
    return Response(body, status_code=status, media_type=JSON_TYPE)


@handles(Family.JOB)
async def generate_360(request: Request) -> Response:
    """``POST .../generate-360-set``: accept a job (202) with its poll URL."""
    raw = await read_body(request)
    engine = engine_of(request)
    upstream = engine.mode == "upstream"

    def produce() -> Response:
        scenario = scenario_header(request, replays=True)
        if upstream and not raw:
            raise InvalidJson("Invalid JSON body", "Unexpected end of JSON input")
        body = parse_body(Generate360Input, parse_json_body(raw), upstream=upstream)
        options = body.options()
        job = engine.create_job(
            request.path_params["id"], options, None if scenario == "random" else scenario
        )
        accepted = accepted_body(job)
        return json_response(202, accepted, headers={"location": accepted["pollUrl"]})

    return idempotent(request, raw, Family.JOB, produce)


_CANCELLED = {
    CancelOutcome.CANCELLED: {"success": True, "message": "Job cancelled successfully"},
    CancelOutcome.NOT_RUNNING_HERE: {
        "success": False,
        "message": "Job was not actively running, but marked as cancelled",
    },
}


@handles(Family.CANCEL)
async def cancel_job(request: Request) -> Response:
    """``DELETE /api/v1/jobs/{jobId}/status``."""
    outcome = engine_of(request).cancel(request.path_params["jobId"])
    return json_response(200, _CANCELLED[outcome])


@handles(Family.JOB_LIST)
async def list_jobs(request: Request) -> Response:
    """``GET /api/v1/jobs``: a page of jobs, newest first, filtered."""
    query = parse_query(JobListQuery, request.query_params)
    rows, total = engine_of(request).list_jobs(
        JobQuery(
            character_id=query.character_id,
            status=query.status,
            job_type=query.job_type,
            page=query.page,
            limit=query.limit,
        )
    )
    body = {
        "success": True,
        "jobs": [job_list_item(job, v) for job, v in rows],
        "pagination": page_fields(total, query.page, query.limit),
    }
    return json_response(200, body)


STATUS = "/api/v1/jobs/{jobId}/status"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/api/v1/characters/{id}/generate-360-set",
        generate_360,
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
        body=Generate360Input,
        headers=(IDEMPOTENCY_KEY, JOB_SCENARIO),
        operation_id="generate360Set",
    ),
    Operation(
        "GET",
        "/api/v1/jobs",
        list_jobs,
        "List jobs (newest first)",
        {
            200: Reply("A page of jobs", shapes.JobList),
            400: Reply("Bad filter or page parameters", shapes.JobList),
        },
        query=JobListQuery,
    ),
    Operation(
        "GET",
        STATUS,
        job_status,
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
        cancel_job,
        "Cancel a job",
        {
            200: Reply("Cancelled", shapes.Cancel),
            400: Reply("Already final", shapes.Cancel),
            404: Reply("Unknown job", shapes.Cancel),
        },
        operation_id="cancelJob",
    ),
)
