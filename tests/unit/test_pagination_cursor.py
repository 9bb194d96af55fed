"""PageCursor: the pure state behind ``list_all``."""

from __future__ import annotations

import charlib
from charlib._pagination import PageCursor


def _page(page: int, has_next: bool) -> charlib.Pagination:
    return charlib.Pagination(page=page, has_next_page=has_next, limit=10, total_docs=25)


def test_cursor_walks_to_the_last_page() -> None:
    """Pages 1, 2, 3 are requested, then the cursor is done."""
    cursor = PageCursor()
    seen = []
    for has_next in (True, True, False):
        seen.append(cursor.page)
        cursor.advance(_page(cursor.page, has_next), items=10)
    assert seen == [1, 2, 3]
    assert cursor.done
    assert cursor.pages_fetched == 3


def test_cursor_stops_on_an_empty_page() -> None:
    """An empty page ends iteration even if the server claims there is more."""
    cursor = PageCursor()
    cursor.advance(_page(1, True), items=0)
    assert cursor.done


def test_cursor_never_goes_backwards() -> None:
    """A server echoing a stale page number cannot send the cursor back."""
    cursor = PageCursor(page=5)
    cursor.advance(_page(1, True), items=3)
    assert cursor.page == 6
