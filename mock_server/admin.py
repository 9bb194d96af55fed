"""The ``/_mock/`` admin API: reset, clock, faults, journal, stats, scenario, capacity.

Faults never apply here (the middleware skips ``/_mock``), and the journal does not record it.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.engine import Engine
from mock_server.faults import parse_fault_config
from mock_server.http import Endpoint, json_response, read_body, too_large
from mock_server.lifecycle import SCENARIOS
from mock_server.render import iso
from mock_server.validation import (
    InvalidRequest,
    optional_int,
    optional_number,
    parse_json_body,
)

__all__ = ["MAX_ADVANCE", "admin_routes"]

MAX_ADVANCE = 10 * 365 * 86_400  # seconds one POST /_mock/clock may jump


def admin_routes(engine: Engine) -> list[tuple[str, str, Endpoint]]:
    """(path, method, endpoint) rows of the admin API, bound to ``engine``."""

    def admin_error(message: str) -> Response:
        return json_response(400, {"success": False, "error": message})

    async def admin_body(request: Request) -> dict[str, Any] | Response:
        raw = await read_body(request)
        if raw is None:
            return too_large()
        try:
            return parse_json_body(raw)
        except InvalidRequest as exc:
            return admin_error(str(exc))

    def clock_body() -> dict[str, Any]:
        now = engine.now()
        return {
            "now": iso(now),
            "nowMs": now,
            "speed": engine.clock.speed,
            "mode": engine.clock.kind,
        }

    async def admin_reset(request: Request) -> Response:
        engine.reset()
        return json_response(200, {"success": True})

    async def admin_get_clock(request: Request) -> Response:
        return json_response(200, clock_body())

    async def admin_set_clock(request: Request) -> Response:
        body = await admin_body(request)
        if isinstance(body, Response):
            return body
        unknown = set(body) - {"advance", "speed"}
        if unknown or not body:
            return admin_error('body must be {"advance": seconds} and/or {"speed": x}')
        for key in ("speed", "advance"):
            if key in body and body[key] is None:
                return admin_error(f"{key} must be a number")
        try:
            if "speed" in body:
                speed = optional_number(body, "speed", math.nan, 0.001, 1_000_000)
                engine.set_speed(speed)
            if "advance" in body:
                engine.advance(optional_number(body, "advance", math.nan, 0, MAX_ADVANCE))
        except ValueError as exc:
            return admin_error(str(exc))
        return json_response(200, clock_body())

    async def admin_get_faults(request: Request) -> Response:
        config = engine.faults.config
        return json_response(200, {"faults": None if config is None else config.as_dict()})

    async def admin_set_faults(request: Request) -> Response:
        body = await admin_body(request)
        if isinstance(body, Response):
            return body
        try:
            config = parse_fault_config(body)
        except ValueError as exc:
            return admin_error(str(exc))
        engine.faults.set(config)
        return json_response(200, {"success": True, "faults": config.as_dict()})

    async def admin_clear_faults(request: Request) -> Response:
        engine.faults.set(None)
        return json_response(200, {"success": True, "faults": None})

    async def admin_requests(request: Request) -> Response:
        with engine.lock:
            entries = [e.as_dict() for e in engine.journal]
        return json_response(200, {"requests": entries})

    async def admin_stats(request: Request) -> Response:
        return json_response(200, engine.stats())

    async def admin_scenario(request: Request) -> Response:
        body = await admin_body(request)
        if isinstance(body, Response):
            return body
        scenario = body.get("scenario")
        if scenario is not None and scenario not in (*SCENARIOS, "random"):
            return admin_error(f"scenario must be one of {', '.join(SCENARIOS)}, random or null")
        engine.default_scenario = None if scenario == "random" else scenario
        return json_response(200, {"success": True, "scenario": engine.default_scenario})

    async def admin_capacity(request: Request) -> Response:
        body = await admin_body(request)
        if isinstance(body, Response):
            return body
        try:
            engine.set_capacity(optional_int(body, "capacity", engine.capacity, 1, 10_000))
        except InvalidRequest as exc:
            return admin_error(str(exc))
        return json_response(200, {"success": True, "capacity": engine.capacity})

    return [
        ("/_mock/reset", "POST", admin_reset),
        ("/_mock/clock", "GET", admin_get_clock),
        ("/_mock/clock", "POST", admin_set_clock),
        ("/_mock/faults", "GET", admin_get_faults),
        ("/_mock/faults", "POST", admin_set_faults),
        ("/_mock/faults", "DELETE", admin_clear_faults),
        ("/_mock/requests", "GET", admin_requests),
        ("/_mock/stats", "GET", admin_stats),
        ("/_mock/scenario", "POST", admin_scenario),
        ("/_mock/capacity", "POST", admin_capacity),
    ]
