"""The deprecated synchronous routes: the blocking core-set run and the shot seeder (§10-§11).

``generate-core-set`` holds the request open for the whole run on the server's clock (minutes
of server time; a manual clock is advanced by the run itself, since nothing else would move it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.engine import Engine
from mock_server.errors import Family, handles
from mock_server.http import json_response, read_body, too_large
from mock_server.operation import Operation, Reply
from mock_server.render import core_set_body, iso
from mock_server.routes.common import engine_of, scenario_header, url_base
from mock_server.shots import SHOTS
from mock_server.validation import (
    InvalidJson,
    optional_bool,
    optional_int,
    optional_number,
    parse_json_body,
)

__all__ = ["OPERATIONS"]


def _core_set_options(raw: bytes) -> dict[str, Any]:
    try:
        body = parse_json_body(raw)
    except InvalidJson:
        body = {}  # this route tolerates bad JSON upstream
    custom = body.get("customSeed")
    return {
        "qualityThreshold": optional_number(body, "qualityThreshold", 75, 0, 100),
        "maxRetries": optional_int(body, "maxRetries", 3, 1, 10),
        "customSeed": None
        if custom is None
        else optional_int(body, "customSeed", 0, -(2**53) + 1, 2**53 - 1),
    }


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
    if raw is None:
        return too_large()
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


SEED_FLAGS = ("guaranteeAllShots", "validateTemplates", "comprehensiveCoverage")


@handles(Family.PLAIN)
async def seed_shots(request: Request) -> Response:
    """``POST /api/v1/admin/seed-reference-shots-enhanced`` (the shots are built in)."""
    raw = await read_body(request)
    if raw is None:
        return too_large()
    engine = engine_of(request)
    started = engine.now()
    body = parse_json_body(raw)
    clean = optional_bool(body, "cleanExisting", False)
    for key in SEED_FLAGS:
        optional_bool(body, key, True)
    dry_run = optional_bool(body, "dryRun", False)
    already = engine.seed_shots(clean=clean, dry_run=dry_run)
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
            200: Reply("Generated"),
            400: Reply("Precondition or field invalid"),
            404: Reply("Unknown character"),
            413: Reply("Body too large"),
        },
    ),
    Operation(
        "POST",
        "/api/v1/admin/seed-reference-shots-enhanced",
        seed_shots,
        "Seed the 27 reference shots (built in; idempotent, honours dryRun)",
        {200: Reply("Seeded"), 400: Reply("Invalid field"), 413: Reply("Body too large")},
    ),
)
