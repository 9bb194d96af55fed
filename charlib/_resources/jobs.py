"""``client.jobs``: status, cancel and listing of background jobs.

Request building and pagination state are pure (module functions and
:class:`~charlib._pagination.PageCursor`); :class:`Jobs` and :class:`AsyncJobs` only send.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from charlib._models import CancelResult, JobPage, JobState, JobStatus, JobType
from charlib._pagination import PageCursor
from charlib._params import check_int, check_str, path_segment
from charlib._request import RequestSpec
from charlib._response import model_parser, parse_job_page, parse_job_status
from charlib._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

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

        Raises:
            NotFoundError: no such job.
            BadRequestError: the job is already terminal.
        """
        return self._client._request(cancel_spec(job_id))

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

        Raises:
            NotFoundError: no such job.
            BadRequestError: the job is already terminal.
        """
        return await self._client._request(cancel_spec(job_id))

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
