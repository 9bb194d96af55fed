"""The handle returned when a job is started: :class:`Job` and :class:`AsyncJob`.

Identity (``id``, ``poll_url``, ``estimated_completion_at``, ``accepted``), ``to_json()`` to hand
the job to another process (which resumes it with ``client.jobs.resume(text)``), and ``refresh()``,
``cancel()``, ``wait()``, ``watch()`` and ``download()``, which go through the client that started
the job (so its options, retry policy and clock apply). Keep new methods paired; ``wait``,
``watch`` and ``download`` borrow the parameters of ``client.jobs``' methods after the job
(:func:`charlib._signature.takes_rest`), so a parameter is added in one place.

A handle is accepted wherever a job id is (``client.jobs.get(job)``, ``wait``, ``watch``,
``cancel``, ``wait_all([...])``, ``as_completed``): :func:`job_id_of` is the one rule. In a notebook
a handle shows itself as HTML (``_repr_html_``), with the last status it saw.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from charlib._download_options import download_call
from charlib._exceptions import InvalidParameterError, JobError, WaitTimeoutError
from charlib._models import CancelResult, JobAccepted, JobStatus
from charlib._signature import takes_rest
from charlib._wait_options import WaitOptions, wait_call, watch_call

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client
    from charlib._download_set import DownloadReport

__all__ = ["AsyncJob", "Job"]  # job_id_of, job_ids_of: for the resources only


def _poll_url(base_url: httpx.URL, accepted: JobAccepted) -> str:
    # The wire's pollUrl is relative (contract D30); resolve it against the client's base URL.
    relative = accepted.poll_url or f"api/v1/jobs/{quote(accepted.job_id, safe='')}/status"
    return str(base_url.join(relative))


def job_id_of(job: str | _JobBase | JobStatus, field: str = "job_id") -> str:
    """The job id ``job`` stands for: a handle's ``id``, a status snapshot's ``job_id``, or the
    string itself (which the request builders then check as an id). Sync and async handles
    alike: the id is the same.

    Raises:
        InvalidParameterError: ``job`` is none of these.
    """
    if isinstance(job, str):
        return job
    if isinstance(job, _JobBase):
        return job.id
    if isinstance(job, JobStatus):
        return job.job_id
    raise InvalidParameterError(
        field, f"must be a job id, a Job handle or a JobStatus, got {type(job).__name__}"
    )


def job_ids_of(jobs: Iterable[str | _JobBase | JobStatus]) -> Iterable[str]:
    """The ids of ``jobs`` (ids, handles and statuses, mixed as they come), as a list. Anything
    that is not a collection goes back as it is, for the waiting group to say what is wrong."""
    if isinstance(jobs, _JobBase | JobStatus):
        raise InvalidParameterError(
            "job_ids",
            "must be a collection of job ids, Job handles or statuses, "
            f"not one {'Job' if isinstance(jobs, _JobBase) else 'JobStatus'}",
        )
    if isinstance(jobs, str) or not isinstance(jobs, Iterable):
        return jobs
    return [job_id_of(job, "job_ids") for job in jobs]


class _JobBase:
    """What both handles know without I/O, and the last status they saw."""

    def __init__(self, accepted: JobAccepted, *, poll_url: str) -> None:
        self._accepted = accepted
        self._poll_url = poll_url
        self._last_status: JobStatus | None = None

    @property
    def id(self) -> str:
        """The job id (a UUID string)."""
        return self._accepted.job_id

    @property
    def poll_url(self) -> str:
        """Absolute URL of the job's status endpoint."""
        return self._poll_url

    @property
    def estimated_completion_at(self) -> datetime | None:
        """The server's estimate at acceptance (``estimatedCompletionTime``), if any."""
        return self._accepted.estimated_completion_time

    @property
    def accepted(self) -> JobAccepted:
        """The parsed 202 body."""
        return self._accepted

    @property
    def last_status(self) -> JobStatus | None:
        """The last status this handle saw through ``refresh()`` or ``wait()`` (the final one
        of a wait that raised included), or ``None`` before any."""
        return self._last_status

    def to_json(self) -> str:
        """The handle as JSON text, for another process: ``client.jobs.resume(text)``."""
        return self._accepted.model_dump_json(by_alias=True, exclude_none=True)

    def _seen(self, status: JobStatus) -> JobStatus:
        self._last_status = status
        return status

    @contextmanager
    def _noting_failures(self) -> Iterator[None]:
        """Keep the status a failed wait carries (``JobError``, ``WaitTimeoutError``)."""
        try:
            yield
        except JobError as error:
            self._seen(error.job_status)
            raise
        except WaitTimeoutError as error:
            if error.last_status is not None:
                self._seen(error.last_status)
            raise

    def __repr__(self) -> str:
        last = self._last_status
        seen = "" if last is None else f", last_status={last.status.value!r}"
        return f"{type(self).__name__}(id={self.id!r}, poll_url={self.poll_url!r}{seen})"

    def _repr_html_(self) -> str:
        """Jupyter's rich display: id, poll URL, estimated completion, and the last status seen
        (with its contact sheet once the job has results). Everything shown is escaped."""
        from charlib._display import job_html

        return job_html(self.id, self.poll_url, self.estimated_completion_at, self._last_status)


