"""The API key: checked up front, never shown, never leaked through a transport error."""

from __future__ import annotations

import httpx
import pytest

import charlib

SECRET = "sk-test-0123456789"


def test_surrounding_whitespace_is_trimmed() -> None:
    """A key read from a file with its trailing newline still works (and is sent trimmed)."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["authorization"])
        return httpx.Response(200, json={"status": "ok"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with charlib.Client(base_url="http://x", api_key=f"{SECRET}\n", http_client=http) as client:
        client.health()
    assert sent == [f"Bearer {SECRET}"]


@pytest.mark.parametrize("bad", [f"{SECRET} extra", f"{SECRET}\x00", f"{SECRET}é"])
def test_malformed_key_is_rejected_without_showing_it(bad: str) -> None:
    """A key that cannot be a header value is an InvalidParameterError that does not echo it."""
    with pytest.raises(charlib.InvalidParameterError) as caught:
        charlib.Client(api_key=bad)
    assert caught.value.field == "api_key"
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


def test_non_string_key_is_rejected() -> None:
    """api_key=123 is a typed error naming the field."""
    with pytest.raises(charlib.InvalidParameterError, match="api_key"):
        charlib.Client(api_key=123)  # type: ignore[arg-type]


def test_transport_error_messages_never_carry_the_key() -> None:
    """Even if the HTTP library quotes the Authorization header, the message is redacted."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError(f"Illegal header value {request.headers['authorization']}")

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = charlib.Client(base_url="http://x", api_key=SECRET, http_client=http)
    with pytest.raises(charlib.APIConnectionError) as caught:
        client.health()
    assert SECRET not in str(caught.value)
    assert "<redacted>" in str(caught.value)


def test_empty_key_means_no_key_even_with_the_environment_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """api_key="" sends no Authorization header, whatever CHARLIB_API_KEY holds."""
    monkeypatch.setenv("CHARLIB_API_KEY", SECRET)
    assert "<set>" in repr(charlib.Client())
    assert "<set>" not in repr(charlib.Client(api_key=""))
