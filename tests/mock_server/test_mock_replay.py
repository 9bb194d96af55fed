"""Replaying cassettes: a recorded timeline on the mock's clock, as a job like the others."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, MockApp, create_app, serve
from tests.mock_server.cassette_kit import character, follow, key, record, small, write

Made = tuple[MockApp, httpx.AsyncClient]


@pytest.fixture(scope="module")
def upstream_recording() -> dict[str, Any]:
    """An upstream-mode job of 2 images (total 2 -> 27 -> 2), recorded once for the module."""

    async def make() -> dict[str, Any]:
        app = create_app(clock=ManualClock(), mode="upstream", seed=1)
        async with _client(app) as client:
            return await record(app, client, {"imageCount": 2, "customSeed": 4})

    return asyncio.run(make())


@pytest.fixture
def recorded(tmp_path: Path, upstream_recording: dict[str, Any]) -> dict[str, Any]:
    """The upstream recording as ``tapes/up.json`` beside the hand-made ``tapes/small.json``."""
    write(tmp_path / "tapes", "up", upstream_recording)
    write(tmp_path / "tapes", "small", small())
    return upstream_recording


def _client(app: MockApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replay")


@pytest.fixture
async def replayer(tmp_path: Path, recorded: dict[str, Any]) -> AsyncIterator[Made]:
    """A reference-mode mock (another seed: other ids) with the cassettes loaded."""
    app = create_app(clock=ManualClock(), seed=9, cassettes=tmp_path / "tapes")
    async with _client(app) as client:
        yield app, client


async def _replay(client: httpx.AsyncClient, name: str = "up", **headers: str) -> str:
    char_id = await character(client, "Grace")
    response = await client.post(
        f"/api/v1/characters/{char_id}/generate-360-set",
        json={},
        headers={"X-Mock-Scenario": f"cassette:{name}", **headers},
    )
    assert response.status_code == 202, response.text
    return str(response.json()["jobId"])


@pytest.mark.parametrize("mode", ["reference", "upstream"])
async def test_the_recorded_sequence_replays_in_both_modes(
    tmp_path: Path, recorded: dict[str, Any], mode: str
) -> None:
    """Status, current, total and task follow the recording, the total's jumps included."""
    app = create_app(clock=ManualClock(), mode=mode, seed=9, cassettes=tmp_path / "tapes")
    async with _client(app) as client:
        job_id = await _replay(client)
        seen = await follow(app, client, job_id)
    expected = [key(step["body"]) for step in recorded["timeline"]]
    assert [key(body) for _, body in seen] == expected
    assert {body["progress"]["total"] for _, body in seen} == {2, 27}


async def test_ids_media_and_times_are_the_replays_own(
    replayer: Made, recorded: dict[str, Any]
) -> None:
    """No recorded id is left; images are served placeholders; timestamps move with the clock."""
    app, client = replayer
    app.mock.advance(3600)
    job_id = await _replay(client)
    final = (await follow(app, client, job_id))[-1][1]
    text = json.dumps(final)
    assert recorded["job"]["jobId"] not in text
    assert recorded["job"]["characterId"] not in text
    assert final["jobId"] == job_id
    images = final["results"]["generatedImages"]
    assert images
    for image in images:
        assert image["url"].startswith(f"http://replay/media/jobs/{job_id}/")
        png = await client.get(image["url"])
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
    recorded_final = recorded["timeline"][-1]["body"]
    assert final["results"]["success"] is True  # the recorded quirk (D17) is kept
    assert final["completedAt"] != recorded_final["completedAt"]  # one hour later on this clock


async def test_a_replay_is_listed_and_filtered_like_any_job(replayer: Made) -> None:
    """At every step, the job list's status filter agrees with the poll."""
    app, client = replayer
    job_id = await _replay(client)
    for _ in range(40):
        body = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
        page = await client.get("/api/v1/jobs", params={"status": body["status"]})
        assert job_id in [job["jobId"] for job in page.json()["jobs"]]
        if body["status"] == "completed":
            break
        app.mock.advance(40)
    else:
        pytest.fail("the replay did not end")
    stats = app.mock.stats()
    assert stats["jobs"]["byStatus"]["completed"] == 1
    assert stats["quality"]["count"] == len(body["results"]["generatedImages"])


