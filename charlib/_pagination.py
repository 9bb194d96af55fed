"""Pure pagination state for ``list_all``: which page to fetch next, and when to stop."""

from __future__ import annotations

from dataclasses import dataclass

from charlib._models import Pagination

__all__ = ["PageCursor"]


@dataclass
class PageCursor:
    """Walks the pages of a listing; the sync and async iterators only do the fetching.

    Attributes:
        page: the next page to fetch (1-based).
        done: ``True`` once the last page has been seen.
        pages_fetched: how many pages were recorded so far.
    """

    page: int = 1
    done: bool = False
    pages_fetched: int = 0

    def advance(self, pagination: Pagination, items: int) -> None:
        """Record a fetched page with ``items`` entries and decide what comes next.

        Stops at the server's last page, and also on an empty page (a server that claims more
        pages but returns nothing must not make us loop forever).
        """
        self.pages_fetched += 1
        if not pagination.has_next_page or items == 0:
            self.done = True
            return
        # Never go backwards, even if the server echoes an odd page number.
        self.page = max(self.page, pagination.page) + 1
