"""Hostile input is normal input: text that is not Unicode, nesting too deep to parse, and a
request that crashes are each answered (never a 5xx for input), and none of them poisons state."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server import MockApp, serve

Char = Callable[..., Awaitable[str]]
LONE = "x\ud800y"  # what the JSON escape "x\\ud800y" decodes to: not Unicode text
DEEP = b"[" * 5000 + b"]" * 5000


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: a lone surrogate travels as an escape


async def _body_operations(client: httpx.AsyncClient) -> list[tuple[str, str, list[str]]]:
    """(method, path template, top-level body fields) of every operation that takes a body."""
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    found = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody")
            if body is None:
                continue
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            found.append((method.upper(), path, sorted(schemas[ref].get("properties", {}))))
    return found


async def _everything_still_answers(client: httpx.AsyncClient, app: MockApp) -> None:
    for path in ("/api/v1/characters", "/api/v1/jobs", "/_mock/stats", "/_mock/requests"):
        assert (await client.get(path)).status_code == 200, path
    assert not [r for r in app.mock.requests() if r["status"] >= 500]


async def test_text_that_is_not_unicode_is_refused_on_every_body_field(
    app: MockApp, client: httpx.AsyncClient, character: Char
) -> None:
    """A lone surrogate in any field of any route's body is a 400 (or a documented 404), never
    a 5xx, and nothing stored afterwards keeps a route from answering."""
    char_id = await character(client)
    job_id = (await client.post(f"/api/v1/characters/{char_id}/generate-360-set", json={})).json()[
        "jobId"
    ]
    operations = await _body_operations(client)
    assert len(operations) >= 10
    for method, template, fields in operations:
        path = template.replace("{id}", char_id).replace("{jobId}", job_id)
        for field in fields:
            for value in (LONE, [LONE], {LONE: 1}, {"k": LONE}):
                response = await client.request(method, path, content=_json({field: value}))
                assert response.status_code < 500, (method, path, field, response.text)
    await _everything_still_answers(client, app)


async def test_the_field_is_named_and_nothing_is_stored(
    app: MockApp, client: httpx.AsyncClient
) -> None:
    """The 400 names the field that is not Unicode text; the character is not created."""
    response = await client.post("/api/v1/characters", content=_json({"name": "Bob\ud800"}))
    assert response.status_code == 400
    assert response.json() == {"error": "name must be valid Unicode text"}
    nested = await client.put(
        "/api/v1/characters/x/reference-image",
        content=_json({"imageUrl": "u", "metadata": {"dinoAssetId": LONE}}),
    )
    assert nested.json()["error"] == "metadata.dinoAssetId must be valid Unicode text"
    assert (await client.get("/api/v1/characters")).json()["totalDocs"] == 0


@pytest.mark.parametrize("key", [None, "deep-key"])
async def test_nesting_too_deep_to_parse_is_a_400_everywhere(
    app: MockApp, client: httpx.AsyncClient, character: Char, key: str | None
) -> None:
    """A body nested 5,000 levels deep (alone or inside a field, keyed or not) is never a 5xx."""
    char_id = await character(client)
    headers = {} if key is None else {"Idempotency-Key": key}
    for method, template, _ in await _body_operations(client):
        path = template.replace("{id}", char_id).replace("{jobId}", "none")
        for body in (DEEP, b'{"name":' + DEEP + b"}"):
            response = await client.request(method, path, content=body, headers=headers)
            assert response.status_code < 500, (method, path, response.text)
    created = await client.post("/api/v1/characters", content=DEEP, headers=headers)
    assert created.status_code == 400
    await _everything_still_answers(client, app)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=8))
async def test_any_name_is_created_or_refused(
    app: MockApp, client: httpx.AsyncClient, name: str
) -> None:
    """Any string a JSON body can carry as a name is a 201 or a 400, and the list still answers."""
    response = await client.post("/api/v1/characters", content=_json({"name": name}))
    assert response.status_code in (201, 400, 409), response.text
    assert (await client.get("/api/v1/characters")).status_code == 200


def _response(sock: socket.socket) -> bytes:
    """One whole HTTP response (head and Content-Length body) read from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_crashed_request_is_journalled_and_keeps_its_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request that hits a bug answers 500, is journalled and counted, and the client's
    keep-alive connection still serves the next request (real sockets)."""
    with serve() as server:

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(server.app.engine, "list_characters", broken)
        request = b"GET /api/v1/characters HTTP/1.1\r\nHost: x\r\n\r\n"
        health = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(request)
            first = _response(sock)
            sock.sendall(health)
            second = _response(sock)
        assert first.startswith(b"HTTP/1.1 500")
        assert b'"Internal server error"' in first
        assert second.startswith(b"HTTP/1.1 200")
        deadline = time.monotonic() + 10  # the journal is written just after the answer
        while len(server.mock.requests()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        journal = server.mock.requests()
        assert [(r["path"], r["status"]) for r in journal] == [
            ("/api/v1/characters", 500),
            ("/api/health", 200),
        ]
        assert server.mock.stats()["requests"]["errors"] == 1