async def test_cancel_in_reference_mode_is_final(replayer: Made) -> None:
    """A cancel mid-replay freezes the job, with completedAt, and never changes again."""
    app, client = replayer
    job_id = await _replay(client, "small")
    app.mock.advance(20)
    assert (await client.delete(f"/api/v1/jobs/{job_id}/status")).json()["success"] is True
    app.mock.advance(3600)
    body = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
    assert body["status"] == "cancelled"
    assert body["progress"]["current"] == 0
    assert "completedAt" in body
    assert "results" not in body


async def test_cancel_in_upstream_mode_flips_back(tmp_path: Path, recorded: dict[str, Any]) -> None:
    """Upstream: the cancel shows until the next recorded step (D1), then the replay goes on."""
    app = create_app(clock=ManualClock(), mode="upstream", seed=9, cassettes=tmp_path / "tapes")
    async with _client(app) as client:
        job_id = await _replay(client, "small")
        app.mock.advance(20)
        await client.delete(f"/api/v1/jobs/{job_id}/status")
        cancelled = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
        assert cancelled["status"] == "cancelled"
        assert "completedAt" not in cancelled  # D21
        app.mock.advance(60)
        resumed = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
        assert resumed["status"] == "processing"
        final = app.mock.finish(job_id)
    assert final["status"] == "completed"


async def test_a_recorded_cancel_window_replays(tmp_path: Path) -> None:
    """A recording of the live service ignoring a cancel (D1) shows it again, list included."""
    up = create_app(clock=ManualClock(), mode="upstream", seed=1)
    async with _client(up) as client:
        char_id = await character(client)
        started = await client.post(
            f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 1}
        )
        job_id = started.json()["jobId"]
        up.mock.advance(60)
        await client.delete(f"/api/v1/jobs/{job_id}/status")
        seen = await follow(up, client, job_id, step=5)
    from tests.mock_server.cassette_kit import document

    write(tmp_path, "flip", document(job_id, char_id, {"imageCount": 1}, seen))
    app = create_app(clock=ManualClock(), seed=9, cassettes=tmp_path)
    async with _client(app) as client:
        replay = await _replay(client, "flip")
        statuses = []
        for _ in range(2000):
            body = (await client.get(f"/api/v1/jobs/{replay}/status")).json()
            listed = await client.get("/api/v1/jobs", params={"status": body["status"]})
            assert replay in [job["jobId"] for job in listed.json()["jobs"]]
            statuses.append(body["status"])
            if body["status"] == "completed":
                break
            app.mock.advance(5)
    assert "cancelled" in statuses
    assert statuses.index("cancelled") < len(statuses) - 1


async def test_a_queued_replay_waits_for_its_slot(tmp_path: Path, recorded: dict[str, Any]) -> None:
    """With capacity 1 a replay started behind a running job is pending until it ends."""
    app = create_app(clock=ManualClock(), seed=9, capacity=1, cassettes=tmp_path / "tapes")
    async with _client(app) as client:
        char_id = await character(client)
        first = await client.post(
            f"/api/v1/characters/{char_id}/generate-360-set", json={"imageCount": 2}
        )
        replay = await _replay(client, "small")
        queued = (await client.get(f"/api/v1/jobs/{replay}/status")).json()
        assert queued["status"] == "pending"
        assert queued["progress"]["currentTask"] == "Initializing..."
        app.mock.finish(first.json()["jobId"])
        app.mock.advance(10)
        assert (await client.get(f"/api/v1/jobs/{replay}/status")).json()["status"] == "processing"


async def test_unknown_cassettes_are_refused(replayer: Made) -> None:
    """An unknown name (traversal included) is a 400 naming it; nothing is created."""
    app, client = replayer
    char_id = await character(client)
    for name in ("nope", "../../etc/passwd", "up.json"):
        response = await client.post(
            f"/api/v1/characters/{char_id}/generate-360-set",
            json={},
            headers={"X-Mock-Scenario": f"cassette:{name}"},
        )
        assert response.status_code == 400
        assert "no cassette called" in response.json()["error"]
        assert "small, up" in response.json()["error"]
    assert app.mock.stats()["jobs"]["total"] == 0


