"""The ``/_mock/`` admin API: the powers of :class:`~mock_server.control.MockControl` over HTTP.

Each endpoint parses its body and calls the control handle, so a power behaves the same in
process (``app.mock``) and over HTTP. Faults never apply here (the middleware skips ``/_mock``),
and the journal does not record it.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.control import MockControl
from mock_server.errors import Family, handles
from mock_server.faults import parse_fault_config
from mock_server.http import json_response, read_body, too_large
from mock_server.operation import ADMIN_TAG, Operation, Reply
from mock_server.render import iso
from mock_server.routes.common import control_of
from mock_server.validation import InvalidRequest, optional_int, optional_number, parse_json_body

__all__ = ["MAX_ADVANCE", "OPERATIONS"]

MAX_ADVANCE = 10 * 365 * 86_400  # seconds one POST /_mock/clock may jump


async def _body(request: Request) -> dict[str, Any] | None:
    """The JSON object sent, or None when it is too large."""
    raw = await read_body(request)
    return None if raw is None else parse_json_body(raw)


def _clock(control: MockControl) -> dict[str, Any]:
    now = control.now_ms()
    return {"now": iso(now), "nowMs": now, "speed": control.speed, "mode": control.clock_kind}


async def reset(request: Request) -> Response:
    """Forget all data, faults, scenario and the journal."""
    control_of(request).reset()
    return json_response(200, {"success": True})


async def get_clock(request: Request) -> Response:
    """The server clock."""
    return json_response(200, _clock(control_of(request)))


def _clock_change(body: dict[str, Any]) -> tuple[float | None, float | None]:
    """(speed, advance) of a clock body; each None when absent."""
    if set(body) - {"advance", "speed"} or not body:
        raise InvalidRequest('body must be {"advance": seconds} and/or {"speed": x}')
    for key in ("speed", "advance"):
        if key in body and body[key] is None:
            raise InvalidRequest(f"{key} must be a number")
    speed = advance = None
    if "speed" in body:
        speed = optional_number(body, "speed", math.nan, 0.001, 1_000_000)
    if "advance" in body:
        advance = optional_number(body, "advance", math.nan, 0, MAX_ADVANCE)
    return speed, advance


@handles(Family.PLAIN)
async def set_clock(request: Request) -> Response:
    """Change the clock's speed and/or advance it."""
    body = await _body(request)
    if body is None:
        return too_large()
    speed, advance = _clock_change(body)
    control = control_of(request)
    try:
        if speed is not None:
            control.set_speed(speed)
        if advance is not None:
            control.advance(advance)
    except ValueError as exc:  # e.g. a speed for a manual clock
        raise InvalidRequest(str(exc)) from None
    return json_response(200, _clock(control))


async def get_faults(request: Request) -> Response:
    """The faults being injected (null: none)."""
    config = control_of(request).faults
    return json_response(200, {"faults": None if config is None else config.as_dict()})


@handles(Family.PLAIN)
async def set_faults(request: Request) -> Response:
    """Inject faults."""
    body = await _body(request)
    if body is None:
        return too_large()
    try:
        config = parse_fault_config(body)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    control_of(request).apply_faults(config)
    return json_response(200, {"success": True, "faults": config.as_dict()})


async def clear_faults(request: Request) -> Response:
    """Stop injecting faults."""
    control_of(request).clear_faults()
    return json_response(200, {"success": True, "faults": None})


async def journal(request: Request) -> Response:
    """The request journal, oldest first."""
    return json_response(200, {"requests": control_of(request).requests()})


async def stats(request: Request) -> Response:
    """Job and request statistics."""
    return json_response(200, control_of(request).stats())


@handles(Family.PLAIN)
async def set_scenario(request: Request) -> Response:
    """The scenario of jobs started without ``X-Mock-Scenario``."""
    body = await _body(request)
    if body is None:
        return too_large()
    control = control_of(request)
    try:
        control.set_scenario(body.get("scenario"))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    return json_response(200, {"success": True, "scenario": control.scenario})


@handles(Family.PLAIN)
async def set_capacity(request: Request) -> Response:
    """How many jobs process at once."""
    body = await _body(request)
    if body is None:
        return too_large()
    control = control_of(request)
    control.set_capacity(optional_int(body, "capacity", control.capacity, 1, 10_000))
    return json_response(200, {"success": True, "capacity": control.capacity})


def _op(method: str, path: str, endpoint: Any, summary: str, *errors: int) -> Operation:
    replies = {200: Reply("Done"), **{status: Reply("Invalid") for status in errors}}
    return Operation(method, path, endpoint, summary, replies, tag=ADMIN_TAG)


OPERATIONS: tuple[Operation, ...] = (
    _op("POST", "/_mock/reset", reset, "Forget all data, faults and journal"),
    _op("GET", "/_mock/clock", get_clock, "Read the server clock"),
    _op("POST", "/_mock/clock", set_clock, "Advance the clock and/or change its speed", 400),
    _op("GET", "/_mock/faults", get_faults, "Current faults"),
    _op("POST", "/_mock/faults", set_faults, "Inject faults", 400),
    _op("DELETE", "/_mock/faults", clear_faults, "Stop faults"),
    _op("GET", "/_mock/requests", journal, "Request journal"),
    _op("GET", "/_mock/stats", stats, "Job and request statistics"),
    _op("POST", "/_mock/scenario", set_scenario, "Default scenario (no X-Mock-Scenario)", 400),
    _op("POST", "/_mock/capacity", set_capacity, "Jobs processing at once", 400),
)
