"""Domain errors to HTTP answers: one table, per route family and per mode.

The live service's routes do not share an error envelope (CONTRACT §3-§11), and in upstream mode
several of its answers are quirks (a missing character is a 500, D11/D13). Every such difference
is one row of :data:`ANSWERS`: the family of the route, the rule that was broken, and what the
reference and the upstream mode answer. Endpoints raise; :func:`handles` turns the error into
the answer of the endpoint's family.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.bodies import InvalidJson, InvalidRequest
from mock_server.domain import DomainError, Rule
from mock_server.http import BodyTooLarge, json_response, too_large
from mock_server.operation import Endpoint

__all__ = ["ANSWERS", "Answer", "Family", "error_response", "handles"]


class Family(enum.Enum):
    """Routes that share an error envelope (see :func:`_envelope`)."""

    CHARACTER = "character"  # {"error"}
    REFERENCE = "reference"  # {"success": false, "updated": false, "error"}
    INITIAL = "initial"  # {"success": false, "error", "details"?}
    JOB = "job"  # {"success": false, "status": "failed", "error"}
    JOB_LIST = "job-list"  # an empty page with {"error"}
    CANCEL = "cancel"  # {"success": false, "message"}
    CORE_SET = "core-set"  # {"error", "details"?}
    PLAIN = "plain"  # {"success": false, "error"}: seeder, media, admin, idempotency


@dataclass(frozen=True, slots=True)
class Answer:
    """A status and a message (``{detail}``/``{action}`` filled in), with optional details."""

    status: int
    message: str = "{detail}"
    details: str | None = None


#: Pseudo-rules for request validation (raised by the parsers, not the engine).
INVALID = "invalid"
INVALID_JSON = "invalid-json"

_CHAR_404 = Answer(404, "Character not found")
_CORE_500 = Answer(500, "Internal server error during core set generation", "Not Found")

#: (family or None for any, rule) -> (reference answer, upstream answer or None for the same).
ANSWERS: Mapping[tuple[Family | None, Rule | str], tuple[Answer, Answer | None]] = {
    (None, INVALID): (Answer(400), None),
    (None, INVALID_JSON): (Answer(400), None),
    (Family.JOB, INVALID_JSON): (Answer(400), Answer(500, "{js_message}")),  # D13
    (None, Rule.CONFLICT): (Answer(409), None),
    (Family.CHARACTER, Rule.CHARACTER_NOT_FOUND): (
        _CHAR_404,
        Answer(500, "Failed to {action} character"),  # D11: Payload throws, 404 branch dead
    ),
    (Family.REFERENCE, Rule.CHARACTER_NOT_FOUND): (_CHAR_404, Answer(500, "Not Found")),
    (Family.REFERENCE, Rule.MEDIA_NOT_FOUND): (Answer(404, "Media not found"), None),
    (Family.INITIAL, Rule.CHARACTER_NOT_FOUND): (
        _CHAR_404,
        Answer(500, "Failed to generate initial image", "Not Found"),
    ),
    (Family.INITIAL, Rule.HAS_REFERENCE): (
        Answer(400, "Character already has a master reference image"),
        None,
    ),
    (Family.JOB, Rule.CHARACTER_NOT_FOUND): (_CHAR_404, Answer(500, "Not Found")),
    (Family.JOB, Rule.NO_REFERENCE): (
        Answer(400, "Character must have a master reference image for 360° generation"),
        None,
    ),
    (Family.JOB, Rule.REFERENCE_WITHOUT_DINO): (
        Answer(400, "Character must have a master reference image for 360° generation"),
        None,
    ),
    (Family.JOB, Rule.PARTIAL_NEEDS_TWO): (
        Answer(400, "The partial scenario needs imageCount of at least 2"),
        None,
    ),
    (Family.CORE_SET, Rule.CHARACTER_NOT_FOUND): (_CHAR_404, _CORE_500),
    (Family.CORE_SET, Rule.CHARACTER_GONE): (_CORE_500, None),
    (Family.CORE_SET, Rule.NO_REFERENCE): (
        Answer(400, "Master reference image is required before generating core set"),
        None,
    ),
    (Family.CORE_SET, Rule.REFERENCE_UNPROCESSED): (
        Answer(400, "Master reference image must be processed before generating core set"),
        None,
    ),
    (Family.CORE_SET, Rule.REFERENCE_WITHOUT_DINO): (
        Answer(400, "Master reference image not properly processed with DINOv3"),
        None,
    ),
    (Family.CANCEL, Rule.JOB_NOT_FOUND): (Answer(404, "Job not found"), None),
    (Family.CANCEL, Rule.JOB_FINAL): (Answer(400, "Cannot cancel job with status: {detail}"), None),
}

_EMPTY_PAGE = {
    "totalDocs": 0,
    "limit": 10,
    "page": 1,
    "totalPages": 0,
    "hasNextPage": False,
    "hasPrevPage": False,
}


def _envelope(family: Family, message: str, details: str | None) -> dict[str, Any]:
    """The error body of a route family."""
    extra = {} if details is None else {"details": details}
    if family is Family.CHARACTER:
        return {"error": message}
    if family is Family.CORE_SET:
        return {"error": message, **extra}
    if family is Family.REFERENCE:
        return {"success": False, "updated": False, "error": message}
    if family is Family.JOB:
        return {"success": False, "status": "failed", "error": message}
    if family is Family.JOB_LIST:
        return {"success": False, "jobs": [], "pagination": dict(_EMPTY_PAGE), "error": message}
    if family is Family.CANCEL:
        return {"success": False, "message": message}
    return {"success": False, "error": message, **extra}


def _rule(exc: Exception) -> Rule | str:
    if isinstance(exc, DomainError):
        return exc.rule
    return INVALID_JSON if isinstance(exc, InvalidJson) else INVALID


def error_response(exc: Exception, family: Family, mode: str, *, action: str = "") -> Response:
    """The answer of ``family`` to ``exc`` in ``mode`` (``action`` names the CRUD verb)."""
    rule = _rule(exc)
    reference, upstream = ANSWERS.get((family, rule)) or ANSWERS[(None, rule)]
    answer = upstream if mode == "upstream" and upstream is not None else reference
    fields = {
        "detail": getattr(exc, "detail", None) or str(exc),
        "action": action,
        "js_message": getattr(exc, "js_message", ""),
    }
    return json_response(
        answer.status, _envelope(family, answer.message.format(**fields), answer.details)
    )


def handles(family: Family, *, action: str = "") -> Callable[[Endpoint], Endpoint]:
    """Decorate an endpoint: a domain or validation error it raises becomes its family's answer,
    and a body over the limit a 413."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            try:
                return await endpoint(request)
            except BodyTooLarge:
                return too_large()
            except (DomainError, InvalidRequest) as exc:
                mode: str = request.app.state.engine.mode
                return error_response(exc, family, mode, action=action)

        return wrapper

    return decorate
