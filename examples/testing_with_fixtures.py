"""Test code that uses charlib, offline: copy this file into your tests and adapt it.

    pytest examples/testing_with_fixtures.py

``pip install charlib[mock]`` (or ``.[dev]`` in a checkout) brings the pytest plugin: no
conftest.py and no ``pytest_plugins`` line is needed. Every test gets a fresh in-process mock
server. Waiting uses *virtual time*: when the SDK would sleep between polls, the mock's clock jumps
instead, so a 20-minute set is waited for in milliseconds, deterministically.

The async test needs pytest-asyncio (``@pytest.mark.asyncio``); any other runner works too. Set
``asyncio_default_fixture_loop_scope = function`` in your pytest configuration, or pytest-asyncio
warns at every start (an error under ``filterwarnings = error``).
"""

from __future__ import annotations

import pytest

import charlib

# --- the code under test: a tiny "app" that makes a reference set for a new character -----------


def make_reference_set(client: charlib.Client, name: str, *, shots: int = 27) -> list[str]:
    """Create a character, give it a reference image, generate its set; return the image URLs."""
    character = client.characters.create(name=name)
    client.characters.generate_initial_image(character.id, prompt=f"portrait of {name}")
    status = client.characters.generate_360_set_and_wait(character.id, image_count=shots)
    assert status.results is not None
    return [image.url or "" for image in status.results.generated_images]


# --- the tests ----------------------------------------------------------------------------------


def test_full_set_in_virtual_time(charlib_client: charlib.Client, charlib_mock) -> None:
    """A 27-shot set completes; about 20 minutes pass on the mock, none on the wall clock."""
    before = charlib_mock.now()
    urls = make_reference_set(charlib_client, "Ada")
    assert len(urls) == 27
    assert all("/media/" in url for url in urls)
    assert (charlib_mock.now() - before).total_seconds() > 10 * 60


@pytest.mark.charlib(scenario="partial")
def test_partial_success_is_reported(charlib_client: charlib.Client) -> None:
    """With the 'partial' scenario some shots fail; raise_on_partial turns that into an error."""
    character = charlib_client.characters.create(name="Grace")
    charlib_client.characters.generate_initial_image(character.id, prompt="portrait")
    job = charlib_client.characters.generate_360_set(character.id, image_count=5)
    with pytest.raises(charlib.PartialResultError) as caught:
        job.wait(raise_on_partial=True)
    assert caught.value.job_status.is_partial


@pytest.mark.charlib(scenario="fail")
def test_failed_job_raises(charlib_client: charlib.Client) -> None:
    """A job that produces no image raises JobFailedError carrying the server's error."""
    with pytest.raises(charlib.JobFailedError) as caught:
        make_reference_set(charlib_client, "Alan", shots=3)
    assert caught.value.job_status.error == "No images were successfully generated"


@pytest.mark.charlib(faults={"rate": 0.3, "kinds": ["503"], "retry_after": 1}, seed=3)
def test_survives_a_flaky_server(charlib_client: charlib.Client, charlib_mock) -> None:
    """30% of requests answer 503 + Retry-After; retries and the wait still get to the end."""
    client = charlib_client.with_options(max_retries=8)
    assert len(make_reference_set(client, "Edsger", shots=4)) == 4
    assert any(entry["status"] == 503 for entry in charlib_mock.requests())


def test_timeout_then_cancel(charlib_client: charlib.Client) -> None:
    """A wait deadline raises WaitTimeoutError; cancel_on_timeout cancels the job on the server."""
    character = charlib_client.characters.create(name="Barbara")
    charlib_client.characters.generate_initial_image(character.id, prompt="portrait")
    job = charlib_client.characters.generate_360_set(character.id)
    with pytest.raises(charlib.WaitTimeoutError) as caught:
        job.wait(timeout=120, cancel_on_timeout=True)  # 2 virtual minutes: ~3 of 27 shots
    assert caught.value.job_id == job.id
    assert charlib_client.jobs.get(job.id).status == charlib.JobState.CANCELLED


def test_the_mock_clock_is_yours(charlib_client: charlib.Client, charlib_mock) -> None:
    """Drive time by hand: start a job, jump ahead, look at it mid-run, then finish it."""
    character = charlib_client.characters.create(name="Donald")
    charlib_client.characters.generate_initial_image(character.id, prompt="portrait")
    job = charlib_client.characters.generate_360_set(character.id, image_count=10)
    charlib_mock.advance(5 * 60)
    assert job.refresh().status == charlib.JobState.PROCESSING
    charlib_mock.finish(job.id)
    assert job.refresh().status == charlib.JobState.COMPLETED


@pytest.mark.asyncio
async def test_async_client_waits_for_many(charlib_async_client: charlib.AsyncClient) -> None:
    """The async twin: start three jobs, wait for all of them in one call."""
    client = charlib_async_client
    character = await client.characters.create(name="Hedy")
    await client.characters.generate_initial_image(character.id, prompt="portrait")
    jobs = [await client.characters.generate_360_set(character.id, image_count=4) for _ in "abc"]
    finals = await client.jobs.wait_all([job.id for job in jobs])
    assert [status.status for status in finals] == [charlib.JobState.COMPLETED] * 3


@pytest.mark.charlib(speed=600)
def test_code_that_builds_its_own_client(charlib_server, monkeypatch) -> None:
    """A real HTTP server on 127.0.0.1 for code that reads CHARLIB_BASE_URL itself.

    Its clock runs ``speed`` times faster than real time (here 600x), not in virtual time.
    """
    monkeypatch.setenv("CHARLIB_BASE_URL", charlib_server.url)
    with charlib.Client() as client:  # as the app would build it
        urls = make_reference_set(client, "Katherine", shots=2)
    assert all(url.startswith(charlib_server.url) for url in urls)
