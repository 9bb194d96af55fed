"""The argparse tree of the ``charlib`` command: every command, its options, help and examples.

Each leaf command stores its function as ``handler`` (``set_defaults``). ``charlib mock serve``
takes its options from ``mock_server.__main__.build_parser()`` (imported only when that command
is named), so the two front doors of the mock server cannot drift apart.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from charlib._cli import batch, commands, fidelity
from charlib._cli.context import MOCK_EXTRA
from charlib._cli.demo import DEFAULT_SEED, DEFAULT_SPEED, SCENARIOS, demo
from charlib._cli.download import jobs_download
from charlib._config import (
    DEFAULT_BASE_URL,
    DEFAULT_DOWNLOAD_CONCURRENCY,
    ENV_API_KEY,
    ENV_BASE_URL,
)
from charlib._download_options import MAX_CONCURRENCY
from charlib._models import JobState, JobType
from charlib._version import __version__
from charlib._waiting import DEFAULT_WAIT_TIMEOUT

__all__ = ["EXIT_CODES_HELP", "build_parser", "mock_serve_parser", "parse"]

EXIT_CODES_HELP = """\
exit codes:
  0    ok (a job that completed with some failed shots is still ok)
  1    the job failed or was cancelled, or (with --out, jobs download) some images could not
       be saved (the others are; run the same command again to fetch what is missing)
  2    usage: a bad command line or argument
  3    timeout: the wait deadline passed (the job goes on on the server)
  4    the service refused the request (e.g. not found) or could not be reached
  130  interrupted (Ctrl-C)"""


class _Formatter(argparse.HelpFormatter):
    """Wraps prose paragraphs to the terminal; keeps paragraphs with indented lines (examples,
    exit code tables) exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            if any(line.startswith(" ") for line in paragraph.splitlines()):
                paragraphs.append("\n".join(indent + line for line in paragraph.splitlines()))
            else:
                paragraphs.append(super()._fill_text(paragraph, width, indent))
        return "\n\n".join(paragraphs)


_FORMATTER = _Formatter


def _epilog(examples: str, *, exit_codes: bool = False) -> str:
    text = "examples:\n" + examples.strip("\n").rstrip()
    return text + ("\n\n" + EXIT_CODES_HELP if exit_codes else "")


# A string: argparse's action class cannot be subscripted at runtime.
_Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _command(commands_: _Commands, path: str) -> argparse.ArgumentParser:
    """Add the command at ``path`` (``"jobs wait"``) to ``commands_``, with its help texts."""
    text = _TEXTS[path]
    return commands_.add_parser(
        path.rpartition(" ")[2],
        help=text.summary,
        description=text.description,
        formatter_class=_FORMATTER,
        epilog=_epilog(text.examples, exit_codes=text.exit_codes),
    )


def _verbs(parser: argparse.ArgumentParser) -> _Commands:
    """The sub-commands of ``parser`` (``charlib jobs list``, ...); alone, it prints its help."""
    parser.set_defaults(handler=None, help_parser=parser)
    return parser.add_subparsers(title="commands", metavar="COMMAND")


@dataclass(frozen=True)
class _Text:
    """What ``--help`` says about one command."""

    summary: str  # its line in the parent command's list
    description: str
    examples: str
    exit_codes: bool = False  # end with the table of exit codes


