"""``charlib record`` and ``charlib contract check``: keeping the mock honest from the command line.

The parser (:mod:`charlib._cli.parser`) takes these commands' help from :data:`TEXTS` and their
options from :func:`add_commands`; the handlers below read the parsed options, call
:func:`charlib._record.record_job` or :func:`charlib.contract.check`, and print.
"""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from charlib._cli.context import Context, ExitCode, UsageError
from charlib._cli.render import json_text
from charlib._waiting import DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    from charlib._cli.context import Commands, CommandTexts, FinishCommand, NewCommand
    from charlib.contract import FactResult

__all__ = ["TEXTS", "add_commands", "contract_check", "is_loopback", "record"]

TEXTS: CommandTexts = {
    "record": (
        "record a job's timeline as a cassette the mock server can replay",
        "Follow a job (started elsewhere, or with --start by this command) to its end with the "
        "adaptive poll policy, and write every distinct status body it went through, with the "
        "server's time of each, to a cassette (JSON; see docs/fidelity.md). Replay it with "
        "`charlib mock serve --cassettes DIR` and X-Mock-Scenario: cassette:NAME. The API key "
        "and Authorization are never written; --redact-urls also hides every URL.",
        """
  charlib record 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --out cassettes/ada.json
  charlib record --start 66f1c0ffee00000000000a01 --image-count 1 --out cassettes/one.json
  charlib record JOB_ID --out cassettes/live.json --redact-urls --json
""",
        True,
    ),
    "contract": (
        "check a server against the wire contract",
        "Conformance checks of a Character Library server (the live service, a deployment, "
        "the mock).",
        """
  charlib --base-url http://127.0.0.1:8000 contract check
  charlib --base-url https://character.ft.tc contract check --yes --json > report.json
""",
        False,
    ),
    "contract check": (
        "run the contract's checkable facts against a server, one line per fact",
        "Send the requests that show whether a server behaves as the contract says: health, "
        "error answers, lists, characters, and one small job followed from start to end "
        "(status path, progress, total, tasks, timestamps, results, media, cancel, list "
        "filters and pages). Each fact holds, differs (with what was seen, and the live "
        "service's defect id from CONTRACT section 13 when it matches one), or is skipped "
        "(with why). It creates at most one character and one job of --budget-images images, "
        "says so first, and asks before doing so on a host that is not loopback (--yes "
        "answers for you; without a terminal it refuses).",
        """
  charlib mock serve --speed 600 &
  charlib --base-url http://127.0.0.1:8000 contract check
  charlib --base-url http://127.0.0.1:8000 contract check --budget-images 0   # creates nothing
  charlib --base-url https://character.ft.tc contract check --yes --strict --json

exit codes: 0 the check ran (whatever it found); 1 with --strict, some fact differs;
2 usage (or not confirmed); 4 the server could not be reached; 130 interrupted.""",
        False,
    ),
}


def add_commands(commands_: Commands, command: NewCommand, finish: FinishCommand) -> None:
    """Add ``record`` and ``contract check`` to the ``charlib`` command (``command`` and
    ``finish`` are the parser's helpers: a command with its help texts, and its ``--json``
    option and handler)."""
    from charlib._cli import parser as tree  # loaded: it is the module calling this

    parser = command(commands_, "record")
    parser.add_argument("job_id", nargs="?", metavar="JOB_ID", help="the job to record")
    parser.add_argument(
        "--start",
        metavar="CHARACTER_ID",
        help="start a 360° job for this character and record it (instead of JOB_ID)",
    )
    parser.add_argument("--out", required=True, metavar="FILE", help="the cassette to write")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument(
        "--redact-urls", action="store_true", help="replace every URL in the cassette"
    )
    options = parser.add_argument_group("generation (with --start)")
    options.add_argument(
        "--image-count", type=tree._int_range(1, 27), metavar="N", help="shots, 1-27"
    )
    options.add_argument(
        "--quality-threshold", type=tree._threshold, metavar="X", help="0-100 (advisory)"
    )
    options.add_argument(
        "--max-retries", type=tree._int_range(1), metavar="N", help="attempts per shot"
    )
    options.add_argument("--style", metavar="S", help="stored by the server, not used")
    options.add_argument("--custom-seed", type=tree._integer, metavar="N", help="any integer")
    options.add_argument(
        "--angle", dest="angles", action="append", metavar="A", help="stored (repeatable)"
    )
    waiting = parser.add_argument_group("waiting")
    _add_timeout(
        waiting,
        tree._wait_timeout,
        "give up after this long, exit 3, nothing written (default %(default)g; 'none')",
    )
    waiting.add_argument(
        "--poll",
        type=tree._positive,
        metavar="SECONDS",
        help="a fixed interval (default: adaptive)",
    )
    waiting.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    finish(parser, record, "the recording (path, job, states, final status)")
    _add_contract(commands_, command, finish)


