"""A batch against the mock in this process, on virtual time: outcomes, retries, skips,
adoption of a job whose start was interrupted, and what report.csv and index.html show."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import charlib
from charlib.batch import AsyncBatch, Batch, parse_cast
from charlib.testing import (
    MOCK_BASE_URL,
    InProcessTransport,
    VirtualClock,
    in_process_async_client,
    in_process_client,
)
from mock_server import ManualClock, create_app


def _cast(*lines: str, header: str = "name,prompt,image_count") -> list[Any]:
    return parse_cast("\n".join([header, *lines]) + "\n", jsonl=False)


CAST = _cast(*(f"Hero {i},portrait {i},2" for i in range(5)))


def _jobs_per_character(client: charlib.Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in client.jobs.list_all(job_type="360-set", limit=100):
        assert job.character_id is not None
        counts[job.character_id] = counts.get(job.character_id, 0) + 1
    return counts


@pytest.fixture
def app() -> Any:
    return create_app(clock=ManualClock(), capacity=50)


@pytest.fixture
def client(app: Any) -> Iterator[charlib.Client]:
    with in_process_client(app) as client:
        yield client


def test_a_cast_is_saved_one_job_each(client: charlib.Client, tmp_path: Path) -> None:
    """Every character gets one job and its images on disk; report and index are written."""
    result = Batch(client, tmp_path, max_active=2).run(CAST)
    assert result.ok
    assert dict(result.counts) == {"complete": 5}
    assert sorted(_jobs_per_character(client).values()) == [1] * 5
    for record in result.records:
        images = sorted(path.name for path in record.folder.glob("*.png"))
        assert images == list(record.files)
        assert len(images) == 2
        assert (record.folder / "index.html").is_file()
    rows = list(csv.DictReader(result.report_csv.read_text(encoding="utf-8").splitlines()))
    assert [(row["character_id"], row["outcome"], row["images_saved"]) for row in rows] == [
        (f"hero-{i}", "complete", "2") for i in range(5)
    ]
    page = result.index_html.read_text()
    assert page.count("<section>") == 5
    assert 'href="hero-0/index.html"' in page
    assert 'src="hero-0/01_' in page


def test_a_second_run_sends_no_new_job(client: charlib.Client, tmp_path: Path) -> None:
    """Running the same batch again finds everything done: no job, nothing downloaded again."""
    Batch(client, tmp_path).run(CAST)
    again = Batch(client, tmp_path).run(CAST)
    assert again.ok
    assert sorted(_jobs_per_character(client).values()) == [1] * 5


async def test_the_async_batch_does_the_same(app: Any, tmp_path: Path) -> None:
    """AsyncBatch saves the same cast with one job each."""
    async with in_process_async_client(app) as client:
        result = await AsyncBatch(client, tmp_path, max_active=3).run(CAST)
        jobs = [job async for job in client.jobs.list_all(limit=100)]
    assert result.ok
    assert dict(result.counts) == {"complete": 5}
    assert len(jobs) == 5
    assert all(len(list(record.folder.glob("*.png"))) == 2 for record in result.records)


def test_a_failed_job_is_retried_then_reported(app: Any, tmp_path: Path) -> None:
    """A job that fails is retried --retry-failed times with a new job, then the row is failed;
    the batch is not ok."""
    app.mock.set_scenario("fail")
    with in_process_client(app) as client:
        result = Batch(client, tmp_path, retry_failed=2).run(CAST[:2])
        assert sorted(_jobs_per_character(client).values()) == [3, 3]
    assert not result.ok
    assert [record.outcome for record in result.records] == ["failed", "failed"]
    assert [record.jobs_started for record in result.records] == [3, 3]
    assert len(result.jobs) == 6
    assert all(job["status"] == "failed" for job in result.jobs)


@pytest.mark.parametrize(("require_all", "jobs", "ok"), [(False, 1, True), (True, 2, False)])
def test_a_partial_set_is_kept_or_run_again(
    app: Any, tmp_path: Path, require_all: bool, jobs: int, ok: bool
) -> None:
    """A partial set is saved and ok; with require_all it is run again, and still not ok."""
    app.mock.set_scenario("partial")
    cast = _cast("Hero,portrait,8")
    with in_process_client(app) as client:
        result = Batch(client, tmp_path, require_all=require_all).run(cast)
        assert list(_jobs_per_character(client).values()) == [jobs]
    [record] = result.records
    assert record.outcome == "partial"
    assert record.images_failed > 0
    assert record.images_saved == len(list(record.folder.glob("*.png"))) > 0
    assert result.ok is ok


def test_a_character_without_a_reference_is_skipped(client: charlib.Client, tmp_path: Path) -> None:
    """A row with no prompt, no media_id and no reference on the service is reported and
    skipped; the others go on."""
    cast = _cast("Lonely,,2", "Hero,portrait,2")
    result = Batch(client, tmp_path).run(cast)
    assert [(r.character_id, r.outcome) for r in result.records] == [
        ("lonely", "no-reference"),
        ("hero", "complete"),
    ]
    assert "no master reference" in (result.records[0].error or "")
    assert not result.ok


class Interrupt:
    """An httpx response hook that raises KeyboardInterrupt once a job start was answered."""

    def __init__(self) -> None:
        self.armed = True

    def __call__(self, response: httpx.Response) -> None:
        if self.armed and response.request.url.path.endswith("/generate-360-set"):
            self.armed = False
            raise KeyboardInterrupt


@pytest.mark.parametrize("mode", ["reference", "upstream"])
def test_a_start_lost_after_the_post_is_adopted(tmp_path: Path, mode: str) -> None:
    """Interrupted after the job was started but before the ledger knew: the next run adopts
    that job (found by listing) instead of starting a second one, even where keys are ignored."""
    app = create_app(clock=ManualClock(), mode=mode)
    hook = Interrupt()
    transport = InProcessTransport(app)
    http = httpx.Client(transport=transport, event_hooks={"response": [hook]})
    options: dict[str, Any] = {"base_url": MOCK_BASE_URL, "http_client": http}
    try:
        with charlib.Client(clock=VirtualClock(app.mock.advance), **options) as client:
            with pytest.raises(KeyboardInterrupt):
                Batch(client, tmp_path).run(CAST[:1])
            assert charlib.batch.read_status(tmp_path).records[0].stage == "intent"
            result = Batch(client, tmp_path).run(CAST[:1])
            assert result.ok
            assert list(_jobs_per_character(client).values()) == [1]
            assert result.records[0].job_id == result.jobs[0]["job_id"]
    finally:
        http.close()
        transport.close()


def test_hostile_names_are_inert_in_the_report_and_the_page(
    client: charlib.Client, tmp_path: Path
) -> None:
    """A name that is a formula or markup stays text in report.csv and index.html."""
    cast = _cast(
        '"=HYPERLINK(""http://evil.example"")",portrait,1',
        "<script>alert(1)</script>,portrait,1",
        header="name,prompt,image_count",
    )
    result = Batch(client, tmp_path).run(cast)
    assert result.ok
    rows = list(csv.reader(result.report_csv.read_text(encoding="utf-8").splitlines()))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'
    page = result.index_html.read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_max_active_bounds_the_jobs_running_at_once(app: Any, tmp_path: Path) -> None:
    """Never more than max_active of the batch's jobs are unfinished on the server at once."""
    seen: list[int] = []

    with in_process_client(app) as client:

        def count() -> None:
            running = client.jobs.list(status="processing", limit=100).pagination.total_docs
            pending = client.jobs.list(status="pending", limit=100).pagination.total_docs
            seen.append(running + pending)

        cast = _cast(*(f"Hero {i},portrait {i},3" for i in range(8)))
        result = Batch(client, tmp_path, max_active=3, on_change=count).run(cast)
    assert result.ok
    assert max(seen) == 3


