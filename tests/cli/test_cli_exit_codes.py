"""Exit codes and error output: usage, not found, timeouts, cancels, Ctrl-C, and the API key."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from charlib import JobStatus
from charlib._cli.context import MOCK_EXTRA
from charlib._resources.jobs import Jobs
from mock_server import RunningServer, ScaledClock, serve
from tests.cli.conftest import Run, failed_job

UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


class _Terminal(io.StringIO):
    """Typed answers on a stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def interrupt_after_first_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arrives while waiting, right after the first real status was shown."""
    real_watch = Jobs.watch

    def watch(self: Jobs, job_id: str, **options: Any) -> Iterator[JobStatus]:
        for status in real_watch(self, job_id, **options):
            yield status
            raise KeyboardInterrupt

    monkeypatch.setattr(Jobs, "watch", watch)


def _status(server: RunningServer, job_id: str) -> str:
    body = server.mock.job(job_id)
    assert body is not None
    return str(body["status"])


# -- usage (2) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["nonsense"],
        ["jobs", "list", "--limit", "0"],
        ["jobs", "list", "--page", "2", "--all"],
        ["jobs", "list", "--status", "done"],
        ["generate-360", "66f1c0ffee00000000000a01", "--image-count", "28"],
        ["generate-360", "66f1c0ffee00000000000a01", "--quality-threshold", "101"],
        ["jobs", "wait", "x", "--timeout", "-1"],
        ["jobs", "status"],
        ["demo", "--scenario", "chaos"],
        ["mock", "serve", "--speed", "0"],
        ["jobs", "list", "--bogus"],
    ],
)
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """argparse rejects a bad command line with exit status 2 and a usage message."""
    from charlib.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: charlib" in capsys.readouterr().err


def test_bad_field_is_a_usage_error(run: Run) -> None:
    """A ``--field`` without ``=`` is a usage error: one line, exit 2, nothing sent."""
    result = run("--base-url", "http://127.0.0.1:9", "characters", "create", "X", "--field", "age")
    assert result.code == 2
    assert result.err == "error: --field 'age': expected KEY=VALUE or KEY:=JSON\n"


def test_bad_base_url_is_a_usage_error(run: Run) -> None:
    """A base URL that is not http(s) is reported in one line, exit 2."""
    result = run("--base-url", "ftp://example.com", "jobs", "list")
    assert result.code == 2
    assert result.err.startswith("error: base_url: must be an absolute http(s) URL")


# -- the service refused (4) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["jobs", "status", UNKNOWN_JOB],
        ["jobs", "wait", UNKNOWN_JOB],
        ["jobs", "cancel", UNKNOWN_JOB],
        ["generate-360", "66f1c0ffee00000000000a01"],
    ],
)
def test_not_found_exits_4_with_one_line(argv: list[str], api: Run) -> None:
    """An unknown job or character: exit 4, one ``error:`` line on stderr, no traceback."""
    result = api(*argv)
    assert result.code == 4
    assert result.out == ""
    first, *rest = result.err.splitlines()
    assert first.startswith("error: ")
    assert "not found" in first.lower()
    assert "Traceback" not in result.err
    assert len(rest) <= 1  # at most a hint


# -- jobs that end badly (1), timeouts (3) ---------------------------------------------------------


def test_cancel_then_wait_exits_1(slow_api: Run, slow_job: str) -> None:
    """``jobs cancel`` cancels; waiting on the cancelled job exits 1; cancelling again is a no-op
    success (the job is cancelled, which is what was asked)."""
    result = slow_api("jobs", "cancel", slow_job)
    assert result.code == 0
    assert result.out.startswith(f"cancel requested for job {slow_job}")
    waited = slow_api("jobs", "wait", slow_job, "--poll", "0.05")
    assert waited.code == 1
    assert waited.out.splitlines()[-1] == "cancelled"
    again = slow_api("jobs", "cancel", slow_job, "--json")
    assert again.code == 0
    assert json.loads(again.out)["success"] is True
    plain = slow_api("jobs", "cancel", slow_job)
    assert plain.code == 0
    assert plain.out == f"job {slow_job} was already cancelled; nothing to do\n"


def test_failed_job_exits_1(slow_server: RunningServer, slow_api: Run) -> None:
    """Waiting for a job that failed prints why and exits 1 (``--json``: the job, still)."""
    job_id = failed_job(slow_server)
    result = slow_api("jobs", "wait", job_id, "--json")
    assert result.code == 1
    assert json.loads(result.out)["status"] == "failed"
    human = slow_api("jobs", "wait", job_id)
    assert human.code == 1
    assert human.out.splitlines()[-1] == "failed: No images were successfully generated"


def test_wait_timeout_exits_3_and_says_how_to_resume(slow_api: Run, slow_job: str) -> None:
    """When the wait deadline passes: exit 3, where the job was, and the resume command."""
    result = slow_api("jobs", "wait", slow_job, "--timeout", "0.3", "--poll", "0.05")
    assert result.code == 3
    assert f"error: gave up waiting for job {slow_job} after 0.3s" in result.err
    assert f"resume with: charlib jobs wait {slow_job}" in result.err
    assert result.out == ""


def test_wait_timeout_json_prints_the_last_status(slow_api: Run, slow_job: str) -> None:
    """With ``--json`` a timeout still prints the last status seen (exit 3)."""
    result = slow_api("jobs", "wait", slow_job, "--timeout", "0.3", "--poll", "0.05", "--json")
    assert result.code == 3
    assert json.loads(result.out)["jobId"] == slow_job


# -- Ctrl-C (130) ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("interrupt_after_first_poll")
def test_interrupt_with_cancel_on_interrupt_cancels(
    slow_api: Run, slow_job: str, slow_server: RunningServer
) -> None:
    """``--cancel-on-interrupt``: Ctrl-C cancels the job without asking, exit 130."""
    result = slow_api("jobs", "wait", slow_job, "--cancel-on-interrupt")
    assert result.code == 130
    assert f"cancel requested for job {slow_job}" in result.err
    assert "[y/N]" not in result.err
    assert _status(slow_server, slow_job) == "cancelled"


@pytest.mark.usefixtures("interrupt_after_first_poll")
def test_interrupt_without_a_terminal_leaves_the_job(
    slow_api: Run, slow_job: str, slow_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C with stdin not a terminal: no question, the job goes on, resume hint, exit 130."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    result = slow_api("jobs", "wait", slow_job)
    assert result.code == 130
    assert "[y/N]" not in result.err
    assert f"resume with: charlib jobs wait {slow_job}" in result.err
    assert _status(slow_server, slow_job) in ("pending", "processing")


@pytest.mark.usefixtures("interrupt_after_first_poll")
@pytest.mark.parametrize(("answer", "cancelled"), [("y\n", True), ("\n", False), ("", False)])
def test_interrupt_on_a_terminal_asks(
    answer: str,
    cancelled: bool,
    slow_api: Run,
    slow_job: str,
    slow_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C with a terminal asks whether to cancel; only yes cancels (default no)."""
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    result = slow_api("jobs", "wait", slow_job)
    assert result.code == 130
    assert f"Cancel job {slow_job} on the server? [y/N]" in result.err
    assert (_status(slow_server, slow_job) == "cancelled") is cancelled
    assert (f"resume with: charlib jobs wait {slow_job}" in result.err) is not cancelled


