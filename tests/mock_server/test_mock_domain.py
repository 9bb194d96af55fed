"""The engine speaks the domain (errors with rules, outcomes), and one table answers them."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from mock_server import ManualClock, create_app
from mock_server.bodies import Generate360Input, parse_body
from mock_server.domain import CancelOutcome, NotFound, Precondition, Rule
from mock_server.engine import Engine
from mock_server.errors import ANSWERS, Family, error_response
from mock_server.routes import OPERATIONS, jobs
from mock_server.store import JobQuery


def _engine(mode: str = "reference") -> Engine:
    return create_app(clock=ManualClock(), mode=mode).engine


def _character(engine: Engine, *, reference: bool = True) -> str:
    name = f"Domain Test {reference}"
    char_id = str(engine.create_character({"name": name})["id"])
    if reference:
        engine.generate_initial_image(char_id, "a prompt", 768, 1024)
    return char_id


def test_every_rule_has_an_answer() -> None:
    """A rule the engine can break without a row in the table would be a 500."""
    answered = {rule for _, rule in ANSWERS}
    assert set(Rule) <= answered


def test_cancel_returns_outcomes_and_raises_rules() -> None:
    """Cancel: an outcome when it happens; NotFound/Precondition with their rules otherwise."""
    engine = _engine()
    char_id = _character(engine)
    job = engine.create_job(
        char_id, parse_body(Generate360Input, {"imageCount": 1}).options(), "success"
    )
    assert engine.cancel(job.job_id) is CancelOutcome.CANCELLED
    with pytest.raises(Precondition) as final:
        engine.cancel(job.job_id)
    assert (final.value.rule, final.value.detail) == (Rule.JOB_FINAL, "cancelled")
    with pytest.raises(NotFound) as missing:
        engine.cancel("no-such-job")
    assert missing.value.rule is Rule.JOB_NOT_FOUND


def test_create_job_checks_the_reference_and_the_scenario() -> None:
    """No master reference, or `partial` with one shot, is refused before anything is stored."""
    engine = _engine()
    bare = _character(engine, reference=False)
    options = parse_body(Generate360Input, {"imageCount": 1}).options()
    with pytest.raises(Precondition) as no_ref:
        engine.create_job(bare, options, None)
    assert no_ref.value.rule is Rule.NO_REFERENCE
    with pytest.raises(Precondition) as partial:
        engine.create_job(_character(engine), options, "partial")
    assert partial.value.rule is Rule.PARTIAL_NEEDS_TWO
    assert engine.list_jobs(JobQuery(limit=10))[1] == 0


@pytest.mark.parametrize(
    ("mode", "status", "body"),
    [
        ("reference", 404, {"error": "Character not found"}),
        ("upstream", 500, {"error": "Failed to update character"}),
    ],
)
def test_one_row_answers_per_mode(mode: str, status: int, body: dict[str, str]) -> None:
    """The same domain error is answered by the mode's column of the table (D11 upstream)."""
    response = error_response(
        NotFound(Rule.CHARACTER_NOT_FOUND, "x"), Family.CHARACTER, mode, action="update"
    )
    assert response.status_code == status
    assert httpx.Response(status, content=bytes(response.body)).json() == body


async def test_an_endpoint_serves_alone() -> None:
    """A module-level endpoint works in a bare Starlette app that only holds the engine."""
    app = Starlette(routes=[Route("/jobs/{jobId}", jobs.cancel_job, methods=["DELETE"])])
    app.state.engine = _engine()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://alone") as client:
        response = await client.delete("/jobs/missing")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Job not found"}


def test_the_table_lists_each_method_and_path_once() -> None:
    """One row per (method, path): the app and the document cannot disagree about a route."""
    keys = [(op.method, op.path) for op in OPERATIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("page", "limit"), [(0, 5), (1, 0), (1, -1), (-3, 10)])
def test_a_job_query_refuses_a_page_or_limit_below_one(page: int, limit: int) -> None:
    """Both stores would answer such a query differently (one empty, one everything), so it is
    refused where it is made."""
    with pytest.raises(ValueError, match="at least 1"):
        JobQuery(page=page, limit=limit)