# Every command's help, keyed by its path (``"jobs wait"``); the tree below adds the options.
_TEXTS = {
    "demo": _Text(
        "run a 27-shot 360° job against an embedded mock server (a few seconds)",
        "Start a mock Character Library on a free loopback port with a fast clock, "
        "create a character, give it a master reference image, run a 360° set with a progress "
        "bar, and print the results. Needs nothing else: the server lives in this process, "
        "and CHARLIB_BASE_URL / CHARLIB_API_KEY are ignored.",
        """
  charlib demo
  charlib demo --scenario partial          # some shots fail; the job still completes
  charlib demo --image-count 8 --speed 1200
  charlib demo --json | jq .job.status
""",
        exit_codes=True,
    ),
    "generate-360": _Text(
        "start a 360° reference set for a character (optionally wait for it)",
        "Start the background job that generates a character's 360° reference set "
        "(POST /api/v1/characters/{id}/generate-360-set). The character needs a master "
        "reference image (see `charlib characters initial-image`). Only the options you give "
        "are sent; the server's defaults apply to the others. Without --wait, stdout gets the "
        "job's id alone (stderr: a line for people), or with --json the accepted job.",
        """
  JOB=$(charlib generate-360 66f1c0ffee00000000000a01)   # the id alone on stdout
  charlib generate-360 66f1c0ffee00000000000a01 --image-count 8 --custom-seed 42 --wait
  charlib generate-360 66f1c0ffee00000000000a01 --wait --out ada-360/
  JOB=$(charlib generate-360 66f1c0ffee00000000000a01 --json | jq -r .jobId)
""",
        exit_codes=True,
    ),
    "jobs": _Text(
        "list, inspect, wait for, download and cancel jobs",
        "Background jobs: list them, read one's status, wait for one, save one's images, "
        "cancel one.",
        """
  charlib jobs list --status processing
  charlib jobs status 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77
  charlib jobs wait 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --timeout 600
  charlib jobs download 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --out ada-360/
  charlib jobs cancel 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77
""",
    ),
    "jobs list": _Text(
        "list jobs, newest first",
        "One page of jobs, newest first (GET /api/v1/jobs), or every page with --all.",
        """
  charlib jobs list
  charlib jobs list --character-id 66f1c0ffee00000000000a01 --status completed
  charlib jobs list --all --json | jq -r '.jobs[].jobId'
""",
    ),
    "jobs status": _Text(
        "show a job's status (and results once it has them)",
        "A job's current status (GET /api/v1/jobs/{id}/status), with its results "
        "table once it has finished. Does not wait: see `charlib jobs wait`.",
        """
  charlib jobs status 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77
  charlib jobs status 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --json | jq .progress
""",
    ),
    "jobs wait": _Text(
        "wait for a job to end, with a progress bar",
        "Follow a job to its end (a progress bar on stderr), then print its results. "
        "Works for a job started anywhere, so it also resumes an interrupted wait. On Ctrl-C it "
        "asks whether to cancel the job (if stdin is a terminal), then tells how to resume.",
        """
  charlib jobs wait 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77
  charlib jobs wait 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --timeout 600 --cancel-on-interrupt
  charlib jobs wait 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --json > job.json
""",
        exit_codes=True,
    ),
    "jobs download": _Text(
        "save a finished job's images, with a manifest and a contact sheet",
        "Save a finished job's images into DIR as NN_<shot slug>.<ext> (NN: the shot's place in "
        "the canonical 27), with manifest.json (what was saved, sizes, SHA-256) and index.html "
        "(a contact sheet that works offline). Run it again, or after Ctrl-C: files the "
        "manifest vouches for are not fetched again. The API key goes only to the API's own "
        "host; result URLs the live service gets wrong (a fixed media host) are resolved "
        "through the character's gallery.",
        """
  charlib jobs download 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --out ada-360/
  charlib jobs download 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --out ada-360/ --overwrite
  charlib jobs download 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77 --out ada-360/ --json | jq .failed
""",
        exit_codes=True,
    ),
    "jobs cancel": _Text(
        "ask the server to cancel a job",
        "Ask the server to cancel a job (DELETE /api/v1/jobs/{id}/status). A job "
        "that has already ended cannot be cancelled (the server answers 400: exit 4).",
        """
  charlib jobs cancel 3b9f2c1e-7d4a-4c55-9a1e-2f0c8e6d1b77
""",
    ),
    "characters": _Text(
        "list and create characters, give one a master reference image",
        "Characters: list them, create one, give one a master reference image.",
        """
  charlib characters list --search ada
  charlib characters create "Ada Lovelace" --prompt "portrait of Ada, studio light"
  charlib characters initial-image 66f1c0ffee00000000000a01 --prompt "portrait, studio light"
""",
    ),
    "characters list": _Text(
        "list characters, newest first",
        "One page of characters, newest first (GET /api/v1/characters).",
        """
  charlib characters list
  charlib characters list --search ada --limit 50 --json | jq -r '.docs[].id'
""",
    ),
    "characters create": _Text(
        "create a character",
        "Create a character (POST /api/v1/characters). Other fields go in --field, "
        "snake_case or camelCase: KEY=VALUE sends a string, KEY:=JSON sends a number, boolean, "
        "list or object. With --prompt, also generate its master reference image, which "
        "generate-360 needs.",
        """
  charlib characters create "Ada Lovelace"
  charlib characters create "Ada Lovelace" --field eye_color=grey --field age:=36
  charlib characters create "Ada Lovelace" --prompt "portrait of Ada, studio light" --json
""",
    ),
    "characters initial-image": _Text(
        "generate a character's master reference image from a prompt",
        "Generate an image from a prompt and attach it as the character's master "
        "reference (POST /api/v1/characters/{id}/generate-initial-image); generate-360 needs "
        "one. The server refuses (400, exit 4) if the character already has one.",
        """
  charlib characters initial-image 66f1c0ffee00000000000a01 --prompt "portrait, studio light"
""",
    ),
    "mock": _Text(
        "run the mock Character Library server",
        "The reference mock server (also `python -m mock_server`).",
        """
  charlib mock serve --speed 600
  charlib mock serve --port 0 --mode upstream --seed 7
""",
    ),
}


