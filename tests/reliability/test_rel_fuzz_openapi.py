"""Fuzzing the mock (reference mode) from its own ``/openapi.json`` with schemathesis.

For every documented operation, generated requests, schema-valid and schema-violating, never get
a 5xx, and every response conforms to the document: a documented status code and content type,
documented headers, and a body matching the response schema. Requests go in-process to the ASGI
app; half of them use ids that exist (a seeded character and job), to get past the 404s.

Examples per operation: ``CHARLIB_FUZZ_EXAMPLES`` (default 10, the same ones every run; when set,
that many, drawn at random: try 300 locally).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_server import ManualClock, create_app

EXAMPLES = int(os.environ.get("CHARLIB_FUZZ_EXAMPLES", "10"))
# CI runs the same examples every time; a run that asks for more explores at random.
DERANDOMIZE = "CHARLIB_FUZZ_EXAMPLES" not in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

app = create_app(clock=ManualClock(), mode="reference", seed=3)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


async def _seed_data() -> dict[str, str]:
    """A character with a master reference and a job, so generated requests can name them."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as client:
        created = await client.post("/api/v1/characters", json={"name": "Fuzz Target"})
        char_id = created.json()["id"]
        await client.post(
            f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"}
        )
        started = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    return {"id": char_id, "jobId": started.json()["jobId"]}


KNOWN = asyncio.run(_seed_data())


def _cases(operation: Any) -> st.SearchStrategy[Any]:
    names = {p.name for p in operation.path_parameters}
    known = {name: value for name, value in KNOWN.items() if name in names}
    strategies = [
        operation.as_strategy(generation_mode=mode)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    if known:
        strategies.append(operation.as_strategy(path_parameters=known))
    return st.one_of(strategies)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_openapi_fuzz(operation: Any) -> None:
    """Generated requests: no 5xx; status, content type, headers and body match the document."""

    @hypothesis.given(case=_cases(operation))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def fuzz(case: Any) -> None:
        app.mock.clear_faults()  # the admin API is fuzzed too: no injected fault may leak
        case.call_and_validate(checks=CHECKS)

    fuzz()