@pytest.mark.usefixtures("interrupt_after_first_poll")
def test_demo_interrupt_exits_130(run: Run) -> None:
    """Ctrl-C during the demo stops it (its server goes with it), exit 130."""
    result = run("demo", "--speed", "3000")
    assert result.code == 130
    assert "interrupted" in result.err


# -- the API key -----------------------------------------------------------------------------------

SECRET = "s3cret-key-never-shown"


@pytest.fixture(scope="module")
def locked_server() -> Iterator[RunningServer]:
    """A mock server that requires a bearer token."""
    with serve(clock=ScaledClock(3000), api_key=SECRET) as running:
        yield running


def test_api_key_is_used_and_never_printed(
    locked_server: RunningServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key from --api-key or CHARLIB_API_KEY is sent, and appears in no output or error."""
    url = locked_server.url
    outputs = [
        run("--base-url", url, "--api-key", SECRET, "characters", "create", "Key Keeper"),
        run("--base-url", url, "--api-key", SECRET, "jobs", "list", "--json"),
        run("--base-url", url, "--api-key", SECRET + "-wrong", "jobs", "list"),
        run("--base-url", url, "--api-key", SECRET, "jobs", "status", UNKNOWN_JOB),
    ]
    monkeypatch.setenv("CHARLIB_API_KEY", SECRET)
    outputs.append(run("--base-url", url, "characters", "list"))
    assert [result.code for result in outputs] == [0, 0, 4, 4, 0]
    assert "401" in outputs[2].err or "auth" in outputs[2].err.lower()
    assert (
        outputs[2].err.splitlines()[-1] == "on the command line the key is given with --api-key KEY"
    )
    for result in outputs:
        assert SECRET not in result.out
        assert SECRET not in result.err


# -- without the mock server's dependencies --------------------------------------------------------


def test_demo_without_the_mock_server_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the mock server cannot be imported, the demo says how to install it (exit 1)."""
    monkeypatch.setitem(sys.modules, "mock_server", None)
    result = run("demo")
    assert result.code == 1
    assert result.err == "error: charlib demo needs the mock server: " + MOCK_EXTRA + "\n"


def test_mock_serve_without_the_mock_server_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``charlib mock serve`` without the mock server's dependencies: one line, exit 1."""
    from charlib.cli import main

    monkeypatch.setitem(sys.modules, "mock_server.__main__", None)
    with pytest.raises(SystemExit) as info:
        main(["mock", "serve", "--help"])
    assert info.value.code == 1
    assert "pip install 'charlib[mock]'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["jobs", "list", "--api-key", SECRET],
        ["jobs", "list", f"--api-key={SECRET}"],
        ["--api-key", SECRET, "jobs", "list", "--bogus"],
    ],
)
def test_api_key_in_a_bad_command_line_is_not_echoed(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A usage error repeats the unrecognized arguments, but never an API key."""
    from charlib.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert SECRET not in err


def test_unreachable_service_exits_4_with_a_hint(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection refused (after the retries): the error line says where the client looked and
    how to change it (base_url, CHARLIB_BASE_URL), the next line the option; exit 4."""
    from charlib._client import _BaseClient
    from charlib._config import RetryPolicy

    monkeypatch.setattr(_BaseClient, "_retry_policy", RetryPolicy(base_delay=0.001))
    result = run("--base-url", "http://127.0.0.1:9/prefix", "jobs", "list")
    assert result.code == 4
    first, hint = result.err.splitlines()
    assert first.startswith("error: Connection error: GET http://127.0.0.1:9/prefix/api/v1/jobs")
    assert "Is the service running at http://127.0.0.1:9/prefix" in first
    assert "CHARLIB_BASE_URL" in first
    assert "--base-url" in hint


def test_wait_on_an_unreachable_service_fails_fast(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``jobs wait`` does not wait out its deadline when the service cannot be reached: exit 4."""
    from charlib._client import _BaseClient
    from charlib._config import RetryPolicy

    monkeypatch.setattr(_BaseClient, "_retry_policy", RetryPolicy(base_delay=0.001))
    result = run("--base-url", "http://127.0.0.1:9", "jobs", "wait", UNKNOWN_JOB)
    assert result.code == 4
    assert result.err.startswith("error: Connection error: GET")


@pytest.mark.parametrize(
    ("argv", "hinted"),
    [
        (["jobs", "list", "--base-url", "http://127.0.0.1:9"], True),
        (["jobs", "list", "--api-key=abcdefgh"], True),
        (["characters", "list", "--bogus"], False),
    ],
)
def test_a_global_option_after_the_command_says_where_it_goes(
    argv: list[str], hinted: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """--base-url/--api-key after the command is a usage error that says they go before it."""
    from charlib.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert ("go before the command" in err) is hinted