async def test_the_default_scenario_can_be_a_cassette(replayer: Made) -> None:
    """``set_scenario("cassette:NAME")`` makes jobs without the header replay it."""
    app, client = replayer
    with pytest.raises(ValueError, match="no cassette called 'missing'"):
        app.mock.set_scenario("cassette:missing")
    app.mock.set_scenario("cassette:small")
    char_id = await character(client)
    started = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    final = app.mock.finish(started.json()["jobId"])
    assert final["results"]["processingTime"] == 90_000  # the recording's value


async def test_replays_persist_and_survive_a_missing_cassette(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    """With --db a replay resumes after a restart; without its cassette it still has a status."""
    db = str(tmp_path / "mock.sqlite3")
    app = create_app(clock=ManualClock(), db_path=db, cassettes=tmp_path / "tapes")
    async with _client(app) as client:
        job_id = await _replay(client, "small")
        app.mock.advance(30)
        before = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
    app.engine.store.close()
    again = create_app(clock=ManualClock(), db_path=db, cassettes=tmp_path / "tapes")
    async with _client(again) as client:
        assert (await client.get(f"/api/v1/jobs/{job_id}/status")).json() == before
    again.engine.store.close()
    lost = create_app(clock=ManualClock(), db_path=db)
    async with _client(lost) as client:
        lost.mock.advance(3600)
        body = (await client.get(f"/api/v1/jobs/{job_id}/status")).json()
    lost.engine.store.close()
    assert body["status"] == "completed"
    assert "cassette small, which this server has not loaded" in body["message"]


def test_a_replay_over_real_http(tmp_path: Path, recorded: dict[str, Any]) -> None:
    """serve(cassettes=...) on 127.0.0.1: the replay runs and its images are served."""
    with (
        serve(clock=ManualClock(), cassettes=tmp_path / "tapes") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        char_id = client.post("/api/v1/characters", json={"name": "Ada"}).json()["id"]
        client.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
        started = client.post(
            f"/api/v1/characters/{char_id}/generate-360-set",
            json={},
            headers={"X-Mock-Scenario": "cassette:small"},
        )
        job_id = started.json()["jobId"]
        final = server.mock.finish(job_id)
        assert final["status"] == "completed"
        body = client.get(f"/api/v1/jobs/{job_id}/status").json()
        url = body["results"]["generatedImages"][0]["url"]
        assert url.startswith(server.url)
        assert client.get(url).content.startswith(b"\x89PNG")


def test_the_document_accepts_cassette_names() -> None:
    """/openapi.json documents ``cassette:NAME`` beside the built-in scenarios."""
    document = create_app(clock=ManualClock()).state.openapi
    operation = json.loads(document)["paths"]["/api/v1/characters/{id}/generate-360-set"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "X-Mock-Scenario")
    patterns = [alt.get("pattern") for alt in header["schema"]["anyOf"]]
    assert any(p and p.startswith("^cassette:") for p in patterns)


async def test_the_default_scenario_can_be_set_to_a_cassette_over_http(replayer: Made) -> None:
    """``POST /_mock/scenario`` takes ``cassette:NAME`` like the header; an unloaded or empty
    name is a 400 naming what is wrong, and the scenario stays as it was."""
    app, client = replayer
    for bad, says in (("cassette:missing", "no cassette called 'missing'"), ("cassette:", "")):
        refused = await client.post("/_mock/scenario", json={"scenario": bad})
        assert refused.status_code == 400, refused.text
        assert says in refused.json()["error"]
        assert "scenario" in refused.json()["error"] or says
    assert app.mock.scenario is None
    chosen = await client.post("/_mock/scenario", json={"scenario": "cassette:small"})
    assert chosen.json() == {"success": True, "scenario": "cassette:small"}
    char_id = await character(client)
    started = await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})
    final = app.mock.finish(started.json()["jobId"])
    assert final["results"]["processingTime"] == 90_000  # the recording's value
