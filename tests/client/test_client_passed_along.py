"""Options a public method takes and hands on (a handle's ``wait``, ``generate_360_set_and_wait``)
reach the request and the wait they are meant for, on the sync and the async client."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import charlib
from charlib._resources.characters import generate_360_set_body
from charlib._wait_options import WaitOptions
from tests.client.support import AnyClient, FakeServer, golden, resolve

CHAR = "64f1a2b3c4d5e6f708192a3b"
JOB = golden("accepted-202")["jobId"]
GENERATION = {
    "style": "ink",
    "quality_threshold": 80,
    "image_count": 5,
    "max_retries": 2,
    "angles": ["front"],
    "custom_seed": 0,
}


def _never_ends(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(202, json=golden("accepted-202"))
    if request.method == "DELETE":
        return httpx.Response(200, json=golden("cancel-ok-200"))
    return httpx.Response(200, json=golden("status-processing"))


def _ends_partial(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(202, json=golden("accepted-202"))
    return httpx.Response(200, json=golden("status-completed-partial"))


async def test_generate_and_wait_sends_every_option_and_cancels_at_its_deadline(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Every generation option is in the start's body, the key in its header, and the wait's
    ``timeout`` and ``cancel_on_timeout`` are the ones given."""
    server.script(_never_ends)
    client = make_client()
    with pytest.raises(charlib.WaitTimeoutError):
        await resolve(
            client.characters.generate_360_set_and_wait(
                CHAR, **GENERATION, idempotency_key="k-1", timeout=60, cancel_on_timeout=True
            )
        )
    start = server.requests[0]
    assert json.loads(start.content) == {
        "style": "ink",
        "qualityThreshold": 80,
        "imageCount": 5,
        "maxRetries": 2,
        "angles": ["front"],
        "customSeed": 0,
    }
    assert start.headers["Idempotency-Key"] == "k-1"
    assert server.requests[-1].method == "DELETE"


