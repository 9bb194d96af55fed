"""The ``/_mock/`` admin API: the powers of :class:`~mock_server.control.MockControl` over HTTP.

Each endpoint parses its body and calls the control handle, so a power behaves the same in
process (``app.mock``) and over HTTP. Faults never apply here (the middleware skips ``/_mock``),
and the journal does not record it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server import shapes
from mock_server.bodies import (
    CapacityInput,
    ClockInput,
    Faults,
    InvalidRequest,
    ScenarioInput,
    parse_body,
    parse_json_body,
)
from mock_server.control import MockControl
from mock_server.errors import Family, handles
from mock_server.http import json_response, read_body
from mock_server.operation import ADMIN_TAG, Operation, Reply
from mock_server.render import iso
from mock_server.routes.common import control_of

__all__ = ["OPERATIONS"]


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object sent."""
    return parse_json_body(await read_body(request))


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


@handles(Family.PLAIN)
async def set_clock(request: Request) -> Response:
    """Change the clock's speed and/or advance it."""
    body = await _body(request)
    change = parse_body(ClockInput, body)
    control = control_of(request)
    try:
        if change.speed is not None:
            control.set_speed(change.speed)
        if change.advance is not None:
            control.advance(change.advance)
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
    config = parse_body(Faults, body).config()
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
    """The default scenario of jobs started without an X-Mock-Scenario header."""
    body = await _body(request)
    control = control_of(request)
    try:
        control.set_scenario(parse_body(ScenarioInput, body).scenario)
    except ValueError as exc:  # a cassette that is not loaded
        raise InvalidRequest(str(exc)) from None
    return json_response(200, {"success": True, "scenario": control.scenario})


@handles(Family.PLAIN)
async def set_capacity(request: Request) -> Response:
    """How many jobs process at once."""
    body = await _body(request)
    control = control_of(request)
    capacity = parse_body(CapacityInput, body).capacity
    if capacity is not None:
        control.set_capacity(capacity)
    return json_response(200, {"success": True, "capacity": control.capacity})


def _admin(
    method: str, path: str, endpoint: Any, shape: type[Any], body: type[Any] | None
) -> Operation:
    """An admin operation, summarised by its endpoint's docstring; with a body it can answer 400."""
    summary = (endpoint.__doc__ or "").splitlines()[0].rstrip(".")
    replies = {200: Reply(summary, shape)}
    if body is not None:
        replies[400] = Reply("Invalid", shapes.Error)
    return Operation(method, path, endpoint, summary, replies, tag=ADMIN_TAG, body=body)


OPERATIONS: tuple[Operation, ...] = tuple(
    _admin(*row)
    for row in (
        # method, path, endpoint, the 200 reply's shape, the body model (None: no body)
        ("POST", "/_mock/reset", reset, shapes.Ok, None),
        ("GET", "/_mock/clock", get_clock, shapes.Clock, None),
        ("POST", "/_mock/clock", set_clock, shapes.Clock, ClockInput),
        ("GET", "/_mock/faults", get_faults, shapes.FaultsState, None),
        ("POST", "/_mock/faults", set_faults, shapes.FaultsState, Faults),
        ("DELETE", "/_mock/faults", clear_faults, shapes.FaultsState, None),
        ("GET", "/_mock/requests", journal, shapes.Requests, None),
        ("GET", "/_mock/stats", stats, shapes.Stats, None),
        ("POST", "/_mock/scenario", set_scenario, shapes.Scenario, ScenarioInput),
        ("POST", "/_mock/capacity", set_capacity, shapes.Capacity, CapacityInput),
    )
)
