"""Following a job to its end: progress on stderr, then the outcome; Ctrl-C and timeouts handled.

Progress goes to stderr so stdout stays clean for ``--json`` and pipes: a tqdm bar when stderr is
a terminal, one plain line per change otherwise (readable in CI logs), nothing with
``--no-progress`` (or with ``--json`` when stderr is not a terminal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from charlib._cli.context import Context, ExitCode
from charlib._cli.render import json_text, outcome_line, progress_text, results_table, wire
from charlib._exceptions import CharlibError, WaitTimeoutError
from charlib._polling import PollPolicy
from charlib._text import terminal_safe

if TYPE_CHECKING:
    from charlib._client import Client
    from charlib._models import JobStatus

__all__ = ["Reporter", "exit_code", "follow", "make_reporter", "wait_and_report"]


class Reporter(Protocol):
    """Something that shows a job's progress."""

    def update(self, status: JobStatus) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def update(self, status: JobStatus) -> None:
        pass

    def close(self) -> None:
        pass


class _Lines:
    """One line per change on stderr: ``[ 44%] 12/27 Generating 85mm PROFILE LEFT MCU``."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def update(self, status: JobStatus) -> None:
        progress = status.progress
        percent = 100.0 if status.status.value == "completed" else progress.percentage
        shots = f"{progress.current}/{progress.total} " if progress.total else ""
        task = status.status.value if status.is_terminal else progress.current_task
        self._context.err(f"[{percent:3.0f}%] {shots}{task or status.status.value}")

    def close(self) -> None:
        pass


class _Bar:
    """charlib's tqdm progress bar, on stderr."""

    def __init__(self, context: Context, description: str) -> None:
        from charlib._display import ProgressBar  # imports tqdm

        self._bar = ProgressBar(description, file=context.stderr, leave=True)

    def update(self, status: JobStatus) -> None:
        self._bar.update(status)

    def close(self) -> None:
        self._bar.close()


def make_reporter(context: Context, description: str = "360 set") -> Reporter:
    """The progress display this run asks for (see the module docstring)."""
    if getattr(context.args, "no_progress", False):
        return _Silent()
    if context.is_tty(context.stderr):
        return _Bar(context, description)
    if context.json:
        return _Silent()
    return _Lines(context)


def follow(
    client: Client,
    job_id: str,
    reporter: Reporter,
    *,
    timeout: float | None,
    poll: PollPolicy | float | None = None,
) -> JobStatus:
    """Watch ``job_id`` until it ends, showing each change; return the terminal status.

    Raises:
        WaitTimeoutError: the deadline passed first.
        KeyboardInterrupt: Ctrl-C (the display is closed first).
    """
    last: JobStatus | None = None
    try:
        for status in client.jobs.watch(job_id, timeout=timeout, poll=poll):
            reporter.update(status)
            last = status
    finally:
        reporter.close()
    assert last is not None  # a finished watch has yielded the terminal status
    return last


def exit_code(status: JobStatus) -> ExitCode:
    """0 for a completed job (partial included), 1 for a failed or cancelled one."""
    return ExitCode.OK if status.status.value == "completed" else ExitCode.JOB_FAILED


def report_final(context: Context, status: JobStatus) -> ExitCode:
    """Print a finished job (JSON, or results table and outcome line); return the exit code."""
    if context.json:
        context.out(json_text(wire(status)))
    else:
        if status.results is not None and (
            status.results.generated_images or status.results.failed_images
        ):
            context.out(results_table(status.results))
        context.out(outcome_line(status))
    return exit_code(status)


def _ask(context: Context, question: str) -> bool:
    """Ask a yes/no question on the terminal (default no; Ctrl-C or end of input: no)."""
    context.stderr.write(terminal_safe(question))  # it names a job id the server chose
    context.stderr.flush()
    try:
        answer = context.stdin.readline()
    except (KeyboardInterrupt, EOFError):
        context.err("")
        return False
    return answer.strip().lower() in ("y", "yes")


def on_interrupt(context: Context, client: Client, job_id: str, *, cancel: bool) -> ExitCode:
    """After Ctrl-C during a wait: cancel the job if told to (or if the user says so), else say
    how to resume. Asks only when stdin is a terminal."""
    context.err("")
    if not cancel and context.is_tty(context.stdin):
        cancel = _ask(context, f"Interrupted. Cancel job {job_id} on the server? [y/N] ")
    if cancel:
        try:
            result = client.jobs.cancel(job_id)
        except CharlibError as error:
            context.err(f"error: could not cancel job {job_id}: {error}")
        else:
            said = result.message or result.error
            context.err(f"cancel requested for job {job_id}" + (f": {said}" if said else ""))
            return ExitCode.INTERRUPTED
    context.err(f"interrupted; job {job_id} goes on on the server.")
    context.err(f"resume with: charlib jobs wait {job_id}")
    return ExitCode.INTERRUPTED


def on_timeout(context: Context, error: WaitTimeoutError, timeout: float | None) -> ExitCode:
    """After the wait deadline: say where the job was and how to resume (exit 3)."""
    last = error.last_status
    where = f" (last seen: {last.status.value} {progress_text(last)})" if last else ""
    after = f" after {timeout:g}s" if timeout is not None else ""
    context.err(f"error: gave up waiting for job {error.job_id}{after}{where}.")
    context.err(f"the job goes on on the server; resume with: charlib jobs wait {error.job_id}")
    if context.json and last is not None:
        context.out(json_text(wire(last)))
    return ExitCode.TIMEOUT


def wait_and_report(context: Context, client: Client, job_id: str) -> ExitCode:
    """``jobs wait`` and ``generate-360 --wait``: follow the job, then report it.

    Uses the wait options of the parsed command line: ``--timeout``, ``--poll``,
    ``--cancel-on-interrupt``, ``--no-progress``, ``--json``.
    """
    args = context.args
    # One ordinary request first: an unknown job or an unreachable service fails now (exit 4),
    # where the wait itself would keep retrying connection errors until its deadline.
    client.jobs.get(job_id)
    reporter = make_reporter(context)
    try:
        status = follow(client, job_id, reporter, timeout=args.wait_timeout, poll=args.poll)
    except KeyboardInterrupt:
        return on_interrupt(context, client, job_id, cancel=args.cancel_on_interrupt)
    except WaitTimeoutError as error:
        return on_timeout(context, error, args.wait_timeout)
    return report_final(context, status)
