"""Injected faults, in-process: each kind, determinism, scoping, and the admin API."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from mock_server import InjectedConnectionReset, MockApp
from mock_server.faults import FaultConfig, FaultInjector, parse_fault_config

Char = Callable[..., Awaitable[str]]


@pytest.mark.parametrize(("kind", "status"), [("429", 429), ("503", 503), ("500", 500)])
async def test_rejections_happen_before_processing(
    app: MockApp, client: httpx.AsyncClient, kind: str, status: int
) -> None:
    """429/503/500 reject the request: nothing is created; 429/503 carry Retry-After."""
    app.mock.set_faults(rate=1.0, kinds=[kind], retry_after=2.5)
    response = await client.post("/api/v1/characters", json={"name": "Nobody"})
    assert response.status_code == status
    assert response.json()["success"] is False
    if status in (429, 503):
        assert response.headers["retry-after"] == "3"
    else:
        assert "retry-after" not in response.headers
    app.mock.clear_faults()
    assert (await client.get("/api/v1/characters")).json()["totalDocs"] == 0


async def test_reset_processes_then_drops(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """reset: the job is created, but in-process the client gets a connection error."""
    char_id = await character(client)
    app.mock.set_faults(kinds=["reset"])
    with pytest.raises(httpx.TransportError) as info:
        await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    assert isinstance(info.value, InjectedConnectionReset)
    assert isinstance(info.value, ConnectionResetError)
    app.mock.clear_faults()
    assert (await client.get("/api/v1/jobs")).json()["pagination"]["totalDocs"] == 1
    journal = app.mock.requests()
    assert journal[-2]["fault"] == "reset"
    assert journal[-2]["status"] == 202


async def test_malformed_processes_then_garbles(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """malformed: the work is done; the body is not valid JSON."""
    char_id = await character(client)
    app.mock.set_faults(kinds=["malformed"])
    response = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    assert response.status_code == 202
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    app.mock.clear_faults()
    assert (await client.get("/api/v1/jobs")).json()["pagination"]["totalDocs"] == 1


async def test_latency_delays_then_answers(app: MockApp, client: httpx.AsyncClient) -> None:
    """latency: the request still succeeds (after a short real wait)."""
    app.mock.set_faults(kinds=["latency"], latency=0.01)
    response = await client.get("/api/v1/jobs")
    assert response.status_code == 200
    assert app.mock.requests()[-1]["fault"] == "latency"


async def test_rate_prefix_and_admin_immunity(app: MockApp, client: httpx.AsyncClient) -> None:
    """Only paths under the prefix get faults; /_mock never does; rate 0 never fires."""
    app.mock.set_faults(kinds=["503"], path_prefix="/api/v1/jobs")
    assert (await client.get("/api/health")).status_code == 200
    assert (await client.get("/api/v1/jobs")).status_code == 503
    assert (await client.get("/_mock/clock")).status_code == 200
    app.mock.set_faults(rate=0.0, kinds=["503"])
    for _ in range(20):
        assert (await client.get("/api/v1/jobs")).status_code == 200


def test_decisions_are_seeded() -> None:
    """Same seed and config: the same sequence of faults; another seed differs."""
    config = FaultConfig(rate=0.5, kinds=("429", "503", "reset"))
    runs = []
    for seed in (1, 1, 2):
        injector = FaultInjector(seed, config)
        runs.append([injector.decide("/api/v1/jobs") for _ in range(64)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert None in runs[0]
    assert {"429", "503", "reset"} <= set(runs[0])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rate": 2}, "rate must be a number between 0 and 1"),
        ({"kinds": []}, "kinds must be a non-empty list"),
        ({"kinds": ["teapot"]}, "kinds must be a non-empty list"),
        ({"latency": 99}, "latency must be a number between 0 and 30"),
        ({"path_prefix": "api"}, "path_prefix must be a string starting with /"),
        ({"surprise": 1}, "unknown field: surprise"),
    ],
)
def test_fault_config_validation(body: dict[str, object], message: str) -> None:
    """Bad fault settings are refused with a message naming the field."""
    with pytest.raises(ValueError, match=message):
        parse_fault_config(body)


async def test_admin_fault_routes(app: MockApp, client: httpx.AsyncClient) -> None:
    """POST/GET/DELETE /_mock/faults set, show and clear the configuration."""
    bad = await client.post("/_mock/faults", json={"rate": -1})
    assert bad.status_code == 400
    set_ = await client.post("/_mock/faults", json={"rate": 1, "kinds": ["429"], "retry_after": 7})
    assert set_.json()["faults"]["kinds"] == ["429"]
    assert (await client.get("/_mock/faults")).json()["faults"]["retry_after"] == 7
    limited = await client.get("/api/v1/jobs")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
    assert (await client.delete("/_mock/faults")).json()["faults"] is None
    assert (await client.get("/api/v1/jobs")).status_code == 200
    stats = (await client.get("/_mock/stats")).json()
    assert stats["requests"]["errors"] == 1
    assert 0 < stats["errorRate"] < 1


async def test_retry_after_reset_with_a_key_finds_the_same_job(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """The point of reset: a client that retries with its Idempotency-Key gets the first job."""
    url = f"/api/v1/characters/{await character(client)}/generate-360-set"
    headers = {"Idempotency-Key": "retry-me"}
    app.mock.set_faults(kinds=["reset"], path_prefix="/api/v1/characters")
    with pytest.raises(httpx.TransportError):
        await client.post(url, json={"imageCount": 2}, headers=headers)
    app.mock.clear_faults()
    retried = await client.post(url, json={"imageCount": 2}, headers=headers)
    assert retried.status_code == 202
    assert retried.headers["idempotent-replayed"] == "true"
    jobs = (await client.get("/api/v1/jobs")).json()["jobs"]
    assert [j["jobId"] for j in jobs] == [retried.json()["jobId"]]
