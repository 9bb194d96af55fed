"""``charlib batch run CAST --out DIR`` and ``charlib batch status DIR``.

The parser (:mod:`charlib._cli.parser`) takes these commands' help from :data:`TEXTS` and their
options from :func:`add_commands`; the handlers call :mod:`charlib.batch` and print. Progress
goes to stderr (one bar for the cast on a terminal); stdout gets the summary or, with
``--json``, one document. Ctrl-C stops cleanly and prints the command that resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charlib._cli.context import Context, ExitCode
from charlib._cli.render import json_text, table

if TYPE_CHECKING:
    from charlib._batch_ledger import Ledger
    from charlib._cli.context import Commands, CommandTexts, FinishCommand, NewCommand
    from charlib.batch import BatchResult

__all__ = ["TEXTS", "add_commands", "batch_run", "batch_status", "resume_command"]

TEXTS: CommandTexts = {
    "batch": (
        "360° sets for a whole cast, durably (run, status)",
        "Make a 360° set for every character of a cast file and save each under one "
        "directory, with a ledger that lets the same command resume after any crash without "
        "starting a second job for a character (see docs/batch.md).",
        """
  charlib batch run cast.csv --out sets/
  charlib batch status sets/
""",
        False,
    ),
    "batch run": (
        "make and save the 360° sets of a cast (CSV or JSON Lines); resumable",
        "Check the whole cast first (a bad row is an error naming its line and field, and "
        "nothing is sent), then for each character: find or create it, give it a master "
        "reference (media_id, or generated from prompt), start its 360° job, wait, and save "
        "the set under DIR/<characterId>/. At most --max-active characters are worked on at "
        "once. Every step is recorded in DIR/.charlib-batch.sqlite: run the same command "
        "again after a crash or Ctrl-C and it carries on. Several processes may run it on the "
        "same DIR at once; each character is taken by one. At the end DIR/index.html shows "
        "every set and DIR/report.csv lists every character's outcome.",
        """
  charlib batch run cast.csv --out sets/
  charlib batch run cast.jsonl --out sets/ --max-active 8 --retry-failed 2
  charlib batch run cast.csv --out sets/ --require-all --json > outcome.json

cast columns: name (required), character_id, prompt, media_id, style,
quality_threshold, image_count

exit codes: 0 every character saved (complete, or partial unless --require-all);
1 some character failed, has no master reference, or is unfinished (run again);
2 usage, an invalid cast, or a DIR or ledger that cannot be used; 4 the service
could not be reached; 130 interrupted (Ctrl-C or SIGTERM).""",
        False,
    ),
    "batch status": (
        "where a batch stands: a table of its characters (from its ledger; sends nothing)",
        "Read DIR's ledger and print each character's state, job, images saved and failed, "
        "and last error. Works while a batch runs (from another terminal).",
        """
  charlib batch status sets/
  charlib batch status sets/ --json | jq '.characters[] | select(.outcome == null)'