_TEXTS.update({path: _Text(*text) for path, text in fidelity.TEXTS.items()})
_TEXTS.update({path: _Text(*text) for path, text in batch.TEXTS.items()})


# -- argument types (a bad value is a usage error, exit 2) -----------------------------------------


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _wait_timeout(text: str) -> float | None:
    if text.strip().lower() == "none":
        return None
    return _positive(text)


def _int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"{low}-{high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def _threshold(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be 0-100, got {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


# -- shared options --------------------------------------------------------------------------


def _finish(parser: argparse.ArgumentParser, handler: Callable[..., Any], json_what: str) -> None:
    """End a command: its ``--json`` option (printing ``json_what``), then what runs it."""
    parser.add_argument(
        "--json", action="store_true", help=f"print {json_what} as one JSON document (camelCase)"
    )
    parser.set_defaults(handler=handler)


def _add_wait_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("waiting")
    group.add_argument(
        "--timeout",
        dest="wait_timeout",
        type=_wait_timeout,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="SECONDS",
        help="give up waiting after this long, exit 3 (default %(default)g = 45 minutes; "
        "'none': no limit). The job goes on on the server",
    )
    group.add_argument(
        "--poll",
        type=_positive,
        default=None,
        metavar="SECONDS",
        help="poll at this fixed interval (default: adaptive, one poll per expected shot)",
    )
    group.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="on Ctrl-C, cancel the job without asking (default: ask if stdin is a "
        "terminal, else leave it running)",
    )
    group.add_argument("--no-progress", action="store_true", help="no progress display on stderr")


def _add_download_options(parser: argparse.ArgumentParser, *, out_required: bool) -> None:
    group = parser.add_argument_group("saving the images")
    group.add_argument(
        "--out",
        required=out_required,
        metavar="DIR",
        help="save the images here (created if needed)"
        + ("" if out_required else "; needs --wait"),
    )
    group.add_argument(
        "--concurrency",
        type=_int_range(1, MAX_CONCURRENCY),
        default=DEFAULT_DOWNLOAD_CONCURRENCY,
        metavar="N",
        help=f"images fetched at once, 1-{MAX_CONCURRENCY} (default %(default)s)",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="fetch every image again, even those already saved",
    )


# -- the tree --------------------------------------------------------------------------------------


def _add_demo(commands_: _Commands) -> None:
    parser = _command(commands_, "demo")
    parser.add_argument(
        "--speed",
        type=_positive,
        default=DEFAULT_SPEED,
        help="server seconds per real second (default %(default)g: ~20 server minutes in ~4 s)",
    )
    parser.add_argument(
        "--seed", type=_integer, default=DEFAULT_SEED, help="mock server seed (default %(default)s)"
    )
    parser.add_argument(
        "--image-count",
        type=_int_range(1, 27),
        default=27,
        metavar="N",
        help="shots to generate, 1-27 (default %(default)s)",
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="random",
        help="random (default: seeded, ~1 attempt in 10 fails and is retried), success, "
        "partial (some shots fail), fail (every shot fails: exit 1), slow (5x longer)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    _finish(parser, demo, "the character and the finished job")


def _add_generate(commands_: _Commands) -> None:
    parser = _command(commands_, "generate-360")
    parser.add_argument("character_id", metavar="CHARACTER_ID", help="the character's id")
    options = parser.add_argument_group("generation")
    options.add_argument(
        "--image-count", type=_int_range(1, 27), metavar="N", help="shots, 1-27 (server: 27)"
    )
    options.add_argument(
        "--quality-threshold",
        type=_threshold,
        metavar="X",
        help="0-100; advisory (server: 75)",
    )
    options.add_argument(
        "--max-retries",
        type=_int_range(1),
        metavar="N",
        help="attempts per shot on the server, >= 1 (server: 3)",
    )
    options.add_argument("--style", metavar="S", help="stored by the server, not used")
    options.add_argument(
        "--custom-seed", type=_integer, metavar="N", help="repeatable generation (any integer)"
    )
    options.add_argument(
        "--angle",
        dest="angles",
        action="append",
        metavar="A",
        help="an angle to store with the job (repeat for several; not used by the server)",
    )
    options.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="reuse KEY to make a repeated command return the same job (default: a fresh one)",
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait for the job to end, with progress and results"
    )
    _add_wait_options(parser)
    _add_download_options(parser, out_required=False)
    _finish(parser, commands.generate_360, "the accepted job (or, with --wait, the finished one)")