async def test_generate_and_wait_raises_on_partial_when_asked(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """``raise_on_partial`` reaches the wait: a partial result raises, and only then."""
    server.script(_ends_partial)
    client = make_client()
    status = await resolve(client.characters.generate_360_set_and_wait(CHAR))
    assert status.is_partial
    with pytest.raises(charlib.PartialResultError):
        await resolve(client.characters.generate_360_set_and_wait(CHAR, raise_on_partial=True))


async def test_a_handles_wait_takes_the_waits_options(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """``Job.wait`` hands on ``raise_on_partial``, ``timeout`` and ``cancel_on_timeout``."""
    server.script(_ends_partial)
    client = make_client()
    job = await resolve(client.characters.generate_360_set(CHAR))
    with pytest.raises(charlib.PartialResultError):
        await resolve(job.wait(raise_on_partial=True))
    server.script(_never_ends)
    with pytest.raises(charlib.WaitTimeoutError):
        await resolve(job.wait(timeout=60, cancel_on_timeout=True))
    assert server.requests[-1].method == "DELETE"
    assert job.last_status is not None


def _keywords(function: Callable[..., object]) -> list[inspect.Parameter]:
    return [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]


def test_wait_options_follow_the_waits_keywords() -> None:
    """``WaitOptions`` has the fields of ``Jobs.wait``'s keywords, in order, so building it
    positionally from them cannot mix two up; every wait shows the same keywords and defaults."""
    fields = [f.name for f in dataclasses.fields(WaitOptions)]
    keywords = [(p.name, p.default) for p in _keywords(charlib.Jobs.wait)]
    assert fields == [name for name, _ in keywords]
    for wait in (charlib.AsyncJobs.wait, charlib.Job.wait, charlib.AsyncJob.wait):
        assert [(p.name, p.default) for p in _keywords(wait)] == keywords
    generate_and_wait = _keywords(charlib.Characters.generate_360_set_and_wait)
    assert [(p.name, p.default) for p in generate_and_wait][-len(keywords) :] == keywords


def test_the_body_builder_follows_generate_360_sets_keywords() -> None:
    """``generate_360_set_body`` takes ``generate_360_set``'s options, in their order."""
    taken = [
        (p.name, p.default) for p in inspect.signature(generate_360_set_body).parameters.values()
    ]
    wanted = [(p.name, p.default) for p in _keywords(charlib.Characters.generate_360_set)]
    assert taken == wanted[: len(taken)]
    assert [name for name, _ in wanted[len(taken) :]] == ["idempotency_key"]


BAD_DOWNLOAD_OPTIONS = {
    "concurrency": 0,
    "overwrite": "yes",
    "manifest": "yes",
    "progress": "yes",
    "on_file": "x",
    "max_bytes": 0,
}


@pytest.mark.parametrize(("name", "value"), BAD_DOWNLOAD_OPTIONS.items())
async def test_a_handles_and_a_statuss_download_check_each_option_as_itself(
    make_client: Callable[..., AnyClient],
    server: FakeServer,
    tmp_path: Path,
    name: str,
    value: object,
) -> None:
    """``Job.download`` and ``JobStatus.download`` hand each option on as itself: a bad one is
    refused naming it, before anything is fetched."""
    server.script(_ends_partial)
    client = make_client()
    job = await resolve(client.characters.generate_360_set(CHAR))
    status = await resolve(job.refresh())
    sent = len(server.requests)
    with pytest.raises(charlib.InvalidParameterError) as caught:
        await resolve(job.download(tmp_path, **{name: value}))
    assert caught.value.field == name
    if isinstance(client, charlib.Client):
        with pytest.raises(charlib.InvalidParameterError) as caught:
            status.download(tmp_path, client=client, **{name: value})
        assert caught.value.field == name
    assert len(server.requests) == sent


def test_every_download_takes_the_same_arguments() -> None:
    """The handles' and a status's ``download`` take ``Jobs.download``'s arguments after ``job``
    (a status also takes ``client``), with the same defaults."""

    def arguments(method: Callable[..., object]) -> list[tuple[str, object]]:
        params = list(inspect.signature(method).parameters.values())[1:]
        return [(p.name, p.default) for p in params if p.name != "client"]

    wanted = arguments(charlib.Jobs.download)[1:]
    assert wanted[0][0] == "dest"
    assert arguments(charlib.AsyncJobs.download) == arguments(charlib.Jobs.download)
    for method in (charlib.Job.download, charlib.AsyncJob.download):
        assert arguments(method) == wanted
    assert arguments(charlib.JobStatus.download) == wanted


async def test_a_misspelt_keyword_names_the_method_called(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A keyword a method does not take fails before anything is sent, naming that method
    (not the function its parameters are declared on)."""
    server.script(_never_ends)
    client = make_client()
    kind = type(client.jobs).__name__
    with pytest.raises(
        TypeError, match=rf"^{kind}\.wait\(\): .*'timout'; did you mean 'timeout'\?"
    ):
        await resolve(client.jobs.wait(JOB, timout=5))  # type: ignore[call-arg]
    job = await resolve(client.characters.generate_360_set(CHAR))
    with pytest.raises(TypeError, match=r"Job\.download\(\): missing a required argument: 'dest'"):
        await resolve(job.download())  # type: ignore[call-arg]
    assert [r.method for r in server.requests] == ["POST"]


@pytest.mark.parametrize(
    "bad", [{"poll": "x"}, {"progress": "yes"}, {"on_progress": 3}, {"timeout": -1}]
)
async def test_generate_and_wait_checks_the_waits_options_before_starting_a_job(
    make_client: Callable[..., AnyClient], server: FakeServer, bad: dict[str, object]
) -> None:
    """A bad wait option is refused before the job is started (nothing is sent, nothing billed)."""
    server.script(_never_ends)
    client = make_client()
    with pytest.raises(charlib.InvalidParameterError) as caught:
        await resolve(client.characters.generate_360_set_and_wait(CHAR, **bad))  # type: ignore[arg-type]
    assert caught.value.field == next(iter(bad))
    assert server.requests == []