""",
        False,
    ),
}


@dataclass(frozen=True, slots=True)
class _RunOption:
    """An option of ``batch run`` that shapes the run: the parser reads it, and
    :func:`resume_command` gives it again when it differs from its default.

    With ``bounds`` it takes an integer in that range (``default`` when not given); with
    ``seconds``, a number of seconds; with neither it is a switch.
    """

    flag: str
    help: str
    bounds: tuple[int, int] | None = None
    default: int | None = None
    seconds: bool = False

    @property
    def dest(self) -> str:
        """Its name in the parsed arguments."""
        return self.flag.removeprefix("--").replace("-", "_")

    def arguments(self) -> dict[str, Any]:
        """What ``add_argument`` takes after the flag."""
        from charlib._cli import parser as tree  # loaded: it is the module calling add_commands

        if self.bounds is not None:
            low, high = self.bounds
            text = f"{self.help}, {low}-{high} (default %(default)s)"
            return {
                "type": tree._int_range(low, high),
                "default": self.default,
                "metavar": "N",
                "help": text,
            }
        if self.seconds:
            return {"type": tree._positive, "metavar": "SECONDS", "help": self.help}
        return {"action": "store_true", "help": self.help}

    def given(self, value: float | bool | None) -> list[str]:
        """The words that give ``value`` again (none for the default)."""
        if value is None or value is False or value == self.default:
            return []
        return [self.flag] if value is True else [self.flag, f"{value:g}"]


_RUN_OPTIONS = (
    _RunOption(
        "--max-active", "characters worked on (so jobs running) at once", (1, 1000), default=4
    ),
    _RunOption("--retry-failed", "new jobs for a character whose job failed", (0, 10), default=1),
    _RunOption(
        "--require-all",
        "a set with failed shots is retried like a failed job, and not ok at the end",
    ),
    _RunOption("--poll", "poll every job at this interval", seconds=True),
    _RunOption(
        "--job-timeout",
        "follow one job at most this long, then leave it for a later run (default 3 h)",
        seconds=True,
    ),
    _RunOption("--no-progress", "no progress bar on stderr"),
)


def add_commands(commands_: Commands, command: NewCommand, finish: FinishCommand) -> None:
    """Add ``batch run`` and ``batch status`` to the ``charlib`` command."""
    from charlib._cli import parser as tree  # loaded: it is the module calling this

    verbs = tree._verbs(command(commands_, "batch"))

    run = command(verbs, "batch run")
    run.add_argument("cast", metavar="CAST", help="the cast: a .csv or .jsonl file")
    run.add_argument("--out", required=True, metavar="DIR", help="the batch directory")
    for option in _RUN_OPTIONS:
        run.add_argument(option.flag, **option.arguments())
    finish(run, batch_run, "the outcome of every character")

    status = command(verbs, "batch status")
    status.add_argument("out", metavar="DIR", help="the batch directory")
    finish(status, batch_status, "the ledger's characters and jobs")


def resume_command(args: argparse.Namespace) -> str:
    """The exact command that carries on this run (the API key is never part of it)."""
    words = ["charlib"]
    if args.base_url:
        words += ["--base-url", args.base_url]
    if args.request_timeout is not None:
        words += ["--timeout", f"{args.request_timeout:g}"]
    words += ["batch", "run", args.cast, "--out", args.out]
    for option in _RUN_OPTIONS:
        words += option.given(getattr(args, option.dest))
    if args.json:
        words.append("--json")
    return shlex.join(words)


def _document(result: BatchResult) -> dict[str, Any]:
    return {
        "out": str(result.out),
        "ok": result.ok,
        "counts": dict(sorted(result.counts.items())),
        "characters": [
            {
                "line": record.line,
                "name": record.name,
                "characterId": record.character_id,
                "stage": record.stage,
                "outcome": record.outcome,
                "jobId": record.job_id,
                "jobsStarted": record.jobs_started,
                "imagesSaved": record.images_saved,
                "imagesFailed": record.images_failed,
                "error": record.error,
                "folder": str(record.folder),
            }
            for record in result.records
        ],
        "jobs": [
            {
                "jobId": job["job_id"],
                "characterId": job["key"],
                "attempt": job["attempt"],
                "status": job["status"],
                "images": job["images"],
                "failed": job["failed"],
            }
            for job in result.jobs
        ],
    }


def _summary(result: BatchResult) -> str:
    counts = ", ".join(f"{count} {name}" for name, count in sorted(result.counts.items()))
    return (
        f"{len(result.records)} characters: {counts}\n"
        f"sets: {result.index_html}\nreport: {result.report_csv}"
    )


class _Lines:
    """Progress for logs (stderr not a terminal): a line whenever the count of characters in
    some state changes, read from the ledger at most every few seconds."""

    def __init__(self, context: Context, out: str, interval: float = 2.0) -> None:
        self._context = context
        self._out = Path(out)
        self._interval = interval
        self._next = 0.0
        self._last = ""
        self._ledger: Ledger | None = None

    def __call__(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self._interval
        if self._ledger is None:
            from charlib._batch_ledger import LEDGER_NAME, Ledger

            self._ledger = Ledger(self._out / LEDGER_NAME)
        done, total, counts = self._ledger.summary()
        line = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        if line != self._last:
            self._last = line
            self._context.err(f"[{done}/{total} shots] {line}")

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a closing terminal) stops the run as Ctrl-C does:
    rows given back, the report written, how to resume printed (not a silent death)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def batch_run(context: Context) -> ExitCode:
    """``charlib batch run CAST --out DIR``."""
    from charlib.batch import DEFAULT_JOB_TIMEOUT, Batch, load_cast

    args = context.args
    cast = load_cast(args.cast)  # a bad cast stops here: exit 2, nothing sent
    bar = not args.no_progress and context.is_tty(context.stderr)
    quiet = bar or args.no_progress or context.json  # --json: stdout's document only
    lines = None if quiet else _Lines(context, args.out)
    with context.client() as client:
        batch = Batch(
            client,
            args.out,
            max_active=args.max_active,
            retry_failed=args.retry_failed,
            require_all=args.require_all,
            poll=args.poll,
            job_timeout=DEFAULT_JOB_TIMEOUT if args.job_timeout is None else args.job_timeout,
            progress=bar,
            on_change=lines,
        )
        try:
            with _sigterm_interrupts():
                result = batch.run(cast)
        except KeyboardInterrupt:
            context.err(f"\ninterrupted; resume with: {resume_command(args)}")
            return ExitCode.INTERRUPTED
        finally:
            if lines is not None:
                lines.close()
    for record in result.records:
        if record.outcome not in ("complete", "partial") and record.error:
            context.err(f"{record.character_id}: {record.outcome or record.stage}: {record.error}")
    context.out(json_text(_document(result)) if context.json else _summary(result))
    return ExitCode.OK if result.ok else ExitCode.JOB_FAILED


def batch_status(context: Context) -> ExitCode:
    """``charlib batch status DIR``."""
    from charlib.batch import read_status

    result = read_status(context.args.out)
    if context.json:
        context.out(json_text(_document(result)))
        return ExitCode.OK
    rows = [
        (
            record.line,
            record.character_id,
            record.outcome or f"({record.stage})",
            record.job_id or "",
            record.jobs_started,
            record.images_saved,
            record.images_failed,
            (record.error or "")[:80],
        )
        for record in result.records
    ]
    headers = ("LINE", "CHARACTER", "STATE", "JOB", "JOBS", "SAVED", "FAILED", "LAST ERROR")
    context.out(table(headers, rows, right="0456"))
    context.out(_summary(result).splitlines()[0])
    return ExitCode.OK