def _add_jobs(commands_: _Commands) -> None:
    verbs = _verbs(_command(commands_, "jobs"))
    listing = _command(verbs, "jobs list")
    listing.add_argument("--character-id", metavar="ID", help="only this character's jobs")
    listing.add_argument(
        "--status", choices=[state.value for state in JobState], help="only jobs in this state"
    )
    listing.add_argument(
        "--job-type", choices=[kind.value for kind in JobType], help="only jobs of this type"
    )
    pages = listing.add_mutually_exclusive_group()
    pages.add_argument("--page", type=_int_range(1), metavar="N", help="page number (default 1)")
    pages.add_argument("--all", action="store_true", help="every page")
    listing.add_argument(
        "--limit", type=_int_range(1, 100), metavar="N", help="page size, 1-100 (server: 10)"
    )
    _finish(listing, commands.jobs_list, 'the page (with --all: {"jobs": [...]})')

    status = _command(verbs, "jobs status")
    status.add_argument("job_id", metavar="JOB_ID", help="the job's id")
    _finish(status, commands.jobs_status, "the job's status")

    wait = _command(verbs, "jobs wait")
    wait.add_argument("job_id", metavar="JOB_ID", help="the job's id")
    _add_wait_options(wait)
    _finish(wait, commands.jobs_wait, "the finished job")

    download = _command(verbs, "jobs download")
    download.add_argument("job_id", metavar="JOB_ID", help="the finished job's id")
    _add_download_options(download, out_required=True)
    download.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    _finish(download, jobs_download, "the download report")

    cancel = _command(verbs, "jobs cancel")
    cancel.add_argument("job_id", metavar="JOB_ID", help="the job's id")
    _finish(cancel, commands.jobs_cancel, "the server's answer")


def _add_characters(commands_: _Commands) -> None:
    verbs = _verbs(_command(commands_, "characters"))
    listing = _command(verbs, "characters list")
    listing.add_argument("--search", metavar="TEXT", help="substring of the name or slug")
    listing.add_argument("--page", type=_int_range(1), metavar="N", help="page number (default 1)")
    listing.add_argument("--limit", type=_int_range(1), metavar="N", help="page size (server: 10)")
    _finish(listing, commands.characters_list, "the page")

    create = _command(verbs, "characters create")
    create.add_argument("name", metavar="NAME", help="display name")
    create.add_argument(
        "--field",
        dest="fields",
        action="append",
        metavar="KEY=VALUE",
        help="another field (repeatable); KEY:=JSON for non-strings",
    )
    create.add_argument(
        "--prompt",
        metavar="TEXT",
        help="also generate the master reference image from TEXT",
    )
    _finish(create, commands.characters_create, "the created character")

    initial = _command(verbs, "characters initial-image")
    initial.add_argument("character_id", metavar="CHARACTER_ID", help="the character's id")
    initial.add_argument("--prompt", required=True, metavar="TEXT", help="what to draw")
    initial.add_argument("--style", metavar="S", help="passed to the server")
    _finish(initial, commands.characters_initial_image, "the server's answer")


def _add_mock(commands_: _Commands) -> None:
    mock = _command(commands_, "mock")
    verbs = _verbs(mock)
    # Options are added lazily (see mock_serve_parser): the server's dependencies are optional.
    serve = verbs.add_parser(
        "serve",
        help="serve the mock on 127.0.0.1 until Ctrl-C (same options as python -m mock_server)",
        add_help=False,
    )
    serve.set_defaults(handler="mock-serve", mock_argv=[])


