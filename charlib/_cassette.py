"""The cassette a recording writes: what it holds, what it never holds, and writing it safely.

A cassette is plain JSON (format ``charlib.cassette``, version 1, documented in
docs/fidelity.md) that the mock server reads with its own code (``mock_server.cassettes``): the
two sides share the format, never the code, like the rest of the wire contract.

:class:`CassetteWriter` collects a recording: the request that started the job (if it was started
by the recorder), then every distinct status body with the server's time of each (the ``Date``
header). It is pure apart from :meth:`CassetteWriter.write`. What it writes is scrubbed first:

* no credential: the client's API key (in any spelling) is replaced wherever a server echoed it,
  keys that name credentials (``Authorization``, ``apiKey``, ``token``, ...) are dropped, and
  ``Bearer <token>`` is replaced wherever it appears; request headers are never written at all;
* the server's URL without user, password, query or fragment;
* with ``redact_urls``, every absolute URL (media links may be signed) replaced.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from charlib._exceptions import CharlibError
from charlib._headers import parse_http_date
from charlib._response import decode_body
from charlib._text import REDACTED, redact, secret_forms
from charlib._version import __version__

__all__ = ["CASSETTE_FORMAT", "CASSETTE_VERSION", "CassetteWriter", "check_name", "server_time"]

CASSETTE_FORMAT = "charlib.cassette"
CASSETTE_VERSION = 1

# Keys that name a credential (compared without case, "-" and "_"); the mock refuses a cassette
# holding one, so the recorder drops them wherever a server put them.
_CREDENTIAL_KEYS = frozenset(
    {"authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey"}
    | {"password", "secret", "token", "accesstoken", "bearer"}
)
#: A cassette file is NAME.json, NAME being what X-Mock-Scenario: cassette:NAME calls it.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_BEARER = re.compile(r"\bbearer\s+\S+", re.IGNORECASE)
#: How deep a recorded body may nest (the mock refuses deeper ones; the API's bodies are ~5 deep).
MAX_DEPTH = 32
#: What a cassette may hold (the mock refuses more): a hostile server cannot fill memory or disk.
MAX_STATES = 10_000
MAX_BYTES = 15 * 1024 * 1024


def server_time(response: httpx.Response) -> str:
    """The server's time of ``response`` (its ``Date``; this machine's clock if it sent none),
    as ISO-8601 UTC with milliseconds."""
    moment = parse_http_date(response.headers.get("date")) or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_name(path: str | os.PathLike[str]) -> str:
    """The name a cassette at ``path`` is replayed by (its stem); ValueError when unusable."""
    name = Path(path).name
    stem = name.removesuffix(".json")
    if stem == name or not _NAME.fullmatch(stem):
        raise ValueError(
            "a cassette is NAME.json, NAME being 1-64 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return stem


def _origin(base_url: httpx.URL) -> str:
    """``scheme://host[:port]/path`` of the server: never its user, password or query."""
    port = f":{base_url.port}" if base_url.port else ""
    return f"{base_url.scheme}://{base_url.host}{port}{base_url.path.rstrip('/')}"


class CassetteWriter:
    """Collects one job's recording and writes it as a cassette.

    Args:
        job_id: the recorded job.
        base_url: the server it runs on (written without credentials or query).
        api_key: the client's key, replaced wherever a server echoed it.
        redact_urls: replace every absolute URL (the server's included).
    """

    def __init__(
        self,
        job_id: str,
        *,
        base_url: httpx.URL,
        api_key: str | None = None,
        redact_urls: bool = False,
    ) -> None:
        self.job_id = job_id
        self.character_id: str | None = None
        self.request: dict[str, Any] | None = None
        self.steps: list[dict[str, Any]] = []
        self._server = REDACTED if redact_urls else _origin(base_url)
        self._secrets = secret_forms([api_key] if api_key else [])
        self._redact_urls = redact_urls
        self._bytes = 0

    def started(self, character_id: str, body: dict[str, Any], response: httpx.Response) -> None:
        """Record the request that started the job and the server's 202 answer."""
        self.character_id = character_id
        self.request = {
            "method": "POST",
            "path": "/api/v1/characters/{characterId}/generate-360-set",
            "body": body,
            "status": response.status_code,
            "serverTime": server_time(response),
            "response": decode_body(response),
        }

    def observe(self, response: httpx.Response) -> None:
        """Record a status poll's body, unless it is the same as the last one recorded."""
        body = decode_body(response)
        if not isinstance(body, dict) or (self.steps and self.steps[-1]["body"] == body):
            return
        self._bytes += len(response.content)
        if len(self.steps) >= MAX_STATES or self._bytes > MAX_BYTES:
            raise CharlibError(
                f"job {self.job_id}: the recording outgrew a cassette ({MAX_STATES} states or "
                f"{MAX_BYTES // 2**20} MiB); nothing was written"
            )
        if self.character_id is None and isinstance(body.get("characterId"), str):
            self.character_id = body["characterId"]
        self.steps.append({"serverTime": server_time(response), "body": body})

    @property
    def states(self) -> int:
        """Distinct status bodies recorded so far."""
        return len(self.steps)

    def document(self) -> dict[str, Any]:
        """The cassette, scrubbed (see the module docstring)."""
        document = {
            "format": CASSETTE_FORMAT,
            "version": CASSETTE_VERSION,
            "recorded": {
                "by": f"charlib {__version__}",
                "server": self._server,
                "states": len(self.steps),
            },
            "request": self.request,
            "job": {"jobId": self.job_id, "characterId": self.character_id},
            "timeline": self.steps,
        }
        scrubbed: dict[str, Any] = self._scrub(document, 0)
        return scrubbed

    def _scrub(self, value: Any, depth: int) -> Any:
        """``value`` without credentials (and URLs, if asked); nesting cut at MAX_DEPTH."""
        if isinstance(value, str):
            text = _BEARER.sub(REDACTED, redact(value, self._secrets))
            return _URL.sub(REDACTED, text) if self._redact_urls else text
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            return REDACTED  # deeper than any body of the API: not worth keeping
        if isinstance(value, dict):
            return {
                key: self._scrub(item, depth + 1)
                for key, item in value.items()
                if re.sub(r"[-_]", "", str(key)).lower() not in _CREDENTIAL_KEYS
            }
        if isinstance(value, list):
            return [self._scrub(item, depth + 1) for item in value]
        return value

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the cassette to ``path`` at once (a temporary file renamed over it).

        Returns:
            The path written.
        """
        target = Path(path)
        document = self.document()
        try:
            data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate a server sent: escaped, still valid JSON
            data = json.dumps(document, indent=1).encode("ascii")
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data + b"\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target
