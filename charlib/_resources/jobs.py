"""``client.jobs``: status, cancel, listing, and waiting for background jobs.

Request building, pagination state and every waiting decision are pure (module functions,
:class:`~charlib._pagination.PageCursor`, the wait state of :mod:`charlib._waiting` and the loops
of :mod:`charlib._wait_flow`); :class:`Jobs` and :class:`AsyncJobs` only send, sleep and report,
and differ by ``await`` (and by sending a batch of polls in turn or at once).
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import enum
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from charlib._download_options import download_call
from charlib._exceptions import BadRequestError, CharlibError, InvalidParameterError
from charlib._job import AsyncJob, Job, job_id_of, job_ids_of
from charlib._models import CancelResult, JobAccepted, JobPage, JobState, JobStatus, JobType
from charlib._pagination import PageCursor
from charlib._params import check_int, check_str, path_segment
from charlib._request import RequestSpec
from charlib._response import model_parser, parse_job_page, parse_job_status
from charlib._retry import RetryMode
from charlib._signature import takes
from charlib._types import NOT_GIVEN, NotGiven
from charlib._wait_flow import (
    Cancel,
    Command,
    Emit,
    Flow,
    Poll,
    Report,
    Sleep,
    advance,
    group_flow,
    wait_flow,
    watch_flow,
)
from charlib._wait_options import GroupOptions, WaitOptions, group_call, wait_call, watch_call
from charlib._waiting import (
    FINAL_LOOK,
    Waiter,
    WaitGroup,
    report_async,
)

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client
    from charlib._download_set import DownloadReport

__all__ = ["AsyncJobs", "Jobs"]

_T = TypeVar("_T")

MAX_PAGE_SIZE = 100


def _status_path(job_id: str | Job | AsyncJob | JobStatus) -> str:
    return f"api/v1/jobs/{path_segment('job_id', job_id_of(job_id))}/status"


def get_spec(job_id: str | Job | AsyncJob | JobStatus) -> RequestSpec[JobStatus]:
    """``GET /api/v1/jobs/{job_id}/status``."""
    return RequestSpec("GET", _status_path(job_id), parse_job_status)


def cancel_spec(job_id: str | Job | AsyncJob | JobStatus) -> RequestSpec[CancelResult]:
    """``DELETE /api/v1/jobs/{job_id}/status`` (retried like a GET)."""
    return RequestSpec("DELETE", _status_path(job_id), model_parser(CancelResult))


def cancel_outcome(error: BadRequestError) -> CancelResult:
    """A cancel refused because the job is *already cancelled* means what the caller wanted holds:
    success. (It is also the answer a retried cancel gets when the first reply was lost.)"""
    body = error.body if isinstance(error.body, dict) else {}
    message = str(body.get("message") or body.get("error") or "")
    if message.rstrip().endswith("status: cancelled"):
        return CancelResult(success=True, message=message)
    raise error


def poll_spec(job_id: str, left: float | None, timeout: httpx.Timeout) -> RequestSpec[JobStatus]:
    """The status request of a wait: one attempt (the wait itself decides about trying again),
    and no longer than the time ``left`` before the wait's deadline."""
    if left is not None:
        timeout = httpx.Timeout(
            connect=left if timeout.connect is None else min(timeout.connect, left),
            read=left if timeout.read is None else min(timeout.read, left),
            write=left if timeout.write is None else min(timeout.write, left),
            pool=left if timeout.pool is None else min(timeout.pool, left),
        )
    return dataclasses.replace(get_spec(job_id), mode=RetryMode.NEVER, timeout=timeout)


def final_cancel_spec(job_id: str) -> RequestSpec[CancelResult]:
    """The cancel sent when a wait's deadline has passed: one short attempt, no retries."""
    return dataclasses.replace(
        cancel_spec(job_id), mode=RetryMode.NEVER, timeout=httpx.Timeout(FINAL_LOOK)
    )


def command_specs(command: Poll | Cancel, timeout: httpx.Timeout) -> list[RequestSpec[Any]]:
    """The requests behind a waiting flow's command: a status poll per job, or the last cancel."""
    if isinstance(command, Cancel):
        return [final_cancel_spec(command.job_id)]
    return [poll_spec(job_id, command.left, timeout) for job_id in command.job_ids]


