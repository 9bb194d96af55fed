"""``client.jobs``: status, cancel, listing, and waiting for background jobs.

Request building, pagination state and every waiting decision are pure (module functions,
:class:`~charlib._pagination.PageCursor`, :mod:`charlib._waiting`); :class:`Jobs` and
:class:`AsyncJobs` only send, sleep and differ by ``await``.
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import enum
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING

import httpx

from charlib._exceptions import (
    BadRequestError,
    CharlibError,
    InvalidParameterError,
    WaitTimeoutError,
)
from charlib._job import AsyncJob, Job
from charlib._models import CancelResult, JobAccepted, JobPage, JobState, JobStatus, JobType
from charlib._pagination import PageCursor
from charlib._params import check_int, check_str, path_segment
from charlib._polling import PollPolicy
from charlib._request import RequestSpec
from charlib._response import model_parser, parse_job_page, parse_job_status
from charlib._retry import RetryMode
from charlib._types import NOT_GIVEN, NotGiven
from charlib._waiting import (
    DEFAULT_WAIT_TIMEOUT,
    FINAL_LOOK,
    ProgressCallback,
    Waiter,
    WaitGroup,
    outcome,
    report_async,
    report_sync,
)

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client
    from charlib._display import JobsProgressBar, ProgressBar

logger = logging.getLogger("charlib")

__all__ = ["AsyncJobs", "Jobs"]

MAX_PAGE_SIZE = 100


def _status_path(job_id: str) -> str:
    return f"api/v1/jobs/{path_segment('job_id', job_id)}/status"


def get_spec(job_id: str) -> RequestSpec[JobStatus]:
    """``GET /api/v1/jobs/{job_id}/status``."""
    return RequestSpec("GET", _status_path(job_id), parse_job_status)


def cancel_spec(job_id: str) -> RequestSpec[CancelResult]:
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
        return JobAccepted.model_validate(data)
    except ValueError as exc:  # json.JSONDecodeError and pydantic.ValidationError alike
        raise InvalidParameterError("job", "is not the JSON of a Job handle") from exc


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
    """Validated query parameters shared by ``list`` and ``list_all`` (page excluded)."""
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


def list_spec(
    params: dict[str, str | int], page: int | NotGiven = NOT_GIVEN
) -> RequestSpec[JobPage]:
    """``GET /api/v1/jobs`` with ``params`` and, when given, ``page``."""
    query = dict(params)
    if not isinstance(page, NotGiven):
        query["page"] = check_int("page", page, minimum=1)
    return RequestSpec("GET", "api/v1/jobs", parse_job_page, params=query)


class Jobs:
    """Background jobs (``client.jobs``)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, job_id: str) -> JobStatus:
        """Fetch a job's status.

        Args:
            job_id: the id returned when the job was started.

        Returns:
            The :class:`JobStatus`, with the response's ``Date`` as ``server_date``.

        Raises:
            NotFoundError: no such job.
        """
        return self._client._request(get_spec(job_id))

    def cancel(self, job_id: str) -> CancelResult:
        """Ask the server to cancel a job.

        Against the live service cancelling is cosmetic (the job may still finish); keep
        polling until a terminal state is stable.

        A job that is already cancelled counts as success.

        Raises:
            NotFoundError: no such job.
            BadRequestError: the job has already completed or failed.
        """
        try:
            return self._client._request(cancel_spec(job_id))
        except BadRequestError as error:
            return cancel_outcome(error)

    def list(
        self,
        *,
        character_id: str | NotGiven = NOT_GIVEN,
        status: JobState | str | NotGiven = NOT_GIVEN,
        job_type: JobType | str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
    ) -> JobPage:
        """Fetch one page of jobs, newest first.

        Args:
            character_id: only jobs of this character.
            status: only jobs in this state.
            job_type: only jobs of this type.
            page: 1-based page number (server default 1).
            limit: page size, 1-100 (server default 10).

        Returns:
            A :class:`JobPage` with ``.jobs`` and ``.pagination``.
        """
        params = list_params(
            character_id=character_id, status=status, job_type=job_type, limit=limit
        )
        return self._client._request(list_spec(params, page))

    def list_all(
        self,
        *,
        character_id: str | NotGiven = NOT_GIVEN,
        status: JobState | str | NotGiven = NOT_GIVEN,
        job_type: JobType | str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
    ) -> Iterator[JobStatus]:
        """Iterate over every job of every page, lazily.

        A page is fetched only when the previous one is used up, and iteration stops after the
        last page. Arguments are validated now, not at the first ``next()``.

        Args:
            character_id: only jobs of this character.
            status: only jobs in this state.
            job_type: only jobs of this type.
            limit: page size, 1-100.
        """
        params = list_params(
            character_id=character_id, status=status, job_type=job_type, limit=limit
        )
        return self._iterate(params)

    def _iterate(self, params: dict[str, str | int]) -> Iterator[JobStatus]:
        cursor = PageCursor()
        while not cursor.done:
            page = self._client._request(list_spec(params, cursor.page))
            cursor.advance(page.pagination, len(page.jobs))
            yield from page.jobs

    def resume(self, job: str) -> Job:
        """A :class:`Job` handle for a job started elsewhere (another process, an earlier run).

        Args:
            job: the job id, or the string from :meth:`Job.to_json`.
        """
        return Job(self._client, resume_accepted(job))

    def watch(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | ProgressBar = False,
    ) -> Iterator[JobStatus]:
        """Iterate over a job's snapshots as it changes, ending with its terminal one.

        A snapshot is yielded only when the status or progress changed. Failed and cancelled jobs
        end the iteration; they do not raise.

        Args:
            job_id: the job to follow.
            timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
            poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
            on_progress: called with each changed snapshot.
            progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).

        Raises:
            WaitTimeoutError: the deadline passed first (the job goes on on the server).
            NotFoundError: no such job.
        """
        waiter = Waiter(
            job_id,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            on_progress=on_progress,
            progress=progress,
        )
        return self._watch(waiter)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | ProgressBar = False,
        cancel_on_timeout: bool = False,
        raise_on_partial: bool = False,
    ) -> JobStatus:
        """Wait until a job ends; return its final status if it completed.

        Three budgets apply, separately: the client's per-request ``timeout``, its retry policy,
        and this call's overall ``timeout``. Transient errors while waiting (connection refused,
        429, 5xx) are retried within the deadline.

        Args:
            job_id: the job to wait for.
            timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
            poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
            on_progress: called with each changed snapshot.
            progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).
            cancel_on_timeout: cancel the job on the server before raising ``WaitTimeoutError``.
            raise_on_partial: raise ``PartialResultError`` if some images failed.

        Returns:
            The ``completed`` :class:`JobStatus` (check ``is_partial`` for failed shots).

        Raises:
            JobFailedError: the job failed (``.job_status.error`` says why).
            JobCancelledError: the job was cancelled.
            PartialResultError: with ``raise_on_partial``, some images failed.
            WaitTimeoutError: the deadline passed; ``.job_id`` and ``.last_status`` say where.
            NotFoundError: no such job.
        """
        waiter = Waiter(
            job_id,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            on_progress=on_progress,
            progress=progress,
        )
        try:
            for _ in self._watch(waiter):
                pass
        except WaitTimeoutError:
            if cancel_on_timeout:
                self._cancel_after_timeout(job_id)
            raise
        assert waiter.last is not None  # a finished watch has seen the terminal status
        return outcome(waiter.last, raise_on_partial=raise_on_partial)

    def wait_all(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        concurrency: int = 8,
        on_progress: ProgressCallback | None = None,
        progress: bool | JobsProgressBar = False,
    ) -> builtins.list[JobStatus]:
        """Wait for many jobs at once; return every terminal status, in input order.

        Failed and cancelled jobs are returned, not raised. One schedule polls them all, with at
        most ``concurrency`` requests in flight. ``progress=True`` draws one bar for all the jobs
        (a tick per job that ends, with a tally of outcomes).

        Raises:
            WaitTimeoutError: the deadline passed; ``.finished`` maps job ids to the statuses of
                jobs that ended, ``.unfinished`` lists the others.
            NotFoundError: one of the jobs does not exist.
        """
        group = self._group(job_ids, timeout, poll, concurrency, on_progress, progress)
        for _ in self._drive(group):
            pass
        return group.results()

    def as_completed(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        concurrency: int = 8,
        on_progress: ProgressCallback | None = None,
        progress: bool | JobsProgressBar = False,
    ) -> Iterator[JobStatus]:
        """Yield each job's terminal status as it ends (failed and cancelled ones included).

        Raises:
            WaitTimeoutError: the deadline passed (as for :meth:`wait_all`).
        """
        return self._drive(self._group(job_ids, timeout, poll, concurrency, on_progress, progress))

    def _group(
        self,
        job_ids: Iterable[str],
        timeout: float | None,
        poll: PollPolicy | float | None,
        concurrency: int,
        on_progress: ProgressCallback | None,
        progress: bool | JobsProgressBar,
    ) -> WaitGroup:
        return WaitGroup(
            job_ids,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            concurrency=concurrency,
            on_progress=on_progress,
            progress=progress,
        )

    def _poll(self, job_id: str, left: float | None) -> JobStatus | CharlibError:
        try:
            return self._client._request(poll_spec(job_id, left, self._client.timeout))
        except CharlibError as error:
            return error

    def _watch(self, waiter: Waiter) -> Iterator[JobStatus]:
        clock = self._client.clock
        try:
            while True:
                status = self._poll(waiter.job_id, waiter.time_left(clock.monotonic()))
                changed, finished = waiter.feed(status, clock.monotonic())
                if changed:
                    assert isinstance(status, JobStatus)
                    report_sync(waiter, status)
                    yield status
                if finished:
                    return
                clock.sleep(waiter.next_delay(clock.monotonic()))
        finally:
            waiter.close()

    def _drive(self, group: WaitGroup) -> Iterator[JobStatus]:
        clock = self._client.clock
        try:
            while not group.done:
                for index in group.due(clock.monotonic()):
                    if group.deadline is not None and clock.monotonic() >= group.deadline:
                        break  # the rest of the batch would overrun: next_delay raises
                    left = group.time_left(clock.monotonic())
                    status = self._poll(group.job_ids[index], left)
                    changed, finished = group.feed(index, status, clock.monotonic())
                    if changed:
                        assert isinstance(status, JobStatus)
                        report_sync(group.waiters[index], status)
                    if finished:
                        yield group.finished[index]
                if not group.done:
                    clock.sleep(group.next_delay(clock.monotonic()))
        finally:
            group.close()

    def _cancel_after_timeout(self, job_id: str) -> None:
        try:
            self._client._request(final_cancel_spec(job_id))
        except CharlibError as error:
            logger.warning("Could not cancel job %s after the wait timed out: %s", job_id, error)


