"""Recording a job as a cassette and replaying it in another mock: the SDK sees the same job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import charlib
from charlib.testing import VirtualClock, in_process_client, record_job, record_new_job
from mock_server import ManualClock, MockApp, ScaledClock, create_app, serve

KEY = "sk-test-0123456789abcdef"
Key = tuple[str, int, int, str | None]


def _key(status: charlib.JobStatus) -> Key:
    progress = status.progress
    return (status.status.value, progress.current, progress.total, progress.current_task)


def _character(client: charlib.Client, name: str = "Ada") -> str:
    character = client.characters.create(name=name)
    client.characters.generate_initial_image(character.id, prompt="portrait")
    return character.id


@pytest.fixture
def upstream_tape(tmp_path: Path) -> tuple[Path, list[Key]]:
    """A 2-image job of an upstream-mode mock (API key on), recorded with the adaptive policy
    (jitter off, so the recording is the same every run); what its watch saw."""
    app = create_app(clock=ManualClock(), mode="upstream", seed=11, api_key=KEY)
    seen: list[Key] = []
    (tmp_path / "tapes").mkdir()
    with in_process_client(app, api_key=KEY) as client:
        recording = record_new_job(
            client,
            _character(client),
            tmp_path / "tapes" / "up.json",
            image_count=2,
            poll=charlib.PollPolicy(jitter=0),
            on_progress=lambda status: seen.append(_key(status)),
        )
    assert recording.status.status is charlib.JobState.COMPLETED
    return recording.path, seen


def _replay_app(tapes: Path, mode: str, name: str = "up") -> MockApp:
    app = create_app(clock=ManualClock(), mode=mode, seed=99, cassettes=tapes)
    app.mock.set_scenario(f"cassette:{name}")  # every job started on it replays the tape
    return app


@pytest.mark.parametrize("mode", ["reference", "upstream"])
def test_watch_sees_the_recorded_sequence(upstream_tape: tuple[Path, list[Key]], mode: str) -> None:
    """Replayed in another mock (either mode), a watch sees the recorded (status, current,
    total, task) sequence, the total's 2 -> 27 -> 2 jumps (D7) included."""
    path, recorded = upstream_tape
    app = _replay_app(path.parent, mode)
    with in_process_client(app) as client:
        job = client.characters.generate_360_set(_character(client, "Grace"), image_count=2)
        replayed = [_key(status) for status in client.jobs.watch(job.id, poll=0.5)]
    assert replayed == recorded
    assert [total for _, _, total, _ in recorded][:3] == [2, 27, 27]
    assert recorded[-1] == ("completed", 2, 2, "Completed")


def test_the_cassette_holds_the_request_the_states_and_the_results(
    upstream_tape: tuple[Path, list[Key]],
) -> None:
    """The documented format: version, the starting request, one server time per state."""
    path, recorded = upstream_tape
    cassette = json.loads(path.read_text(encoding="utf-8"))
    assert (cassette["format"], cassette["version"]) == ("charlib.cassette", 1)
    assert cassette["request"]["body"] == {"imageCount": 2}
    assert cassette["request"]["status"] == 202
    assert cassette["job"]["jobId"] == cassette["request"]["response"]["jobId"]
    times = [step["serverTime"] for step in cassette["timeline"]]
    assert times == sorted(times)
    assert all(time.endswith("Z") for time in times)
    assert cassette["recorded"]["states"] == len(cassette["timeline"]) >= len(recorded)
    final = cassette["timeline"][-1]["body"]
    assert final["results"]["success"] is True  # the upstream quirk, as the server sent it
    # Adaptive polling: a few polls per shot, far fewer than the job's ~20 minutes in seconds.
    assert len(times) < 200


def test_no_secret_is_ever_written(upstream_tape: tuple[Path, list[Key]]) -> None:
    """The API key, Authorization and Bearer never appear in a cassette."""
    text = upstream_tape[0].read_text(encoding="utf-8")
    assert KEY not in text
    assert "authorization" not in text.lower()
    assert "bearer" not in text.lower()


def _echoing_server(request: httpx.Request) -> httpx.Response:
    """A server that echoes the credentials it gets into every status body (a hostile one)."""
    auth = request.headers.get("authorization", "")
    body: dict[str, Any] = {
        "success": True,
        "jobId": "job-1",
        "status": "completed",
        "progress": {"current": 1, "total": 1, "percentage": 100, "currentTask": "Completed"},
        "message": f"you sent {auth} and {KEY}",
        "echo": {"Authorization": auth, "apiKey": KEY, "x-api-key": KEY, "note": auth},
        "debug": f"key={KEY}",
        "results": {
            "generatedImages": [
                {"url": f"https://cdn.example/a.png?sig=abc&key={KEY}", "angle": "front"}
            ]
        },
    }
    return httpx.Response(200, json=body, headers={"date": "Thu, 01 Jan 2026 00:00:00 GMT"})


