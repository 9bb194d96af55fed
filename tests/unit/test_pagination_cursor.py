"""PageCursor: the pure state behind ``list_all``, including its guards against endless listings."""

from __future__ import annotations

import logging

import pytest

import charlib
from charlib._pagination import MAX_PAGES, PageCursor


def _page(page: int, has_next: bool, total_pages: int = 0) -> charlib.Pagination:
    return charlib.Pagination(
        page=page, has_next_page=has_next, limit=10, total_docs=25, total_pages=total_pages
    )


def _key(item: str) -> str:
    return item


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


def test_take_drops_items_seen_on_earlier_pages() -> None:
    """An item that moved one place down (a job created meanwhile) is not yielded twice."""
    cursor = PageCursor()
    assert cursor.take(_page(1, True), ["a", "b"], _key) == ["a", "b"]
    assert cursor.take(_page(2, True), ["b", "c"], _key) == ["c"]
    assert not cursor.done


def test_a_page_with_nothing_new_ends_the_walk_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same page again (hasNextPage true for ever) stops the listing, and says why."""
    cursor = PageCursor()
    cursor.take(_page(1, True), ["a", "b"], _key)
    with caplog.at_level(logging.WARNING, logger="charlib"):
        assert cursor.take(_page(1, True), ["a", "b"], _key) == []
    assert cursor.done
    assert "no item not already seen" in caplog.text


def test_total_pages_bounds_a_server_that_claims_more(caplog: pytest.LogCaptureFixture) -> None:
    """At page totalPages the walk ends, whatever hasNextPage says."""
    cursor = PageCursor()
    with caplog.at_level(logging.WARNING, logger="charlib"):
        cursor.take(_page(1, True, total_pages=2), ["a"], _key)
        assert not cursor.done
        cursor.take(_page(2, True, total_pages=2), ["b"], _key)
    assert cursor.done
    assert "2 in all" in caplog.text


def test_max_pages_bounds_a_listing_of_endless_new_items(caplog: pytest.LogCaptureFixture) -> None:
    """Fresh items on every page, no totalPages: the walk still ends after max_pages."""
    cursor = PageCursor(max_pages=5)
    with caplog.at_level(logging.WARNING, logger="charlib"):
        while not cursor.done:
            cursor.take(_page(cursor.page, True), [f"item-{cursor.page}"], _key)
    assert cursor.pages_fetched == 5
    assert "5 pages read" in caplog.text
    assert MAX_PAGES == 1000  # the documented default (docs/errors-and-retries.md)
