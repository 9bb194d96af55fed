"""Both clients reach the service through the proxy the environment names (``HTTP_PROXY`` and
friends, ``NO_PROXY``), as httpx does, and never show the proxy's credentials.

The proxy is a small HTTP server on 127.0.0.1 that answers a forwarded request itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import charlib
from tests.client.support import golden

JOB = "3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77"
SERVICE = "http://service.invalid"
PASSWORD = "pr0xy-s3cret-pw"
API_KEY = "sk-live-0123456789abcdef"


class _Proxy(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]
    answer: int

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Proxy-Authorization")))
        if self.answer == 200:
            body = json.dumps(golden("status-processing")).encode()
        else:  # a proxy's error page that echoes what it was sent
            echo = f"{self.headers.get('Proxy-Authorization')} {self.headers.get('Authorization')}"
            body = f"bad gateway for {echo}".encode()
        self.send_response(self.answer)
        self.send_header("Content-Type", "application/json" if self.answer == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[type[_Proxy]]:
    """A forward proxy on 127.0.0.1; its class holds what it saw and what it answers."""
    handler = type("Proxy", (_Proxy,), {"seen": [], "answer": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.port = server.server_address[1]  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def _get(flavor: str, **options: Any) -> charlib.JobStatus:
    if flavor == "sync":
        with charlib.Client(**options) as client:
            return client.jobs.get(JOB)

    async def run() -> charlib.JobStatus:
        async with charlib.AsyncClient(**options) as client:
            return await client.jobs.get(JOB)

    return asyncio.run(run())


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_requests_go_through_the_proxy_the_environment_names(
    flavor: str, proxy: type[_Proxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set, the request is sent to the proxy in absolute form, with the proxy's
    credentials; NO_PROXY naming the service's host sends it directly instead."""
    port = proxy.port  # type: ignore[attr-defined]
    monkeypatch.setenv("HTTP_PROXY", f"http://ada:{PASSWORD}@127.0.0.1:{port}")
    status = _get(flavor, base_url=SERVICE, max_retries=0)
    assert status.job_id == JOB
    token = base64.b64encode(f"ada:{PASSWORD}".encode()).decode()
    assert proxy.seen == [(f"{SERVICE}/api/v1/jobs/{JOB}/status", f"Basic {token}")]
    monkeypatch.setenv("NO_PROXY", "service.invalid")
    with pytest.raises(charlib.APIConnectionError):
        _get(flavor, base_url=SERVICE, max_retries=0)
    assert len(proxy.seen) == 1


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_the_proxys_credentials_never_show(
    flavor: str, proxy: type[_Proxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy error page (text, not JSON) that echoes Proxy-Authorization and Authorization:
    the error's message, repr, body, response text and pickle hold neither the proxy's password,
    its Basic token nor the API key."""
    proxy.answer = 502
    port = proxy.port  # type: ignore[attr-defined]
    monkeypatch.setenv("HTTPS_PROXY", f"http://ada:{PASSWORD}@127.0.0.1:{port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://ada:{PASSWORD}@127.0.0.1:{port}")
    with pytest.raises(charlib.APIStatusError) as info:
        _get(flavor, base_url=SERVICE, max_retries=0, api_key=API_KEY)
    token = base64.b64encode(f"ada:{PASSWORD}".encode()).decode()
    assert [auth for _, auth in proxy.seen] == [f"Basic {token}"]
    error = info.value
    assert error.response is not None
    shown = [str(error), repr(error), repr(error.body), error.response.text]
    shown.append(repr(pickle.dumps(error)))
    assert "bad gateway for" in str(error)
    for text in shown:
        for secret in (PASSWORD, token, API_KEY):
            assert secret not in text
