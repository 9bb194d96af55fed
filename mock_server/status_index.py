"""Jobs by status at a moving time: what lets the memory store list a page without a scan.

A job's status is a function of its facts and the time (:func:`~mock_server.lifecycle.status_at`),
so it cannot be indexed once and for all. But it changes only at a few known instants
(:func:`~mock_server.lifecycle.changes_at`: a start, an end, a cancel showing or ending). The
index therefore keeps, for one time ``now``, every job in the list of its status (one list per
status for all jobs, per character and per job type, each in creation order), and a heap of the
instants still ahead. Asked about a later time, it pops the instants passed and asks
``status_at`` again for those jobs only; asked about an earlier time (a test's clock, or a
restored store), it rebuilds. The status itself always comes from ``status_at``: the index only
knows *when* to ask.

A job is named by its rank, its position in creation order (0, 1, ...); a list sliced from its
end gives the newest first, and its length is the count, so a page costs the page.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort

from mock_server.lifecycle import JOB_STATUSES, JobFacts, changes_at, status_at

__all__ = ["ANY", "StatusIndex"]

#: The pseudo-status of the lists that hold every job of a key, whatever its status.
ANY = "*"

_ALL = ("*", "")


class StatusIndex:
    """Ranks of jobs by key and status at the time of the last question (see the module)."""

    def __init__(self) -> None:
        self._facts: list[JobFacts] = []
        self._status: list[str] = []
        self._lists: dict[tuple[str, str, str], list[int]] = {}
        self._due: list[tuple[int, int]] = []  # (instant, rank): re-ask status_at from then on
        self._now: int | None = None  # the time the lists describe; None: not built yet

    @staticmethod
    def _keys(job: JobFacts) -> tuple[tuple[str, str], ...]:
        return _ALL, ("c", job.character_id), ("t", job.job_type)

    def add(self, job: JobFacts) -> int:
        """Index a new job (the newest); returns its rank."""
        rank = len(self._facts)
        self._facts.append(job)
        self._status.append("")
        for kind, value in self._keys(job):
            self._lists.setdefault((kind, value, ANY), []).append(rank)
        if self._now is not None:
            self._place(rank, self._now, schedule=True)
        return rank

    def update(self, rank: int, job: JobFacts) -> None:
        """The facts of job ``rank`` changed (a cancel, a new slot, a freeze)."""
        self._facts[rank] = job
        if self._now is not None:
            # Instants of the old facts stay in the heap: asking status_at again costs one call.
            self._place(rank, self._now, schedule=True)

    def ranks(
        self, now: int, *, character_id: str | None, job_type: str | None, status: str | None
    ) -> tuple[list[int], str | None]:
        """Candidate ranks in creation order, and the job type they still need checking for.

        The list is exact for every filter but a job type together with a character (the
        character's list is returned, to be filtered by type: it holds that character's jobs
        only). Do not modify the list.
        """
        if status is not None:
            self._at(now)
        wanted = ANY if status is None else status
        if character_id is not None:
            return self._lists.get(("c", character_id, wanted), []), job_type
        if job_type is not None:
            return self._lists.get(("t", job_type, wanted), []), None
        return self._lists.get((*_ALL, wanted), []), None

    def counts(self, now: int) -> dict[str, int]:
        """How many jobs are in each status at ``now``."""
        self._at(now)
        return {status: len(self._lists.get((*_ALL, status), ())) for status in JOB_STATUSES}

    def newest(self, now: int, statuses: tuple[str, ...], limit: int) -> list[int]:
        """The ranks of the ``limit`` newest jobs in any of ``statuses`` at ``now``, newest
        first."""
        self._at(now)
        tails = [self._lists.get((*_ALL, status), [])[-limit:] for status in statuses]
        return sorted((rank for tail in tails for rank in tail), reverse=True)[:limit]

    def _at(self, now: int) -> None:
        """Bring every job's status to ``now``."""
        if self._now is None or now < self._now:
            self._rebuild(now)
            return
        due = self._due
        while due and due[0][0] <= now:
            _, rank = heapq.heappop(due)
            self._place(rank, now, schedule=False)
        self._now = now

    def _rebuild(self, now: int) -> None:
        for key in [key for key in self._lists if key[2] != ANY]:
            del self._lists[key]
        self._status = [""] * len(self._facts)
        self._due = []
        self._now = now
        for rank in range(len(self._facts)):
            self._place(rank, now, schedule=True)

    def _place(self, rank: int, now: int, *, schedule: bool) -> None:
        """Move job ``rank`` to the lists of its status at ``now``; with ``schedule``, remember
        its instants still ahead (a popped instant's job keeps its later ones in the heap)."""
        job = self._facts[rank]
        status = status_at(job, now)
        old = self._status[rank]
        if status != old:
            for kind, value in self._keys(job):
                if old:
                    ranks = self._lists[(kind, value, old)]
                    del ranks[bisect_left(ranks, rank)]
                insort(self._lists.setdefault((kind, value, status), []), rank)
            self._status[rank] = status
        if schedule:
            for instant in changes_at(job):
                if instant > now:
                    heapq.heappush(self._due, (instant, rank))