class Job(_JobBase):
    """A started job, bound to the :class:`~charlib.Client` that started it."""

    def __init__(self, client: Client, accepted: JobAccepted) -> None:
        super().__init__(accepted, poll_url=_poll_url(client.base_url, accepted))
        self._client = client

    def refresh(self) -> JobStatus:
        """Fetch the job's current status (``client.jobs.get(job.id)``)."""
        return self._seen(self._client.jobs.get(self.id))

    def cancel(self) -> CancelResult:
        """Ask the server to cancel the job (``client.jobs.cancel(job.id)``)."""
        return self._client.jobs.cancel(self.id)

    @takes_rest(wait_call)
    def wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Wait until the job ends (``client.jobs.wait(job.id, ...)``; same arguments)."""
        return self._wait(wait_call(self, *args, **kwargs)[1])

    def _wait(self, options: WaitOptions) -> JobStatus:
        with self._noting_failures():
            return self._seen(self._client.jobs._wait(self.id, options))

    @takes_rest(watch_call)
    def watch(self, *args: Any, **kwargs: Any) -> Iterator[JobStatus]:
        """Snapshots as the job changes (``client.jobs.watch(job.id, ...)``; same arguments)."""
        return self._client.jobs.watch(self.id, *args, **kwargs)

    @takes_rest(download_call)
    def download(self, *args: Any, **kwargs: Any) -> DownloadReport:
        """Save the finished job's images (``client.jobs.download(job, dest, ...)``)."""
        return self._client.jobs.download(self, *args, **kwargs)


class AsyncJob(_JobBase):
    """A started job, bound to the :class:`~charlib.AsyncClient` that started it."""

    def __init__(self, client: AsyncClient, accepted: JobAccepted) -> None:
        super().__init__(accepted, poll_url=_poll_url(client.base_url, accepted))
        self._client = client

    async def refresh(self) -> JobStatus:
        """Same as :meth:`Job.refresh`, awaited."""
        return self._seen(await self._client.jobs.get(self.id))

    async def cancel(self) -> CancelResult:
        """Same as :meth:`Job.cancel`, awaited."""
        return await self._client.jobs.cancel(self.id)

    @takes_rest(wait_call)
    async def wait(self, *args: Any, **kwargs: Any) -> JobStatus:
        """Same as :meth:`Job.wait`, awaited."""
        return await self._wait(wait_call(self, *args, **kwargs)[1])

    async def _wait(self, options: WaitOptions) -> JobStatus:
        with self._noting_failures():
            return self._seen(await self._client.jobs._wait(self.id, options))

    @takes_rest(watch_call)
    def watch(self, *args: Any, **kwargs: Any) -> AsyncIterator[JobStatus]:
        """Same as :meth:`Job.watch`, as an async iterator (``async for``)."""
        return self._client.jobs.watch(self.id, *args, **kwargs)

    @takes_rest(download_call)
    async def download(self, *args: Any, **kwargs: Any) -> DownloadReport:
        """Same as :meth:`Job.download`, awaited."""
        return await self._client.jobs.download(self, *args, **kwargs)
