"""A hostile server against both clients: what it says, rather than how it says it.

* **Echoed tokens**: a 401 (or a 200 with a bad body) quoting the API key in its body and
  headers: the key shows nowhere, not in ``str``, ``repr``, ``args``, a formatted traceback, the
  error's body and response, the debug log, nor the pickled bytes of the error; and the error
  survives a ``ProcessPoolExecutor`` boundary.
* **Endless pages**: ``hasNextPage`` true for ever (one page repeated, pages past ``totalPages``,
  fresh jobs on every page) ends ``list_all`` with a warning, after a bounded number of requests.
* **Control characters** in ``currentTask``, errors and ids: no escape sequence, control
  character, bidi override or lone surrogate reaches a progress bar, a summary, an exception
  message or the CLI's output (tables, lines and ``--json``, which keeps the values escaped).
"""

from __future__ import annotations

import concurrent.futures
import io
import json
import logging
import multiprocessing
import pickle
import traceback
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

import charlib
from charlib.cli import main as cli_main
from tests.client.support import collect, resolve
from tests.reliability.hostile_server import (
    Clients,
    HostileServer,
    Reply,
    Seen,
    job,
    raised,
)

KEY = "hostile-Secret-4b1f9e0c7a"


# -- echoed tokens -----------------------------------------------------------------------------


def _echo(status: int) -> Callable[[Seen], Reply]:
    def reply(seen: Seen) -> Reply:
        token = seen.headers.get("authorization", "")
        body = {"error": f"invalid token {token}", "details": {"got": token, token: [token]}}
        return Reply.json(body, status, headers=[("WWW-Authenticate", f"{token} realm=x")])

    return reply


def _everything_shown(error: BaseException) -> str:
    parts = [str(error), repr(error), repr(error.args)]
    parts += traceback.format_exception(type(error), error, error.__traceback__)
    for name in ("body", "message"):
        parts.append(repr(getattr(error, name, None)))
    response = getattr(error, "response", None)
    if response is not None:
        parts += [response.text, repr(response.headers.multi_items())]
    return "\n".join(parts)