class AsyncJobs:
    """Background jobs (``client.jobs`` of an :class:`~charlib.AsyncClient`)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, job_id: str) -> JobStatus:
        """Fetch a job's status.

        Args:
            job_id: the id returned when the job was started.

        Returns:
            The :class:`JobStatus`, with the response's ``Date`` as ``server_date``.

        Raises:
            NotFoundError: no such job.
        """
        return await self._client._request(get_spec(job_id))

    async def cancel(self, job_id: str) -> CancelResult:
        """Ask the server to cancel a job.

        Against the live service cancelling is cosmetic (the job may still finish); keep
        polling until a terminal state is stable.

        A job that is already cancelled counts as success.

        Raises:
            NotFoundError: no such job.
            BadRequestError: the job has already completed or failed.
        """
        try:
            return await self._client._request(cancel_spec(job_id))
        except BadRequestError as error:
            return cancel_outcome(error)

    async def list(
        self,
        *,
        character_id: str | NotGiven = NOT_GIVEN,
        status: JobState | str | NotGiven = NOT_GIVEN,
        job_type: JobType | str | NotGiven = NOT_GIVEN,
        page: int | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
    ) -> JobPage:
        """Fetch one page of jobs, newest first.

        Args:
            character_id: only jobs of this character.
            status: only jobs in this state.
            job_type: only jobs of this type.
            page: 1-based page number (server default 1).
            limit: page size, 1-100 (server default 10).

        Returns:
            A :class:`JobPage` with ``.jobs`` and ``.pagination``.
        """
        params = list_params(
            character_id=character_id, status=status, job_type=job_type, limit=limit
        )
        return await self._client._request(list_spec(params, page))

    def list_all(
        self,
        *,
        character_id: str | NotGiven = NOT_GIVEN,
        status: JobState | str | NotGiven = NOT_GIVEN,
        job_type: JobType | str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[JobStatus]:
        """Iterate (``async for``) over every job of every page, lazily.

        A page is fetched only when the previous one is used up, and iteration stops after the
        last page. Arguments are validated now, not at the first ``__anext__()``.

        Args:
            character_id: only jobs of this character.
            status: only jobs in this state.
            job_type: only jobs of this type.
            limit: page size, 1-100.
        """
        params = list_params(
            character_id=character_id, status=status, job_type=job_type, limit=limit
        )
        return self._iterate(params)

    async def _iterate(self, params: dict[str, str | int]) -> AsyncIterator[JobStatus]:
        cursor = PageCursor()
        while not cursor.done:
            page = await self._client._request(list_spec(params, cursor.page))
            cursor.advance(page.pagination, len(page.jobs))
            for job in page.jobs:
                yield job

    def resume(self, job: str) -> AsyncJob:
        """An :class:`AsyncJob` for a job started elsewhere (another process, an earlier run).

        Args:
            job: the job id, or the string from :meth:`AsyncJob.to_json`.
        """
        return AsyncJob(self._client, resume_accepted(job))

    def watch(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | ProgressBar = False,
    ) -> AsyncIterator[JobStatus]:
        """Iterate (``async for``) over a job's snapshots as it changes, ending with the last.

        A snapshot is yielded only when the status or progress changed. Failed and cancelled jobs
        end the iteration; they do not raise.

        Args:
            job_id: the job to follow.
            timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
            poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
            on_progress: called with each changed snapshot.
            progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).

        Raises:
            WaitTimeoutError: the deadline passed first (the job goes on on the server).
            NotFoundError: no such job.
        """
        waiter = Waiter(
            job_id,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            on_progress=on_progress,
            progress=progress,
            asynchronous=True,
        )
        return self._watch(waiter)

    async def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | ProgressBar = False,
        cancel_on_timeout: bool = False,
        raise_on_partial: bool = False,
    ) -> JobStatus:
        """Wait until a job ends; return its final status if it completed.

        Three budgets apply, separately: the client's per-request ``timeout``, its retry policy,
        and this call's overall ``timeout``. Transient errors while waiting (connection refused,
        429, 5xx) are retried within the deadline.

        Args:
            job_id: the job to wait for.
            timeout: overall deadline in seconds (default 45 minutes; ``None``: no deadline).
            poll: a :class:`PollPolicy`, or a fixed interval in seconds (default: adaptive).
            on_progress: called with each changed snapshot.
            progress: ``True`` draws a progress bar (tqdm: text in a terminal, a widget in Jupyter).
            cancel_on_timeout: cancel the job on the server before raising ``WaitTimeoutError``.
            raise_on_partial: raise ``PartialResultError`` if some images failed.

        Returns:
            The ``completed`` :class:`JobStatus` (check ``is_partial`` for failed shots).

        Raises:
            JobFailedError: the job failed (``.job_status.error`` says why).
            JobCancelledError: the job was cancelled.
            PartialResultError: with ``raise_on_partial``, some images failed.
            WaitTimeoutError: the deadline passed; ``.job_id`` and ``.last_status`` say where.
            NotFoundError: no such job.
        """
        waiter = Waiter(
            job_id,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            on_progress=on_progress,
            progress=progress,
            asynchronous=True,
        )
        try:
            async for _ in self._watch(waiter):
                pass
        except WaitTimeoutError:
            if cancel_on_timeout:
                await self._cancel_after_timeout(job_id)
            raise
        assert waiter.last is not None  # a finished watch has seen the terminal status
        return outcome(waiter.last, raise_on_partial=raise_on_partial)

    async def wait_all(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        concurrency: int = 8,
        on_progress: ProgressCallback | None = None,
        progress: bool | JobsProgressBar = False,
    ) -> builtins.list[JobStatus]:
        """Wait for many jobs at once; return every terminal status, in input order.

        Failed and cancelled jobs are returned, not raised. One schedule polls them all, with at
        most ``concurrency`` requests in flight. ``progress=True`` draws one bar for all the jobs
        (a tick per job that ends, with a tally of outcomes).

        Raises:
            WaitTimeoutError: the deadline passed; ``.finished`` maps job ids to the statuses of
                jobs that ended, ``.unfinished`` lists the others.
            NotFoundError: one of the jobs does not exist.
        """
        group = self._group(job_ids, timeout, poll, concurrency, on_progress, progress)
        async for _ in self._drive(group):
            pass
        return group.results()

    def as_completed(
        self,
        job_ids: Iterable[str],
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | float | None = None,
        concurrency: int = 8,
        on_progress: ProgressCallback | None = None,
        progress: bool | JobsProgressBar = False,
    ) -> AsyncIterator[JobStatus]:
        """Yield each job's terminal status as it ends (failed and cancelled ones included).

        Raises:
            WaitTimeoutError: the deadline passed (as for :meth:`wait_all`).
        """
        return self._drive(self._group(job_ids, timeout, poll, concurrency, on_progress, progress))

    def _group(
        self,
        job_ids: Iterable[str],
        timeout: float | None,
        poll: PollPolicy | float | None,
        concurrency: int,
        on_progress: ProgressCallback | None,
        progress: bool | JobsProgressBar,
    ) -> WaitGroup:
        return WaitGroup(
            job_ids,
            now=self._client.clock.monotonic(),
            timeout=timeout,
            poll=poll,
            concurrency=concurrency,
            on_progress=on_progress,
            progress=progress,
            asynchronous=True,
        )

    async def _poll(self, job_id: str, left: float | None) -> JobStatus | CharlibError:
        try:
            return await self._client._request(poll_spec(job_id, left, self._client.timeout))
        except CharlibError as error:
            return error

    async def _watch(self, waiter: Waiter) -> AsyncIterator[JobStatus]:
        clock = self._client.clock
        try:
            while True:
                status = await self._poll(waiter.job_id, waiter.time_left(clock.monotonic()))
                changed, finished = waiter.feed(status, clock.monotonic())
                if changed:
                    assert isinstance(status, JobStatus)
                    await report_async(waiter, status)
                    yield status
                if finished:
                    return
                await clock.asleep(waiter.next_delay(clock.monotonic()))
        finally:
            waiter.close()

    async def _drive(self, group: WaitGroup) -> AsyncIterator[JobStatus]:
        clock = self._client.clock
        try:
            while not group.done:
                batch = group.due(clock.monotonic())
                left = group.time_left(clock.monotonic())
                # The batch is at most `concurrency` long: that bounds the requests in flight.
                polls = (self._poll(group.job_ids[i], left) for i in batch)
                statuses = await asyncio.gather(*polls)
                for index, status in zip(batch, statuses, strict=True):
                    changed, finished = group.feed(index, status, clock.monotonic())
                    if changed:
                        assert isinstance(status, JobStatus)
                        await report_async(group.waiters[index], status)
                    if finished:
                        yield group.finished[index]
                if not group.done:
                    await clock.asleep(group.next_delay(clock.monotonic()))
        finally:
            group.close()

    async def _cancel_after_timeout(self, job_id: str) -> None:
        try:
            await self._client._request(final_cancel_spec(job_id))
        except CharlibError as error:
            logger.warning("Could not cancel job %s after the wait timed out: %s", job_id, error)
