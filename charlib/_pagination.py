"""Pure pagination state for ``list_all``: which page to fetch next, what is new, when to stop.

A listing ends when the server says so (``hasNextPage`` false) or sends an empty page. A server
may also say "more" for ever, by mistake or not; so the walk also ends, with a warning on the
``charlib`` logger, when

* a page brings no job that was not seen already (the same page again, or pages that loop),
* the page just read is the last one by the server's own ``totalPages``,
* or :data:`MAX_PAGES` pages have been read.

Jobs already yielded are dropped from later pages: a job created while the listing is walked
pushes the others one place down, so a page can repeat the last job of the page before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from charlib._models import Pagination

__all__ = ["MAX_PAGES", "PageCursor"]

_T = TypeVar("_T")

logger = logging.getLogger("charlib")

#: The most pages one ``list_all`` reads: 100,000 jobs at ``limit=100`` (10,000 at the server's
#: default page size of 10). A listing that needs more can be walked with ``jobs.list(page=...)``.
MAX_PAGES = 1000


@dataclass
class PageCursor:
    """Walks the pages of a listing; the sync and async iterators only do the fetching.

    :meth:`take` records a page of items with ids (and drops those seen already); :meth:`advance`
    records a page by its size alone.

    Attributes:
        page: the next page to fetch (1-based).
        done: ``True`` once the last page has been seen.
        pages_fetched: how many pages were recorded so far.
        max_pages: stop after this many pages (default :data:`MAX_PAGES`).
    """

    page: int = 1
    done: bool = False
    pages_fetched: int = 0
    max_pages: int = MAX_PAGES
    _seen: set[str] = field(default_factory=set, repr=False)

    def take(
        self, pagination: Pagination, items: Sequence[_T], key: Callable[[_T], str]
    ) -> list[_T]:
        """Record a fetched page of ``items`` and return those whose ``key`` was not seen before
        (in order); then :meth:`advance`, telling it how many were new."""
        fresh = []
        for item in items:
            identity = key(item)
            if identity not in self._seen:
                self._seen.add(identity)
                fresh.append(item)
        self.advance(pagination, len(items), fresh=len(fresh))
        return fresh

    def advance(self, pagination: Pagination, items: int, *, fresh: int | None = None) -> None:
        """Record a fetched page with ``items`` entries (``fresh`` of them new, when known) and
        decide what comes next.

        Stops at the server's last page and on an empty page, and with a warning on a page that
        adds nothing new, at ``totalPages`` while the server still claims more, and at
        ``max_pages``.
        """
        self.pages_fetched += 1
        why = self._stop_reason(pagination, items, items if fresh is None else fresh)
        if why is None:
            # Never go backwards, even if the server echoes an odd page number.
            self.page = max(self.page, pagination.page) + 1
            return
        self.done = True
        if why:
            logger.warning("listing stopped after page %d: %s", self.page, why)

    def _stop_reason(self, pagination: Pagination, count: int, fresh: int) -> str | None:
        """``None`` to go on; ``""`` for the listing's normal end; else why we stop early."""
        if not pagination.has_next_page or count == 0:
            return ""
        if fresh == 0:
            return "the page brought no item not already seen, though the server claims more"
        if 0 < pagination.total_pages <= self.page:
            return (
                f"the server claims more pages, but said there are {pagination.total_pages} in all"
            )
        if self.pages_fetched >= self.max_pages:
            return f"{self.max_pages} pages read (the most one listing reads)"
        return None