@pytest.mark.parametrize("status", [401, 200])
async def test_an_echoed_token_shows_nowhere(
    hostile: HostileServer,
    make: Clients,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    """A 401 quoting ``Bearer <key>`` (and a 200 whose bad body does): no trace of the key."""
    caplog.set_level(logging.DEBUG, logger="charlib")
    hostile.reply = _echo(status)
    error = await raised(lambda: make(api_key=KEY).jobs.get("job-1"))
    expected = charlib.AuthenticationError if status == 401 else charlib.APIResponseValidationError
    assert isinstance(error, expected), repr(error)
    assert hostile.seen[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent
    pickled = pickle.dumps(error)
    for text in (_everything_shown(error), caplog.text, repr(pickled)):
        assert KEY not in text
    assert KEY.encode() not in pickled
    copy = pickle.loads(pickled)
    assert (type(copy), str(copy), copy.status_code) == (type(error), str(error), status)
    assert copy.request.headers["authorization"] == "<redacted>"


def _raise_echoed_401(url: str) -> None:
    """Run in a worker process: a request whose 401 echoes the key, raised to the parent."""
    with charlib.Client(base_url=url, api_key=KEY, max_retries=0) as client:
        client.jobs.get("job-1")


def test_errors_cross_a_process_pool(hostile: HostileServer) -> None:
    """An AuthenticationError raised in a worker arrives typed in the parent, without the key."""
    hostile.reply = _echo(401)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(_raise_echoed_401, hostile.url)
        error = future.exception(timeout=120)
    assert isinstance(error, charlib.AuthenticationError), repr(error)
    assert error.status_code == 401
    assert "<redacted>" in str(error)
    assert KEY not in _everything_shown(error)


# -- endless pages -----------------------------------------------------------------------------


def _pages(*, repeat: bool = False, total_pages: int = 0) -> Callable[[Seen], Reply]:
    """Job list pages that always claim a next page."""

    def reply(seen: Seen) -> Reply:
        page = 1 if repeat else int(seen.query.get("page", "1"))
        jobs = [job(f"job-{page}-{n}", "completed") for n in range(2)]
        pagination = {"page": page, "limit": 2, "hasNextPage": True, "totalPages": total_pages}
        return Reply.json({"success": True, "jobs": jobs, "pagination": pagination})

    return reply


ENDLESS = {
    "the same page again": ({"repeat": True}, 2, 2),
    "pages past totalPages": ({"total_pages": 3}, 3, 6),
    "fresh jobs for ever": ({}, charlib._pagination.MAX_PAGES, 2 * charlib._pagination.MAX_PAGES),
}


@pytest.mark.parametrize("case", list(ENDLESS))
async def test_list_all_ends_however_the_pages_go_on(
    hostile: HostileServer,
    make: Clients,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    """``hasNextPage: true`` for ever: a bounded walk, each job once, and a warning."""
    shape, requests, jobs = ENDLESS[case]
    hostile.reply = _pages(**shape)
    with caplog.at_level(logging.WARNING, logger="charlib"):
        found = await collect(make().jobs.list_all())
    assert len(hostile.seen) == requests
    assert len(found) == jobs == len({status.job_id for status in found})
    assert "stopped after page" in caplog.text


# -- control characters ------------------------------------------------------------------------

# OSC 52 (set the clipboard), a CSI colour and cursor move, a C1 CSI, a bidi override, a
# backspace, a carriage return, a lone surrogate (sent as a JSON escape).
NASTY = "\x1b]52;c;ZXZpbA==\x07Gen\x1b[31m\x1b[2Aera\x9b1mting\u202e 85mm\x08\r\ud800"


def _assert_terminal_safe(text: str, *, escaped: bool = False) -> None:
    """No escape, no control character but newline and tab, no bidi control, no surrogate;
    unless ``escaped`` (JSON, where the sequence is inert text), not even the OSC's payload."""
    if not escaped:
        assert "ZXZpbA" not in text  # the clipboard payload went with its sequence
    for char in text:
        if char in "\n\t":
            continue
        category = unicodedata.category(char)
        assert category not in ("Cc", "Cs", "Zl", "Zp"), repr(text)
        assert not "\u202a" <= char <= "\u202e", repr(text)


def _nasty_job(seen: Seen) -> Reply:
    if seen.path.endswith("/jobs"):
        pagination = {"page": 1, "limit": 10, "hasNextPage": False, "totalPages": 1}
        jobs = [job("job-1", characterId=NASTY)]
        return Reply.json({"success": True, "jobs": jobs, "pagination": pagination})
    if seen.method == "DELETE":
        return Reply.json({"error": NASTY}, 400)
    progress = {"current": 3, "total": 27, "percentage": 11, "currentTask": NASTY}
    return Reply.json(job(progress=progress, error=NASTY))


async def test_server_text_reaches_people_without_control_characters(
    hostile: HostileServer, make: Clients
) -> None:
    """The progress bar, ``repr``/``str`` of a status and error messages are terminal-safe."""
    hostile.reply = _nasty_job
    client = make()
    status = await resolve(client.jobs.get("job-1"))
    assert status.progress.current_task == NASTY  # the model keeps the value as sent
    bar_output = io.StringIO()
    bar = charlib.ProgressBar("set", file=bar_output)
    bar.update(status)
    bar.close()
    error = await raised(lambda: client.jobs.cancel("job-1"))
    assert isinstance(error, charlib.BadRequestError)
    for text in (bar_output.getvalue().replace("\r", ""), repr(status), str(status), str(error)):
        _assert_terminal_safe(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["jobs", "status", "job-1"],
        ["jobs", "list"],
        ["jobs", "list", "--all"],
        ["jobs", "cancel", "job-1"],
        ["jobs", "wait", "job-1", "--timeout", "0.5"],
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_the_cli_prints_no_control_characters(
    hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    as_json: bool,
) -> None:
    """Tables, lines, errors and progress on stderr are safe; ``--json`` keeps the values."""
    hostile.reply = _nasty_job
    cli_main(["--base-url", hostile.url, *argv, *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    _assert_terminal_safe(out, escaped=as_json)
    _assert_terminal_safe(err)
    if as_json and out.strip():
        assert NASTY in _strings(json.loads(out))  # escaped, not lost


def _strings(value: Any) -> list[str]:
    """Every string value in a JSON document."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in _strings(item)]