def resume_accepted(job: str) -> JobAccepted:
    """The 202 body behind a handle: from ``Job.to_json()`` output, or a bare job id."""
    if not isinstance(job, str) or not job.strip():
        raise InvalidParameterError("job", f"must be a job id or Job.to_json() output, got {job!r}")
    text = job.strip()
    if not text.startswith("{"):
        path_segment("job", text)
        return JobAccepted(job_id=text)
    try:
        data = json.loads(text)
        accepted = JobAccepted.model_validate(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, ValidationError, deep nesting
        raise InvalidParameterError("job", "is not the JSON of a Job handle") from exc
    path_segment("job", accepted.job_id)  # the id inside must stay one path segment too
    return accepted


def _job_id(job: JobStatus) -> str:
    return job.job_id


def _enum_value(field: str, value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    return check_str(field, value)


def list_params(
    *,
    character_id: str | NotGiven = NOT_GIVEN,
    status: JobState | str | NotGiven = NOT_GIVEN,
    job_type: JobType | str | NotGiven = NOT_GIVEN,
    limit: int | NotGiven = NOT_GIVEN,
) -> dict[str, str | int]:
    """The parameters of ``Jobs.list_all``, validated into the query of every page (``list``
    adds ``page``).

    Args:
        character_id: only jobs of this character.
        status: only jobs in this state.
        job_type: only jobs of this type.
        limit: page size, 1-100.
    """
    params: dict[str, str | int] = {}
    if not isinstance(character_id, NotGiven):
        params["characterId"] = check_str("character_id", character_id)
    if not isinstance(status, NotGiven):
        params["status"] = _enum_value("status", status)
    if not isinstance(job_type, NotGiven):
        params["jobType"] = _enum_value("job_type", job_type)
    if not isinstance(limit, NotGiven):
        params["limit"] = check_int("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE)
    return params


def list_page_spec(
    *,
    character_id: str | NotGiven = NOT_GIVEN,
    status: JobState | str | NotGiven = NOT_GIVEN,
    job_type: JobType | str | NotGiven = NOT_GIVEN,
    page: int | NotGiven = NOT_GIVEN,
    limit: int | NotGiven = NOT_GIVEN,
) -> RequestSpec[JobPage]:
    """The parameters of ``Jobs.list``: one page of the filtered list.

    Args:
        character_id: only jobs of this character.
        status: only jobs in this state.
        job_type: only jobs of this type.
        page: 1-based page number (server default 1).
        limit: page size, 1-100 (server default 10).
    """
    params = list_params(character_id=character_id, status=status, job_type=job_type, limit=limit)
    return list_spec(params, page)


def list_spec(
    params: dict[str, str | int], page: int | NotGiven = NOT_GIVEN
) -> RequestSpec[JobPage]:
    """``GET /api/v1/jobs`` with ``params`` and, when given, ``page``."""
    query = dict(params)
    if not isinstance(page, NotGiven):
        query["page"] = check_int("page", page, minimum=1)
    return RequestSpec("GET", "api/v1/jobs", parse_job_page, params=query)


class _JobsBase:
    """What both resources decide before any I/O: a wait's state, from its arguments (checked
    now, not at the first poll)."""

    _client: Client | AsyncClient
    _asynchronous = False

    def _waiter(self, job_id: str | Job | AsyncJob | JobStatus, options: WaitOptions) -> Waiter:
        client = self._client
        timeout, poll = options.timeout, options.poll
        on_progress, progress = options.on_progress, options.progress
        return Waiter(
            job_id_of(job_id),
            now=client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            on_progress=on_progress,
            progress=progress,
            asynchronous=self._asynchronous,
            retry=client.retry,
        )

    def _watch_flow(self, job_id: str | Job | AsyncJob | JobStatus, options: WaitOptions) -> Flow:
        return watch_flow(self._waiter(job_id, options), self._client.clock.monotonic)

    def _wait_flow(self, job_id: str | Job | AsyncJob | JobStatus, options: WaitOptions) -> Flow:
        waiter = self._waiter(job_id, options)
        now = self._client.clock.monotonic
        return wait_flow(waiter, now, options.cancel_on_timeout, options.raise_on_partial)

    def _group_flow(
        self, call: tuple[Iterable[str | Job | AsyncJob | JobStatus], GroupOptions]
    ) -> tuple[WaitGroup, Flow]:
        client = self._client
        job_ids, options = call
        group = WaitGroup(
            job_ids_of(job_ids),
            options,
            now=client.clock.monotonic(),
            asynchronous=self._asynchronous,
            retry=client.retry,
        )
        # A runner that sends one request after another is handed one poll at a time.
        return group, group_flow(group, client.clock.monotonic, one_by_one=not self._asynchronous)


class Jobs(_JobsBase):
    """Background jobs (``client.jobs``)."""

    _client: Client

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, job_id: str | Job | AsyncJob | JobStatus) -> JobStatus:
        """Fetch a job's status.

        Args:
            job_id: the id returned when the job was started, the :class:`Job` itself, or a
                :class:`JobStatus` of it.

        Returns:
            The :class:`JobStatus`, with the response's ``Date`` as ``server_date``.

        Raises:
            NotFoundError: no such job.
        """
        return self._client._request(get_spec(job_id))

    def cancel(self, job_id: str | Job | AsyncJob | JobStatus) -> CancelResult:
        """Ask the server to cancel a job.

        Against the live service cancelling is cosmetic (the job may still finish); keep
        polling until a terminal state is stable.

        A job that is already cancelled counts as success. ``job_id`` may be the
        :class:`Job` handle itself, or a :class:`JobStatus` of it.

        Raises:
            NotFoundError: no such job.
            BadRequestError: the job has already completed or failed.
        """
        try:
            return self._client._request(cancel_spec(job_id))
        except BadRequestError as error:
            return cancel_outcome(error)

    @takes(list_page_spec)
    def list(self, *args: Any, **kwargs: Any) -> JobPage:
        """Fetch one page of jobs, newest first.

        Returns:
            A :class:`JobPage` with ``.jobs`` and ``.pagination``.
        """
        return self._client._request(list_page_spec(*args, **kwargs))

    @takes(list_params)
    def list_all(self, *args: Any, **kwargs: Any) -> Iterator[JobStatus]:
        """Iterate over every job of every page, lazily.

        A page is fetched only when the previous one is used up, and iteration stops after the
        last page. A job already yielded is not yielded again (a job created meanwhile shifts
        the pages). A server that keeps claiming more pages cannot make this run forever: it
        also stops, with a logged warning, at a page that brings no new job, past
        ``totalPages``, or after :data:`~charlib._pagination.MAX_PAGES` pages (see
        :class:`~charlib._pagination.PageCursor`). Arguments are validated now, not at the
        first ``next()``.

        """
        return self._iterate(list_params(*args, **kwargs))

    def _iterate(self, params: dict[str, str | int]) -> Iterator[JobStatus]:
        cursor = PageCursor()
        while not cursor.done:
            page = self._client._request(list_spec(params, cursor.page))
            yield from cursor.take(page.pagination, page.jobs, _job_id)

    def resume(self, job: str) -> Job:
        """A :class:`Job` handle for a job started elsewhere (another process, an earlier run).

        Args:
            job: the job id, or the string from :meth:`Job.to_json`.
        """
        return Job(self._client, resume_accepted(job))

    @takes(watch_call)
    def watch(self, *args: Any, **kwargs: Any) -> Iterator[JobStatus]:
        """Iterate over a job's snapshots as it changes, ending with its terminal one.

        A snapshot is yielded only when the status or progress changed. Failed and cancelled jobs
        end the iteration; they do not raise.

        Raises:
            WaitTimeoutError: the deadline passed first (the job goes on on the server).
            NotFoundError: no such job.
        """
        return self._run(self._watch_flow(*watch_call(*args, **kwargs)))

    @takes(wait_call)
    def wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Wait until a job ends; return its final status if it completed.

        Three budgets apply, separately: the client's per-request ``timeout``, its retry policy,
        and this call's overall ``timeout``. Transient errors while waiting (connection refused,
        and the statuses of the client's :class:`RetryPolicy`: 429, 5xx by default) are waited
        out within the deadline.

        Returns:
            The ``completed`` :class:`JobStatus` (check ``is_partial`` for failed shots).

        Raises:
            JobFailedError: the job failed (``.job_status.error`` says why).
            JobCancelledError: the job was cancelled.
            PartialResultError: with ``raise_on_partial``, some images failed.
            WaitTimeoutError: the deadline passed; ``.job_id`` and ``.last_status`` say where.
            NotFoundError: no such job.
        """
        return self._wait(*wait_call(*args, **kwargs))

    def _wait(self, job_id: str | Job | AsyncJob | JobStatus, options: WaitOptions) -> JobStatus:
        [status] = self._run(self._wait_flow(job_id, options))
        return status

    @takes(group_call)
    def wait_all(self, *args: Any, **kwargs: Any) -> builtins.list[JobStatus]:
        """Wait for many jobs at once; return every terminal status, in input order.

        ``job_ids`` may hold ids, :class:`Job` handles, or both.

        Failed and cancelled jobs are returned, not raised. One schedule polls them all, with at
        most ``concurrency`` requests in flight. ``progress=True`` draws one bar for all the jobs
        that counts their shots as polls see them, with the jobs done and how they ended beside
        it (a :class:`JobsProgressBar` passed instead ticks once per job that ends).

        Raises:
            WaitTimeoutError: the deadline passed; ``.finished`` maps job ids to the statuses of
                jobs that ended, ``.unfinished`` lists the others.
            NotFoundError: one of the jobs does not exist.
        """
        group, flow = self._group_flow(group_call(*args, **kwargs))
        for _ in self._run(flow):
            pass
        return group.results()

    @takes(group_call)
    def as_completed(self, *args: Any, **kwargs: Any) -> Iterator[JobStatus]:
        """Yield each job's terminal status as it ends (failed and cancelled ones included).

        Raises:
            WaitTimeoutError: the deadline passed (as for :meth:`wait_all`).
        """
        _, flow = self._group_flow(group_call(*args, **kwargs))
        return self._run(flow)

    @takes(download_call)
    def download(self, *args: Any, **kwargs: Any) -> DownloadReport:
        """Save a finished job's images to ``dest`` as ``NN_<shot slug>.<ext>`` (NN: the shot's
        place in the canonical 27), with ``manifest.json`` and an ``index.html`` contact sheet.

        Safe to run again, or after an interruption: a file the manifest vouches for (same size
        and SHA-256) is not fetched again; each file is written to ``<name>.part`` and renamed
        once complete. The API key goes only to the API's own origin. A broken result URL (the
        live service's fixed host, D17) is retried through the character's gallery. An image
        that cannot be saved is reported in ``failed`` with its error; the others are saved.

        Returns:
            The :class:`DownloadReport`: ``downloaded``, ``skipped``, ``failed``.

        Raises:
            InvalidParameterError: the job has not finished (its state is named), an argument
                is invalid, or ``dest`` holds another job's download.
            NotFoundError: no such job.
        """
        from charlib._download_io import download_set

        return download_set(self._client, *download_call(*args, **kwargs))

    def _run(self, flow: Flow) -> Iterator[JobStatus]:
        """Carry out a waiting flow's commands, yielding what it emits."""
        reply: object = None
        try:
            while (command := advance(flow, reply)) is not None:
                if isinstance(command, Emit):
                    yield command.status
                reply = self._carry_out(command)
        finally:
            flow.close()  # a caller that stops early ends the flow too (its bar is closed)

    def _carry_out(self, command: Command) -> object:
        """Do what one command says (each request of a batch in turn); the flow's reply."""
        if isinstance(command, Poll | Cancel):
            return [self._send(spec) for spec in command_specs(command, self._client.timeout)]
        if isinstance(command, Sleep):
            self._client.clock.sleep(command.seconds)
        elif isinstance(command, Report):
            command.waiter.report(command.status)
        return None

    def _send(self, spec: RequestSpec[_T]) -> _T | CharlibError:
        try:
            return self._client._request(spec)
        except CharlibError as error:
            return error


class AsyncJobs(_JobsBase):
    """Background jobs (``client.jobs`` of an :class:`~charlib.AsyncClient`)."""

    _client: AsyncClient
    _asynchronous = True

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, job_id: str | Job | AsyncJob | JobStatus) -> JobStatus:
        """Same as :meth:`Jobs.get`, awaited."""
        return await self._client._request(get_spec(job_id))

    async def cancel(self, job_id: str | Job | AsyncJob | JobStatus) -> CancelResult:
        """Same as :meth:`Jobs.cancel`, awaited."""
        try:
            return await self._client._request(cancel_spec(job_id))
        except BadRequestError as error:
            return cancel_outcome(error)

    @takes(list_page_spec)
    async def list(self, *args: Any, **kwargs: Any) -> JobPage:
        """Same as :meth:`Jobs.list`, awaited."""
        return await self._client._request(list_page_spec(*args, **kwargs))

    @takes(list_params)
    def list_all(self, *args: Any, **kwargs: Any) -> AsyncIterator[JobStatus]:
        """Same as :meth:`Jobs.list_all`, as an async iterator (``async for``)."""
        return self._iterate(list_params(*args, **kwargs))

    async def _iterate(self, params: dict[str, str | int]) -> AsyncIterator[JobStatus]:
        cursor = PageCursor()
        while not cursor.done:
            page = await self._client._request(list_spec(params, cursor.page))
            for job in cursor.take(page.pagination, page.jobs, _job_id):
                yield job

    def resume(self, job: str) -> AsyncJob:
        """Same as :meth:`Jobs.resume`, for an :class:`AsyncJob`."""
        return AsyncJob(self._client, resume_accepted(job))

    @takes(watch_call)
    def watch(self, *args: Any, **kwargs: Any) -> AsyncIterator[JobStatus]:
        """Same as :meth:`Jobs.watch`, as an async iterator (``async for``); ``on_progress`` may
        be an ``async def`` (it is awaited)."""
        return self._run(self._watch_flow(*watch_call(*args, **kwargs)))

    @takes(wait_call)
    async def wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Same as :meth:`Jobs.wait`, awaited; ``on_progress`` may be an ``async def``."""
        return await self._wait(*wait_call(*args, **kwargs))

    async def _wait(
        self, job_id: str | Job | AsyncJob | JobStatus, options: WaitOptions
    ) -> JobStatus:
        result: JobStatus | None = None
        # A loop, not a comprehension: that would hold a frame of its own for the whole wait.
        async for status in self._run(self._wait_flow(job_id, options)):
            result = status  # the flow's one emission; the loop runs the flow to its end
        assert result is not None  # the flow emits its result, or raises
        return result

    @takes(group_call)
    async def wait_all(self, *args: Any, **kwargs: Any) -> builtins.list[JobStatus]:
        """Same as :meth:`Jobs.wait_all`, awaited; a batch of polls goes out at once."""
        group, flow = self._group_flow(group_call(*args, **kwargs))
        async for _ in self._run(flow):
            pass
        return group.results()

    @takes(group_call)
    def as_completed(self, *args: Any, **kwargs: Any) -> AsyncIterator[JobStatus]:
        """Same as :meth:`Jobs.as_completed`, as an async iterator (``async for``)."""
        _, flow = self._group_flow(group_call(*args, **kwargs))
        return self._run(flow)

    @takes(download_call)
    async def download(self, *args: Any, **kwargs: Any) -> DownloadReport:
        """Same as :meth:`Jobs.download`, awaited (``concurrency`` tasks instead of threads)."""
        from charlib._download_io import download_set_async

        return await download_set_async(self._client, *download_call(*args, **kwargs))

    async def _run(self, flow: Flow) -> AsyncIterator[JobStatus]:
        """Same as :meth:`Jobs._run`, awaiting each command."""
        reply: object = None
        try:
            while (command := advance(flow, reply)) is not None:
                if isinstance(command, Emit):
                    yield command.status
                reply = await self._carry_out(command)
        finally:
            flow.close()

    async def _carry_out(self, command: Command) -> object:
        """Same as :meth:`Jobs._carry_out`, the requests of a batch at once."""
        if isinstance(command, Poll | Cancel):
            return await self._send_all(command_specs(command, self._client.timeout))
        if isinstance(command, Sleep):
            await self._client.clock.asleep(command.seconds)
        elif isinstance(command, Report):
            await report_async(command.waiter, command.status)
        return None

    async def _send_all(self, specs: builtins.list[RequestSpec[Any]]) -> builtins.list[object]:
        if len(specs) == 1:
            return [await self._send(specs[0])]
        # A batch is at most `concurrency` long: that bounds the requests in flight.
        return builtins.list(await asyncio.gather(*(self._send(spec) for spec in specs)))

    async def _send(self, spec: RequestSpec[_T]) -> _T | CharlibError:
        try:
            return await self._client._request(spec)
        except CharlibError as error:
            return error
