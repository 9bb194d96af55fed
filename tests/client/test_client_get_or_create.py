"""`characters.find` and `characters.get_or_create`: scripts that can run again, both clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import charlib
from tests.client.support import AnyClient, FakeServer, resolve


def _page(*docs: dict[str, Any], page: int = 1, more: bool = False) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "docs": list(docs),
            "totalDocs": len(docs),
            "limit": 100,
            "page": page,
            "totalPages": page + int(more),
            "hasNextPage": more,
        },
    )


def _doc(slug: str, ident: str = "66f1c0ffee00000000000a01") -> dict[str, Any]:
    return {"id": ident, "name": slug.title(), "characterId": slug}


@pytest.mark.parametrize(
    ("name", "derived"),
    [
        ("Ada Lovelace", "ada-lovelace"),
        ("  Dr. Jekyll & Mr. Hyde!  ", "dr-jekyll-mr-hyde"),
        ("R2-D2", "r2-d2"),
        ("Zoë", "zo"),
    ],
)
def test_the_derived_id_follows_the_contract(name: str, derived: str) -> None:
    """characterId from a name: lower case, runs of other characters become one dash."""
    from charlib._resources.characters import derive_character_id

    assert derive_character_id(name) == derived


async def test_find_keeps_the_exact_match_only(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """The search matches substrings: find returns the exact characterId, across pages."""
    server.script(
        _page(_doc("ada-lovelace", "a" * 24), _doc("adam", "b" * 24), more=True),
        _page(_doc("ada", "c" * 24), page=2),
    )
    client = make_client()
    found = await resolve(client.characters.find(character_id="ada"))
    assert found is not None
    assert found.id == "c" * 24
    assert [r.url.params["page"] for r in server.requests] == ["1", "2"]
    assert all(r.url.params["search"] == "ada" for r in server.requests)


async def test_find_returns_none_when_no_exact_match(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Only near misses: None, after the last page."""
    server.script(_page(_doc("ada-lovelace")))
    assert await resolve(make_client().characters.find(character_id="ada")) is None


async def test_get_or_create_adopts_what_a_concurrent_run_created(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """Not found, then the create collides (409: another process won): the winner is returned."""
    server.script(
        _page(),
        httpx.Response(409, json={"error": "characterId already exists: ada-lovelace"}),
        _page(_doc("ada-lovelace", "d" * 24)),
    )
    character = await resolve(make_client().characters.get_or_create(name="Ada Lovelace"))
    assert character.id == "d" * 24
    assert [r.method for r in server.requests] == ["GET", "POST", "GET"]


async def test_get_or_create_reraises_a_failure_that_created_nothing(
    make_client: Callable[..., AnyClient], server: FakeServer
) -> None:
    """A refused create with nothing to adopt afterwards is raised as it was."""
    server.script(
        _page(), httpx.Response(500, json={"error": "Failed to create character"}), _page()
    )
    with pytest.raises(charlib.InternalServerError):
        await resolve(make_client(max_retries=0).characters.get_or_create(name="Ada"))


@pytest.mark.charlib(seed=3)
def test_a_script_runs_twice_against_one_mock(charlib_client: charlib.Client) -> None:
    """Against the mock: the second run finds the character the first created, no 409."""
    first = charlib_client.characters.get_or_create(name="Ada Lovelace", age=36)
    again = charlib_client.characters.get_or_create(name="Ada Lovelace", age=99)
    assert again.id == first.id
    assert again.age == 36  # an existing character is returned as it is
    assert charlib_client.characters.list(search="ada").total_docs == 1
    named = charlib_client.characters.get_or_create(name="Someone", character_id="ada-2")
    assert named.character_id == "ada-2"
    assert charlib_client.characters.find(character_id="ada-2") == named


@pytest.mark.charlib(seed=3)
async def test_find_pages_through_a_crowded_search(
    charlib_async_client: charlib.AsyncClient,
) -> None:
    """The exact match is found even when a hundred newer characters match the search."""
    target = await charlib_async_client.characters.get_or_create(name="Ada")
    for number in range(120):
        await charlib_async_client.characters.create(name=f"Ada {number}")
    found = await charlib_async_client.characters.find(character_id="ada")
    assert found is not None
    assert found.id == target.id
