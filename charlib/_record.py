"""Recording a real job as a cassette: ``charlib record`` and ``charlib.testing.record_job``.

A recording follows the job with the SDK's own :meth:`Jobs.watch <charlib.Jobs.watch>` (the
adaptive poll policy, its deadline, its handling of transient errors and of cancels the live
service does not honour), through a :class:`_RecordingJobs` whose status polls also hand each raw
response to a :class:`~charlib._cassette.CassetteWriter`. So the cassette holds what the watch
saw, body for body, and nothing is polled more often than a plain wait would.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from charlib._cassette import CassetteWriter, check_name
from charlib._exceptions import CharlibError, InvalidParameterError
from charlib._polling import PollPolicy
from charlib._resources.characters import (
    GenerationOptions,
    generate_360_set_body,
    start_360_set_spec,
)
from charlib._resources.jobs import Jobs, get_spec
from charlib._types import NOT_GIVEN
from charlib._wait_options import WaitOptions
from charlib._waiting import DEFAULT_WAIT_TIMEOUT, ProgressCallback

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

    from charlib._client import Client
    from charlib._display import ProgressBar
    from charlib._models import JobStatus
    from charlib._request import RequestSpec

__all__ = ["Recording", "record_job", "record_new_job"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Recording:
    """A cassette written by :func:`record_job` or :func:`record_new_job`.

    Attributes:
        path: the cassette file.
        job_id: the recorded job.
        states: how many distinct status bodies it holds.
        status: the job's final status, as the watch ended with it.
    """

    path: Path
    job_id: str
    states: int
    status: JobStatus


class _RecordingJobs(Jobs):
    """``client.jobs`` whose status polls of one job also go to a cassette writer."""

    def __init__(self, client: Client, writer: CassetteWriter) -> None:
        super().__init__(client)
        self._writer = writer
        self._path = get_spec(writer.job_id).path

    def _send(self, spec: RequestSpec[_T]) -> _T | CharlibError:
        if spec.method == "GET" and spec.path == self._path:
            spec = dataclasses.replace(spec, parse=self._observing(spec.parse))
        return super()._send(spec)

    def _observing(self, parse: Callable[[httpx.Response], _T]) -> Callable[[httpx.Response], _T]:
        def observe(response: httpx.Response) -> _T:
            result = parse(response)  # a body the SDK cannot read is an error, not a state
            self._writer.observe(response)
            return result

        return observe


def _check_client(client: object) -> None:
    from charlib._client import Client

    if not isinstance(client, Client):
        raise InvalidParameterError("client", "must be a charlib.Client (recording is blocking)")


def _writer(client: Client, job_id: str, redact_urls: bool) -> CassetteWriter:
    return CassetteWriter(
        job_id, base_url=client.base_url, api_key=client._api_key, redact_urls=redact_urls
    )


def _follow(
    client: Client,
    writer: CassetteWriter,
    path: str | os.PathLike[str],
    watching: WaitOptions,
) -> Recording:
    """Watch the writer's job to its end (``watching``: the watch's options), then write the
    cassette."""
    target = Path(path)
    try:
        check_name(target)
    except ValueError as exc:
        raise InvalidParameterError("path", str(exc)) from None
    if not target.parent.is_dir():
        raise InvalidParameterError("path", f"{target.parent} is not a directory")
    jobs = _RecordingJobs(client, writer)
    last: JobStatus | None = None
    for status in jobs._run(jobs._watch_flow(writer.job_id, watching)):
        last = status
    assert last is not None  # a watch that ends has yielded the final status
    return Recording(writer.write(target), writer.job_id, writer.states, last)


def record_job(
    client: Client,
    job_id: str,
    path: str | os.PathLike[str],
    *,
    redact_urls: bool = False,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | ProgressBar = False,
) -> Recording:
    """Follow a job to its end and write what it went through as a cassette.

    The cassette (docs/fidelity.md) holds every distinct status body with the server's time of
    each (its ``Date`` header), so a mock started with it (``--cassettes``) can replay the job on
    its own clock. The API key and ``Authorization`` are never written.

    Args:
        client: the client to poll with (its poll policy, retry policy and clock apply).
        job_id: a job started anywhere; one already over gives a cassette of one state.
        path: the file to write (written whole at the end, never half).
        redact_urls: replace every absolute URL in the cassette (media links may be signed).
        timeout: the deadline in seconds (default 45 minutes; ``None``: none).
        poll: a :class:`~charlib.PollPolicy` or a fixed interval (default: adaptive).
        on_progress: called with each changed snapshot.
        progress: ``True`` draws a progress bar.

    Returns:
        The :class:`Recording`.

    Raises:
        WaitTimeoutError: the deadline passed first (nothing is written).
        NotFoundError: no such job.
    """
    _check_client(client)
    watching = WaitOptions(timeout, poll, on_progress, progress)
    return _follow(client, _writer(client, job_id, redact_urls), path, watching)


def record_new_job(
    client: Client,
    character_id: str,
    path: str | os.PathLike[str],
    *,
    redact_urls: bool = False,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll: PollPolicy | float | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | ProgressBar = False,
    **generation: Unpack[GenerationOptions],
) -> Recording:
    """Start a 360° job and record it: :func:`record_job`, with the starting request kept too.

    The options not described here are those of :func:`record_job` (recording) and of
    :meth:`Characters.generate_360_set <charlib.Characters.generate_360_set>` (the job).

    Args:
        client: the client to start and poll with.
        character_id: the character (it needs a master reference image).
        path: the file to write.
        **generation: the job's options, as for ``generate_360_set`` (``style``,
            ``quality_threshold``, ``image_count``, ``max_retries``, ``angles``,
            ``custom_seed``); each is sent only when given.

    Raises:
        MasterReferenceRequiredError: the character has no usable master reference.
        WaitTimeoutError: the deadline passed first (the job goes on; nothing is written).
    """
    _check_client(client)
    for name in generation.keys() - GenerationOptions.__optional_keys__:
        raise TypeError(f"record_new_job(): got an unexpected keyword argument {name!r}")
    body = generate_360_set_body(**generation)
    spec = start_360_set_spec(character_id, body, NOT_GIVEN)
    answers: list[httpx.Response] = []

    def keep(response: httpx.Response) -> Any:
        answers.append(response)
        return spec.parse(response)

    accepted = client._request(dataclasses.replace(spec, parse=keep))
    writer = _writer(client, accepted.job_id, redact_urls)
    writer.started(character_id, body, answers[-1])
    return _follow(client, writer, path, WaitOptions(timeout, poll, on_progress, progress))
