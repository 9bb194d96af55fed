"""The handle returned when a job is started: :class:`Job` and :class:`AsyncJob`.

Deliberately small: identity (``id``, ``poll_url``, ``estimated_completion_at``, ``accepted``) plus
``refresh()`` and ``cancel()``, which go through the client that started the job (so its options,
retry policy and clock apply). The waiting layer grows these classes (``wait``, ``watch``, JSON
round-trip); keep new methods paired, with identical signatures.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from charlib._models import CancelResult, JobAccepted, JobStatus

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

__all__ = ["AsyncJob", "Job"]


def _poll_url(base_url: httpx.URL, accepted: JobAccepted) -> str:
    # The wire's pollUrl is relative (contract D30); resolve it against the client's base URL.
    relative = accepted.poll_url or f"api/v1/jobs/{quote(accepted.job_id, safe='')}/status"
    return str(base_url.join(relative))


class _JobBase:
    """What both handles know without I/O."""

    def __init__(self, accepted: JobAccepted, *, poll_url: str) -> None:
        self._accepted = accepted
        self._poll_url = poll_url

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, poll_url={self.poll_url!r})"


class Job(_JobBase):
    """A started job, bound to the :class:`~charlib.Client` that started it."""

    def __init__(self, client: Client, accepted: JobAccepted) -> None:
        super().__init__(accepted, poll_url=_poll_url(client.base_url, accepted))
        self._client = client

    def refresh(self) -> JobStatus:
        """Fetch the job's current status (``client.jobs.get(job.id)``)."""
        return self._client.jobs.get(self.id)

    def cancel(self) -> CancelResult:
        """Ask the server to cancel the job (``client.jobs.cancel(job.id)``)."""
        return self._client.jobs.cancel(self.id)


class AsyncJob(_JobBase):
    """A started job, bound to the :class:`~charlib.AsyncClient` that started it."""

    def __init__(self, client: AsyncClient, accepted: JobAccepted) -> None:
        super().__init__(accepted, poll_url=_poll_url(client.base_url, accepted))
        self._client = client

    async def refresh(self) -> JobStatus:
        """Fetch the job's current status (``await client.jobs.get(job.id)``)."""
        return await self._client.jobs.get(self.id)

    async def cancel(self) -> CancelResult:
        """Ask the server to cancel the job (``await client.jobs.cancel(job.id)``)."""
        return await self._client.jobs.cancel(self.id)
