"""The deprecated synchronous routes: the blocking core-set run and the shot seeder (§10-§11).

``generate-core-set`` holds the request open for the whole run on the server's clock (minutes
of server time; a manual clock is advanced by the run itself, since nothing else would move it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.bodies import CoreSetInput, InvalidJson, SeedInput, parse_body, parse_json_body
from mock_server.engine import Engine
from mock_server.errors import Family, handles
from mock_server.http import json_response, read_body
from mock_server.openapi import CORE_SET_SCENARIO
from mock_server.operation import Operation, Reply
from mock_server.render import core_set_body, iso
from mock_server.routes.common import (
    INVALID,
    NO_CHARACTER,
    TOO_LARGE,
    engine_of,
    scenario_header,
    url_base,
)
from mock_server.shots import SHOTS

__all__ = ["OPERATIONS"]


def _core_set_options(raw: bytes) -> dict[str, Any]:
    try:
        body = parse_json_body(raw)
    except InvalidJson:
        body = {}  # this route tolerates bad JSON upstream
    return parse_body(CoreSetInput, body).options()


async def _run_until(engine: Engine, done_at: int) -> None:
    """Hold the request until server time ``done_at``."""
    if engine.clock.kind == "manual":
        engine.advance(max(0, done_at - engine.now()) / 1000)
    while (remaining := done_at - engine.now()) > 0:
        speed = engine.clock.speed or 1.0
        await asyncio.sleep(min(1.0, remaining / 1000 / speed))


@handles(Family.CORE_SET)
async def generate_core_set(request: Request) -> Response:
    """``POST .../generate-core-set``: all 27 shots, answered when the run is over."""
    raw = await read_body(request)
    options = _core_set_options(raw)
    scenario = scenario_header(request)
    engine = engine_of(request)
    char_id = request.path_params["id"]
    plan, done_at = engine.core_set_plan(
        char_id, options, None if scenario == "random" else scenario
    )
    await _run_until(engine, done_at)
    doc, entries = engine.finish_core_set(char_id, plan)
    status, body = core_set_body(doc, plan, entries, options["qualityThreshold"], url_base(request))
    return json_response(status, body)


@handles(Family.PLAIN)
async def seed_shots(request: Request) -> Response:
    """``POST /api/v1/admin/seed-reference-shots-enhanced`` (the shots are built in)."""
    raw = await read_body(request)
    engine = engine_of(request)
    started = engine.now()
    wanted = parse_body(SeedInput, parse_json_body(raw))
    dry_run = wanted.dry_run
    already = engine.seed_shots(clean=wanted.clean_existing, dry_run=dry_run)
    ended = engine.now()
    return json_response(200, _seed_body(dry_run, already, started, ended))


def _seed_body(dry_run: bool, already: bool, started: int, ended: int) -> dict[str, Any]:
    total = len(SHOTS)
    essential = sum(1 for s in SHOTS if s.category == "Core 9")
    if dry_run:
        message = f"Dry run: would seed {total} reference shots"
    elif already:
        message = f"All {total} reference shots are already present"
    else:
        message = f"Seeded {total} reference shots"
    return {
        "success": True,
        "message": message,
        "results": {
            "essential": essential,
            "comprehensive": total - essential,
            "failed": 0,
            "total": total,
            "errors": [],
        },
        "validationResults": {"valid": total, "invalid": 0, "errors": []},
        "timing": {"startTime": iso(started), "endTime": iso(ended), "durationMs": ended - started},
        "dryRun": dry_run,
        "alreadySeeded": already,
    }


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/api/v1/characters/{id}/generate-core-set",
        generate_core_set,
        "Legacy synchronous 27-shot generation (blocks for the run on the server clock)",
        {
            200: Reply("Generated", shapes.CoreSet),
            400: Reply("Precondition or field invalid", shapes.Error),
            404: NO_CHARACTER,
            413: TOO_LARGE,
        },
        body=CoreSetInput,
        headers=(CORE_SET_SCENARIO,),
    ),
    Operation(
        "POST",
        "/api/v1/admin/seed-reference-shots-enhanced",
        seed_shots,
        "Seed the 27 reference shots (built in; idempotent, honours dryRun)",
        {200: Reply("Seeded", shapes.SeedResult), 400: INVALID, 413: TOO_LARGE},
        body=SeedInput,
    ),
)