def _add_contract(commands_: Commands, command: NewCommand, finish: FinishCommand) -> None:
    """``charlib contract check`` and its options."""
    from charlib._cli import parser as tree  # loaded: it is the module calling this

    checks = tree._verbs(command(commands_, "contract"))
    check = command(checks, "contract check")
    check.add_argument(
        "--budget-images",
        type=tree._int_range(0, 27),
        default=1,
        metavar="N",
        help="images of the one job it starts, 0-27 (default 1; 0: create nothing)",
    )
    _add_timeout(
        check, tree._positive, "how long to follow the job (default %(default)g = 45 minutes)"
    )
    check.add_argument(
        "--yes", action="store_true", help="create the character and job without asking"
    )
    check.add_argument("--strict", action="store_true", help="exit 1 when a fact differs")
    finish(check, contract_check, "the report (every fact, the defects seen, what was created)")


def _add_timeout(
    group: argparse._ActionsContainer, kind: Callable[[str], float | None], text: str
) -> None:
    """``--timeout SECONDS``: how long a command follows its job (``args.wait_timeout``,
    default 45 minutes), read by ``kind``."""
    group.add_argument(
        "--timeout",
        dest="wait_timeout",
        type=kind,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="SECONDS",
        help=text,
    )


def _generate_options(args: argparse.Namespace) -> dict[str, Any]:
    names = ("style", "quality_threshold", "image_count", "max_retries", "angles", "custom_seed")
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _target(args: argparse.Namespace) -> Path:
    """The cassette path, checked before anything is started."""
    if (args.job_id is None) == (args.start is None):
        raise UsageError("give a JOB_ID to record, or --start CHARACTER_ID (not both)")
    if args.job_id is not None and _generate_options(args):
        raise UsageError("generation options go with --start")
    from charlib._cassette import check_name

    path = Path(args.out)
    try:
        check_name(path)
    except ValueError as exc:
        raise UsageError(f"--out {args.out}: {exc}") from None
    if path.exists() and not args.force:
        raise UsageError(f"--out {args.out} exists (--force replaces it)")
    if not path.parent.is_dir():
        raise UsageError(f"--out {args.out}: no directory {path.parent}")
    return path


def record(context: Context) -> ExitCode:
    """Record a job (or start one with ``--start``) as a cassette."""
    from charlib._cli.follow import make_reporter
    from charlib._record import record_job, record_new_job

    args = context.args
    path = _target(args)
    reporter = make_reporter(context, "recording")
    common: dict[str, Any] = {
        "redact_urls": args.redact_urls,
        "timeout": args.wait_timeout,
        "poll": args.poll,
        "on_progress": reporter.update,
    }
    try:
        with context.client() as client:
            if args.start is not None:
                done = record_new_job(client, args.start, path, **common, **_generate_options(args))
            else:
                client.jobs.get(args.job_id)  # an unknown job or a dead server: exit 4 now
                done = record_job(client, args.job_id, path, **common)
    finally:
        reporter.close()
    if context.json:
        context.out(
            json_text(
                {
                    "path": str(done.path),
                    "jobId": done.job_id,
                    "states": done.states,
                    "status": done.status.status.value,
                }
            )
        )
    else:
        context.out(
            f"recorded {done.states} states of job {done.job_id} ({done.status.status.value}) "
            f"to {done.path}"
        )
        name = done.path.name.removesuffix(".json")
        context.err(
            f"replay it: charlib mock serve --cassettes {done.path.parent} --scenario "
            f"cassette:{name} (or start jobs with X-Mock-Scenario: cassette:{name})"
        )
    return ExitCode.OK


def is_loopback(url: httpx.URL) -> bool:
    """Whether ``url`` names this machine (where creating things needs no confirmation)."""
    host = url.host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _confirmed(context: Context, url: httpx.URL, budget: int) -> None:
    """Ask before creating anything on a host that is not this machine.

    Raises:
        UsageError: not confirmed (no terminal to ask on, or the answer was not yes).
    """
    from charlib._cli.follow import _ask

    if budget == 0 or context.args.yes or is_loopback(url):
        return
    if not context.is_tty(context.stdin):
        raise UsageError(
            f"{url.host} is not this machine: run with --yes to let the check create its "
            "character and job there (stdin is not a terminal, so it cannot ask); nothing "
            "was sent"
        )
    if not _ask(context, f"Create them on {url.host}? [y/N] "):
        raise UsageError("not confirmed; nothing was created")


def _fact_line(fact: FactResult) -> str:
    defect = f" [{fact.defect}]" if fact.defect else ""
    return f"{fact.verdict.value:<8} {fact.id:<29} {fact.seen}{defect}"


def contract_check(context: Context) -> ExitCode:
    """Check the server against the contract, one line per fact (or one JSON report)."""
    from charlib.contract import check, plan

    args = context.args
    with context.client() as client:
        context.err(f"{plan(args.budget_images)} Server: {client.base_url}")
        _confirmed(context, client.base_url, args.budget_images)
        on_fact = None if context.json else (lambda fact: context.out(_fact_line(fact)))
        report = check(
            client, budget_images=args.budget_images, timeout=args.wait_timeout, on_fact=on_fact
        )
    if context.json:
        context.out(json_text(report.to_dict()))
    else:
        context.out(report.summary())
        created = report.created
        kept = report["characters.delete"].verdict.value != "holds"
        if created.get("characterId") and kept:
            job = f", job {created['jobId']}" if "jobId" in created else ""
            context.err(f"left on the server: character {created['characterId']}{job}")
    return ExitCode.JOB_FAILED if args.strict and not report.conforms else ExitCode.OK