def test_a_server_echoing_the_key_cannot_put_it_in_a_cassette(tmp_path: Path) -> None:
    """Echoed keys are replaced, credential fields dropped, Bearer values and URLs redacted."""
    http = httpx.Client(transport=httpx.MockTransport(_echoing_server))
    with charlib.Client(base_url="https://api.example/", api_key=KEY, http_client=http) as c:
        recording = record_job(c, "job-1", tmp_path / "echo.json", redact_urls=True)
    text = recording.path.read_text(encoding="utf-8")
    for secret in (KEY, "Bearer", "authorization", "apiKey", "api.example", "cdn.example", "sig="):
        assert secret.lower() not in text.lower(), secret
    cassette = json.loads(text)
    assert cassette["recorded"]["server"] == "<redacted>"
    assert cassette["timeline"][0]["body"]["debug"] == "key=<redacted>"
    # What is left is a cassette the mock accepts.
    create_app(clock=ManualClock(), cassettes=recording.path)


def test_without_redact_urls_the_server_is_named_without_credentials(tmp_path: Path) -> None:
    """The server's URL is written without its query (nor, were it given, a password)."""
    http = httpx.Client(transport=httpx.MockTransport(_echoing_server))
    with charlib.Client(base_url="https://api.example/v?x=1", http_client=http) as c:
        recording = record_job(c, "job-1", tmp_path / "plain.json")
    cassette = json.loads(recording.path.read_text(encoding="utf-8"))
    assert cassette["recorded"]["server"] == "https://api.example/v"
    assert "cdn.example" in json.dumps(cassette)


@pytest.fixture
def fast_upstream() -> Iterator[charlib.Client]:
    """A client on a real upstream-mode mock over HTTP (its clock 3000x real time)."""
    with (
        serve(clock=ScaledClock(3000), mode="upstream") as server,
        charlib.Client(base_url=server.url) as client,
    ):
        yield client


def test_record_over_http_and_replay_over_http(tmp_path: Path, fast_upstream: Any) -> None:
    """A job recorded from a real server replays on another real server, to the same end."""
    client = fast_upstream
    job = client.characters.generate_360_set(_character(client), image_count=1)
    recording = record_job(client, job.id, tmp_path / "live.json")
    recorded = recording.status
    with (
        serve(
            clock=ScaledClock(3000), seed=5, cassettes=tmp_path, scenario="cassette:live"
        ) as server,
        charlib.Client(base_url=server.url) as replayer,
    ):
        replay = replayer.characters.generate_360_set(_character(replayer), image_count=1)
        final = replay.wait()
        assert final.results is not None
        assert recorded.results is not None
        image = final.results.generated_images[0]
        assert image.url is not None
        assert image.url.startswith(f"{server.url}/media/jobs/{replay.id}/")
        assert httpx.get(image.url).content.startswith(b"\x89PNG")
    assert final.job_id == replay.id != job.id
    assert len(final.results.generated_images) == len(recorded.results.generated_images)
    assert final.progress.total == recorded.progress.total


def test_record_refuses_an_async_client_and_a_missing_directory(tmp_path: Path) -> None:
    """Recording is blocking; the cassette must be NAME.json in a directory that exists
    (checked before polling)."""
    with pytest.raises(charlib.InvalidParameterError, match="client"):
        record_job(charlib.AsyncClient(base_url="http://x"), "j", tmp_path / "a.json")  # type: ignore[arg-type]
    http = httpx.Client(transport=httpx.MockTransport(_echoing_server))
    with (
        charlib.Client(base_url="http://x", http_client=http) as c,
        pytest.raises(charlib.InvalidParameterError, match="not a directory"),
    ):
        record_job(c, "job-1", tmp_path / "missing" / "a.json")
    for bad in ("a cassette.json", "-a.json", "a.txt"):
        with pytest.raises(charlib.InvalidParameterError, match=r"NAME\.json"):
            record_job(charlib.Client(http_client=http), "job-1", tmp_path / bad)


def test_a_job_that_never_stops_changing_cannot_fill_a_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job whose body changes at every poll, forever: the recording stops at the cassette's
    limit with an error, and writes nothing."""
    monkeypatch.setattr("charlib._cassette.MAX_STATES", 50)
    polls = {"n": 0}

    def endless(request: httpx.Request) -> httpx.Response:
        polls["n"] += 1
        progress = {"current": 0, "total": 1, "percentage": 0, "currentTask": f"x{polls['n']}"}
        body = {"jobId": "j", "status": "processing", "progress": progress}
        return httpx.Response(200, json=body)

    http = httpx.Client(transport=httpx.MockTransport(endless))
    clock = VirtualClock()
    with (
        charlib.Client(base_url="http://x", http_client=http, clock=clock) as client,
        pytest.raises(charlib.CharlibError, match="outgrew a cassette"),
    ):
        record_job(client, "j", tmp_path / "endless.json", poll=1)
    assert polls["n"] == 51
    assert list(tmp_path.iterdir()) == []


def test_record_new_job_refuses_an_option_generate_360_set_does_not_take(tmp_path: Path) -> None:
    """A misspelt job option is refused naming ``record_new_job`` before any job starts."""
    app = create_app(clock=ManualClock(), seed=3)
    with in_process_client(app) as client:
        character = _character(client)
        with pytest.raises(TypeError, match=r"record_new_job\(\): .*'image_cont'"):
            record_new_job(client, character, tmp_path / "t.json", image_cont=1)  # type: ignore[call-arg]
        assert client.jobs.list().jobs == []
    assert not (tmp_path / "t.json").exists()
