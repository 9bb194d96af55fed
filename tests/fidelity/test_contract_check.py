"""``charlib.contract.check``: every fact holds on the reference mock, the live service's quirks
are named on the upstream mock, and a broken server is caught."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

import charlib
from charlib import contract
from charlib.contract import Verdict
from charlib.testing import InProcessTransport, VirtualClock
from mock_server import ManualClock, MockApp, create_app

#: What the upstream mode reproduces of the live service, fact by fact (CONTRACT §13/§14).
UPSTREAM_QUIRKS = {
    "errors.unknown-character": "D11",
    "errors.unknown-character-get": "D11",
    "errors.empty-body": "D13",
    "errors.malformed-body": "D13",
    "errors.zero-image-count": "D3",
    "job.total": "D7",
    "job.shot-order": "D22",
    "job.started-at": "D5",
    "job.estimate": "D6",
    "job.processing-time": "D4",
    "job.shot-count": "D7",
    "job.results-fields": "D17",
    "job.images": "D17",
    "media.images": "D17",
}

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


@contextmanager
def client_of(app: MockApp, rewrite: Rewrite | None = None) -> Iterator[charlib.Client]:
    """A client of ``app`` in-process on virtual time; ``rewrite`` may change every answer."""
    inner = InProcessTransport(app)

    def handle(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        return rewrite(request, response) if rewrite is not None else response

    http = httpx.Client(transport=httpx.MockTransport(handle))
    try:
        with charlib.Client(
            base_url="http://127.0.0.1:1", http_client=http, clock=VirtualClock(app.mock.advance)
        ) as client:
            yield client
    finally:
        http.close()
        inner.close()


def _run(
    app: MockApp, rewrite: Rewrite | None = None, **options: object
) -> contract.ContractReport:
    with client_of(app, rewrite) as client:
        return contract.check(client, **options)  # type: ignore[arg-type]


def test_every_fact_holds_on_the_reference_mock() -> None:
    """Reference mode: all 43 facts hold, and the check cleans up after itself."""
    app = create_app(clock=ManualClock())
    seen: list[str] = []
    with client_of(app) as client:
        report = contract.check(client, on_fact=lambda fact: seen.append(fact.id))
    assert [fact.id for fact in report.facts] == list(contract.FACTS)
    assert sorted(seen) == sorted(contract.FACTS)
    assert [f.id for f in report.facts if f.verdict is not Verdict.HOLDS] == []
    assert report.conforms
    assert set(report.created) == {"characterId", "jobId"}
    stats = app.mock.stats()
    assert stats["jobs"]["total"] == 1  # the refusals started nothing
    assert app.engine.store.get_character(report.created["characterId"]) is None


@pytest.mark.parametrize("images", [1, 3])
def test_the_upstream_mock_shows_the_live_quirks_by_id(images: int) -> None:
    """Upstream mode: exactly the reproduced quirks differ, each named by its defect id."""
    report = _run(create_app(clock=ManualClock(), mode="upstream"), budget_images=images)
    found = {fact.id: fact.defect for fact in report.differs}
    assert found == UPSTREAM_QUIRKS
    assert report.defects == ["D3", "D4", "D5", "D6", "D7", "D11", "D13", "D17", "D22"]
    assert (
        report["job.total"].seen == f"total went {images} -> 27 -> {images} (imageCount {images})"
    )
    assert not report.by_verdict(Verdict.SKIPPED)


def test_budget_zero_creates_nothing() -> None:
    """``budget_images=0``: the read-only facts are checked, everything else is skipped."""
    app = create_app(clock=ManualClock())
    report = _run(app, budget_images=0)
    assert app.mock.stats()["jobs"]["total"] == 0
    assert app.engine.store.list_characters(None, 10, 0)[1] == 0
    assert not report.created
    held = {f.id for f in report.by_verdict(Verdict.HOLDS)}
    assert {"health", "errors.unknown-job", "list.bad-limit", "date-header", "shapes"} <= held
    assert report["job.total"].seen == "--budget-images 0: the check creates nothing"


def _drop(header: str) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = {k: v for k, v in response.headers.items() if k.lower() != header}
        return httpx.Response(response.status_code, headers=headers, content=response.content)

    return rewrite


def _status_body(change: Callable[[dict[str, object]], object]) -> Rewrite:
    """Change every status body the server sends."""

    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method != "GET" or not request.url.path.endswith("/status"):
            return response
        body = response.json()
        if response.status_code == 200:
            change(body)
        return httpx.Response(response.status_code, headers=response.headers, json=body)

    return rewrite


def test_a_server_without_date_headers() -> None:
    """No ``Date``: the date-header fact differs (nothing else depends on it)."""
    report = _run(create_app(clock=ManualClock()), _drop("date"))
    assert report["date-header"].verdict is Verdict.DIFFERS
    assert report["date-header"].defect is None
    assert report["health"].verdict is Verdict.HOLDS


def test_a_server_whose_status_lacks_a_field_the_sdk_needs() -> None:
    """A status body without ``status``: shapes differs, the job facts are skipped with why."""
    report = _run(create_app(clock=ManualClock()), _status_body(lambda b: b.pop("status", None)))
    assert report["shapes"].verdict is Verdict.DIFFERS
    assert "JobStatus" in report["shapes"].seen
    assert report["job.total"].verdict is Verdict.SKIPPED
    assert report["job.total"].seen.startswith("its status cannot be read")
    # The job could not be followed to its end: the character is kept (the job may still run).
    assert report["characters.delete"].verdict is Verdict.SKIPPED


def test_a_server_with_wrong_numbers() -> None:
    """Percentages that do not match current/total, and a startedAt that moves, differ."""

    def skew(body: dict[str, object]) -> None:
        progress = body["progress"]
        assert isinstance(progress, dict)
        if body["status"] == "processing":
            progress["percentage"] = 42
            body["startedAt"] = "2026-01-01T00:00:01.000Z"

    report = _run(create_app(clock=ManualClock(), mode="upstream"), _status_body(skew))
    assert report["job.percentage"].verdict is Verdict.DIFFERS
    assert report["job.percentage"].seen.startswith("42%")


def test_a_server_failing_with_injected_errors() -> None:
    """An app built with a fault (500 on every list): the list facts differ, not by defect."""
    app = create_app(clock=ManualClock())
    app.mock.set_faults(rate=1.0, kinds=["500"], path_prefix="/api/v1/jobs")
    report = _run(app, budget_images=0)
    assert report["list.shape"].verdict is Verdict.DIFFERS
    assert report["list.shape"].seen.startswith("HTTP 500")
    assert report["list.shape"].defect is None
    assert report["health"].verdict is Verdict.HOLDS


def test_a_refusal_that_starts_a_job_is_cancelled_at_once() -> None:
    """A server that accepts malformed JSON (a job!) has that job cancelled; no more are sent."""
    app = create_app(clock=ManualClock())
    started: list[str] = []

    def accept(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "POST" and request.content == b'{"imageCount":':
            started.append("x")
            body = {"success": True, "jobId": "11111111-2222-4333-8444-555555555555"}
            return httpx.Response(202, json=body)
        return response

    report = _run(app, accept)
    fact = report["errors.malformed-body"]
    assert fact.verdict is Verdict.DIFFERS
    assert "the check cancelled it" in fact.seen
    assert started == ["x"]
    assert report["errors.wrong-type"].verdict is Verdict.SKIPPED
    assert report["errors.zero-image-count"].seen.startswith("not sent")


def test_a_server_that_stops_answering() -> None:
    """Connection errors after the start: the facts left are skipped, saying why."""
    app = create_app(clock=ManualClock())
    calls = {"n": 0}

    def die(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] > 12:
            raise httpx.ConnectError("refused", request=request)
        return response

    report = _run(app, die)
    reasons = {f.seen for f in report.by_verdict(Verdict.SKIPPED)}
    assert any(reason.startswith("the server stopped answering") for reason in reasons)
    assert [f.id for f in report.facts] == list(contract.FACTS)


def test_an_unreachable_server_raises() -> None:
    """Nothing answers: APIConnectionError at once (nothing was checked or created)."""
    with (
        charlib.Client(base_url="http://127.0.0.1:9", max_retries=0) as client,
        pytest.raises(charlib.APIConnectionError),
    ):
        contract.check(client)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"budget_images": -1}, "budget_images"),
        ({"budget_images": 28}, "budget_images"),
        ({"budget_images": True}, "budget_images"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_arguments(options: dict[str, object], name: str) -> None:
    """A bad budget or timeout is refused before anything is sent."""
    with (
        charlib.Client(base_url="http://127.0.0.1:9") as client,
        pytest.raises(charlib.InvalidParameterError, match=name),
    ):
        contract.check(client, **options)  # type: ignore[arg-type]


def test_plan_says_what_is_created() -> None:
    """The plan line names the character and the job's size (or says nothing is created)."""
    assert "1 character" in contract.plan(1)
    assert "1 job of 5 images" in contract.plan(5)
    assert "creates nothing" in contract.plan(0)


def test_an_async_client_is_refused() -> None:
    """The check is blocking: an AsyncClient is a clear error, not a coroutine left unawaited."""
    with pytest.raises(charlib.InvalidParameterError, match="client"):
        contract.check(charlib.AsyncClient(base_url="http://127.0.0.1:9"))  # type: ignore[arg-type]