def mock_serve_parser() -> argparse.ArgumentParser:
    """``charlib mock serve``'s parser: the options of ``python -m mock_server``, for help and
    validation (the server's own ``main`` parses them again, from the same definition)."""
    from mock_server.__main__ import build_parser as mock_parser

    return argparse.ArgumentParser(
        prog="charlib mock serve",
        description="Run the mock Character Library on uvicorn (127.0.0.1 unless --host) until "
        "Ctrl-C; it prints the URL it listens on. Point the other commands at it with "
        "CHARLIB_BASE_URL (or --base-url).",
        formatter_class=_FORMATTER,
        epilog=_epilog(
            """
  charlib mock serve --speed 600 &
  export CHARLIB_BASE_URL=http://127.0.0.1:8000
  charlib characters create Ada --prompt "portrait of Ada"

exit codes: 0 stopped with Ctrl-C, 1 could not listen, 2 usage."""
        ),
        parents=[mock_parser()],
        # The parent brings its own -h and --version; they replace ours.
        conflict_handler="resolve",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole ``charlib`` command line."""
    parser = argparse.ArgumentParser(
        prog="charlib",
        description="Command line for the Character Library API: run the demo, start 360° "
        "sets, follow jobs, manage characters, run the mock server.\n\n"
        f"The service is ${ENV_BASE_URL} (default {DEFAULT_BASE_URL}); its API key, if it "
        f"needs one, is ${ENV_API_KEY}. Global options go before the command.",
        formatter_class=_FORMATTER,
        epilog=_epilog(
            """
  charlib demo                                   # the whole lifecycle, offline, in seconds
  charlib mock serve --speed 600 &               # a local server for the commands below
  export CHARLIB_BASE_URL=http://127.0.0.1:8000
  charlib characters create "Ada Lovelace" --prompt "portrait of Ada"
  charlib generate-360 CHARACTER_ID --image-count 8 --wait
  charlib jobs list --status processing
  charlib jobs wait JOB_ID --timeout 600

`charlib COMMAND --help` tells more about each command.""",
            exit_codes=True,
        ),
    )
    connection = parser.add_argument_group("global options")
    connection.add_argument(
        "--base-url",
        metavar="URL",
        help=f"service root (default ${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
    )
    connection.add_argument(
        "--api-key",
        metavar="KEY",
        help=f"API key (default ${ENV_API_KEY}; prefer the variable: a command line is "
        "visible to other users). Never printed",
    )
    connection.add_argument(
        "--timeout",
        dest="request_timeout",
        type=_positive,
        metavar="SECONDS",
        help="per-request timeout (default 30). For how long to wait for a job, see the "
        "--timeout of `jobs wait`",
    )
    parser.add_argument("--version", action="version", version=f"charlib {__version__}")
    commands_ = _verbs(parser)
    _add_demo(commands_)
    _add_generate(commands_)
    _add_jobs(commands_)
    _add_characters(commands_)
    _add_mock(commands_)
    fidelity.add_commands(commands_, _command, _finish)
    batch.add_commands(commands_, _command, _finish)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; ``mock serve`` options are checked against the mock server's parser."""
    parser = build_parser()
    # Known args only: whatever follows `mock serve` is the mock server's to parse.
    args, extra = parser.parse_known_args(argv)
    if args.handler == "mock-serve":
        args.mock_argv = extra
        try:
            serve_parser = mock_serve_parser()
        except ImportError:
            parser.exit(1, f"error: charlib mock serve needs the mock server: {MOCK_EXTRA}\n")
        serve_parser.parse_args(extra)  # exits 2 on a bad option, 0 on --help
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(_masked(extra))}{_misplaced(extra)}")
    return args


_GLOBAL_OPTIONS = ("--base-url", "--api-key", "--timeout")


def _misplaced(extra: Sequence[str]) -> str:
    """A hint when a global option came after the command (where argparse does not take it)."""
    if not any(arg.split("=", 1)[0] in _GLOBAL_OPTIONS for arg in extra):
        return ""
    return (
        f" ({', '.join(_GLOBAL_OPTIONS)} go before the command: charlib --base-url URL jobs list)"
    )


def _masked(argv: Sequence[str]) -> list[str]:
    """``argv`` with the value of any ``--api-key`` hidden (error messages repeat arguments)."""
    shown: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            shown.append("***")
            hide_next = False
        elif arg.startswith("--api-key="):
            shown.append("--api-key=***")
        else:
            shown.append(arg)
            hide_next = arg == "--api-key"
    return shown
