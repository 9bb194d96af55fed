"""Arguments that could not be sent are refused before sending, naming the argument.

Lone surrogates in any string, NaN in a body, an ``Idempotency-Key`` that is no header value, ids
that would leave their path segment (given directly, through ``jobs.resume()`` or inside
``Job.to_json()`` text), and credentials in ``base_url``: each is an
:class:`charlib.InvalidParameterError` whose ``field`` names the argument, and nothing reaches
the server (never a ``UnicodeEncodeError``, nor a retried ``APIConnectionError``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import charlib
from tests.client.support import AnyClient, FakeServer, resolve

LONE = "Bob\ud800"

CALLS: list[tuple[str, Callable[[AnyClient], Any]]] = [
    ("name", lambda c: c.characters.create(name=LONE)),
    ("eye_color", lambda c: c.characters.create(name="Ada", eye_color=LONE)),
    ("eye_color", lambda c: c.characters.create(name="Ada", eye_color={"left": [LONE]})),
    ("age", lambda c: c.characters.create(name="Ada", age=float("nan"))),
    ("tags", lambda c: c.characters.update("c1", tags={LONE: 1})),
    ("search", lambda c: c.characters.list(search=LONE)),
    ("character_id", lambda c: c.characters.get(LONE)),
    ("media_id", lambda c: c.characters.set_reference_image("c1", media_id=LONE)),
    ("image_url", lambda c: c.characters.set_reference_image("c1", image_url=LONE)),
    (
        "metadata",
        lambda c: c.characters.set_reference_image("c1", media_id="m", metadata={"a": LONE}),
    ),
    ("prompt", lambda c: c.characters.generate_initial_image("c1", prompt=LONE)),
    ("style", lambda c: c.characters.generate_initial_image("c1", prompt="p", style=LONE)),
    ("style", lambda c: c.characters.generate_360_set("c1", style=LONE)),
    ("angles", lambda c: c.characters.generate_360_set("c1", angles=["front", LONE])),
    ("job_id", lambda c: c.jobs.get(LONE)),
    ("job_id", lambda c: c.jobs.cancel(LONE)),
    ("character_id", lambda c: c.jobs.list(character_id=LONE)),
    ("status", lambda c: c.jobs.list(status=LONE)),
]
KEYS = ["clé-1", "key\r\nX-Injected: 1", "key\n", " key", "", "k" * 256, "\ud800"]
IDS = ["..", ".", "a/b", "../characters", "a\\b", "a\x00b", "\x1b[2J", "\ud800"]


@pytest.mark.parametrize(("field", "call"), CALLS)
async def test_unsendable_strings_are_refused_naming_the_argument(
    server: FakeServer, make_client: Callable[..., AnyClient], field: str, call: Any
) -> None:
    """A lone surrogate (or NaN) anywhere in an argument: InvalidParameterError, nothing sent."""
    with pytest.raises(charlib.InvalidParameterError) as caught:
        await resolve(call(make_client()))
    assert caught.value.field == field
    assert server.requests == []


@pytest.mark.parametrize("key", KEYS)
async def test_idempotency_keys_must_be_header_values(
    server: FakeServer, make_client: Callable[..., AnyClient], key: str
) -> None:
    """Non-ASCII, CR/LF, surrounding spaces, empty or over 255: refused, never sent or retried."""
    client = make_client()
    for call in (
        lambda: client.characters.create(name="Ada", idempotency_key=key),
        lambda: client.characters.generate_360_set("c1", idempotency_key=key),
        lambda: client.characters.generate_initial_image("c1", prompt="p", idempotency_key=key),
    ):
        with pytest.raises(charlib.InvalidParameterError) as caught:
            await resolve(call())
        assert caught.value.field == "idempotency_key"
    assert server.requests == []


@pytest.mark.parametrize("bad", IDS)
async def test_ids_cannot_leave_their_path_segment(
    server: FakeServer, make_client: Callable[..., AnyClient], bad: str
) -> None:
    """Dot segments, separators and control characters in ids: refused by every route."""
    client = make_client()
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("job_id", lambda: client.jobs.get(bad)),
        ("job_id", lambda: client.jobs.cancel(bad)),
        ("job_id", lambda: client.jobs.wait(bad, timeout=1)),
        ("character_id", lambda: client.characters.get(bad)),
        ("character_id", lambda: client.characters.delete(bad)),
        ("character_id", lambda: client.characters.generate_360_set(bad)),
        ("job", lambda: client.jobs.resume(bad)),
        ("job", lambda: client.jobs.resume(f'{{"jobId": {json.dumps(bad)}}}')),
    ]
    for field, call in calls:
        with pytest.raises(charlib.InvalidParameterError) as caught:
            await resolve(call())
        assert caught.value.field == field, (field, bad)
    assert server.requests == []


def test_a_job_handle_round_trips_through_to_json(make_client: Callable[..., AnyClient]) -> None:
    """``Job.to_json()`` output resumes the same job; a deeply nested text is refused."""
    client = make_client()
    accepted = charlib.JobAccepted(job_id="3b9f2c1e-7d4a", poll_url="api/v1/jobs/x/status")
    handle = (charlib.Job if isinstance(client, charlib.Client) else charlib.AsyncJob)(
        client,  # type: ignore[arg-type]
        accepted,
    )
    assert client.jobs.resume(handle.to_json()).id == "3b9f2c1e-7d4a"
    with pytest.raises(charlib.InvalidParameterError, match="job"):
        client.jobs.resume('{"jobId": ' + "[" * 5000)


@pytest.mark.parametrize(
    "url", ["https://user:hunter2-pass@example.com", "http://hunter2-pass@example.com/api"]
)
def test_credentials_in_base_url_are_refused_without_echoing_them(url: str) -> None:
    """``user:password@`` would replace the bearer key with Basic auth and leak into logs."""
    for cls in (charlib.Client, charlib.AsyncClient):
        with pytest.raises(charlib.InvalidParameterError) as caught:
            cls(base_url=url)
        assert caught.value.field == "base_url"
        assert "hunter2" not in str(caught.value)
        assert "hunter2" not in repr(caught.value)


def test_credentials_in_the_base_url_environment_variable_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``CHARLIB_BASE_URL`` is checked the same way."""
    monkeypatch.setenv("CHARLIB_BASE_URL", "https://u:hunter2-pass@example.com")
    with pytest.raises(charlib.InvalidParameterError) as caught:
        charlib.Client()
    assert "hunter2" not in str(caught.value)


def test_an_unparseable_base_url_is_a_typed_error_that_does_not_echo_it() -> None:
    """httpx's InvalidURL becomes InvalidParameterError (the text may hold a password)."""
    with pytest.raises(charlib.InvalidParameterError) as caught:
        charlib.Client(base_url="http://u:hunter2@[::1")
    assert "hunter2" not in str(caught.value)