FAULTS = [
    # 429/503 (Retry-After), dropped connections after processing and garbled answers on a third
    # of the API requests.
    pytest.param(3, {"rate": 0.3, "kinds": ["429", "503", "reset", "malformed"], "retry_after": 2}),
    # Half the character calls (job starts among them) processed and then losing their answer:
    # the batch lists the jobs again and adopts instead of starting a second one.
    pytest.param(5, {"rate": 0.5, "kinds": ["reset"], "path_prefix": "/api/v1/characters/"}),
]


@pytest.mark.parametrize("mode", ["reference", "upstream"])
@pytest.mark.parametrize(("seed", "faults"), FAULTS, ids=["push-back", "lost-answers"])
def test_faults_and_push_back_still_end_with_one_job_each(
    tmp_path: Path, mode: str, seed: int, faults: dict[str, Any]
) -> None:
    """Under push-back, dropped connections, garbled and lost answers (job starts among them),
    every character still ends with exactly one job."""
    app = create_app(clock=ManualClock(), mode=mode, capacity=50, seed=seed)
    app.mock.set_scenario("success")
    app.mock.set_faults(**faults)
    with in_process_client(app) as client:
        result = Batch(client, tmp_path, max_active=3).run(CAST)
        app.mock.clear_faults()
        per_character = _jobs_per_character(client)
    assert dict(result.counts) == {"complete": 5}, [r.error for r in result.records]
    assert sorted(per_character.values()) == [1] * 5


def test_one_bar_counts_the_shots_of_the_whole_cast(
    client: charlib.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """progress=True draws one bar over every shot of the cast, with the count per state."""
    result = Batch(client, tmp_path, progress=True).run(CAST)
    assert result.ok
    bar = capsys.readouterr().err
    assert "cast: 100%" in bar
    assert "10/10" in bar  # 5 characters x 2 shots
    assert "5 complete" in bar


def test_batch_and_async_batch_are_a_pair() -> None:
    """Batch and AsyncBatch take the same arguments and have the same methods."""
    import inspect

    assert inspect.signature(Batch) == inspect.signature(AsyncBatch)
    assert inspect.signature(Batch.run) == inspect.signature(AsyncBatch.run)
    assert inspect.iscoroutinefunction(AsyncBatch.run)
    assert not inspect.iscoroutinefunction(Batch.run)


def test_only_works_on_the_characters_named(client: charlib.Client, tmp_path: Path) -> None:
    """run(only=[...]) saves those characters and leaves the others untouched (one task each)."""
    result = Batch(client, tmp_path).run(CAST, only=["hero-1", "hero-3"])
    assert {r.character_id: r.outcome for r in result.records} == {
        "hero-0": None,
        "hero-1": "complete",
        "hero-2": None,
        "hero-3": "complete",
        "hero-4": None,
    }
    assert sum(_jobs_per_character(client).values()) == 2
