"""Exit codes, the per-run context (parsed options, streams, the client) and usage errors."""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, TypeAlias

from charlib._text import terminal_safe

if TYPE_CHECKING:
    from charlib._client import Client

__all__ = [
    "MOCK_EXTRA",
    "CommandTexts",
    "Commands",
    "Context",
    "ExitCode",
    "FinishCommand",
    "NewCommand",
    "UsageError",
]

#: How to get what ``charlib demo`` and ``charlib mock serve`` need (starlette, uvicorn).
MOCK_EXTRA = "pip install 'charlib[mock]' (or -e '.[dev]' in a checkout)"


# How a module of commands plugs into the parser (charlib._cli.parser): it gets the subcommand
# table, the parser's function that makes a command (help text from the module's TEXTS) and the
# one that finishes it (handler, --json); TEXTS maps a command path to (summary, description,
# examples, whether the exit codes are shown).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
NewCommand: TypeAlias = Callable[[Commands, str], argparse.ArgumentParser]
FinishCommand: TypeAlias = Callable[[argparse.ArgumentParser, Callable[..., Any], str], None]
CommandTexts: TypeAlias = dict[str, tuple[str, str, str, bool]]


class ExitCode(enum.IntEnum):
    """What the ``charlib`` command exits with (documented in ``--help`` and docs/cli.md)."""

    OK = 0
    JOB_FAILED = 1  # the job failed or was cancelled (or the demo's mock could not run)
    USAGE = 2  # bad command line or argument (argparse's own code)
    TIMEOUT = 3  # the wait deadline passed; the job goes on on the server
    API_ERROR = 4  # the service refused the request, or could not be reached
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, the shell convention)


class UsageError(Exception):
    """A command line that parses but makes no sense (exit 2, one line on stderr)."""


class Context:
    """One run of the command: its options and where output goes.

    Output streams are looked up when used, so tests capturing ``sys.stdout`` see everything.
    """

    def __init__(self, args: argparse.Namespace, *, stdin: IO[str] | None = None) -> None:
        self.args = args
        self._stdin = stdin

    @property
    def stdout(self) -> IO[str]:
        return sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return sys.stderr

    @property
    def stdin(self) -> IO[str]:
        return self._stdin if self._stdin is not None else sys.stdin

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given (one JSON document on stdout)."""
        return bool(getattr(self.args, "json", False))

    def out(self, text: str = "") -> None:
        """A line on stdout (flushed, so it interleaves with progress on stderr in logs).

        Everything the command prints goes through here or :meth:`err`, so this is where text
        from a server is made safe for a terminal (no escape sequences or control characters;
        JSON documents were already escaped by ``render.json_text``).
        """
        print(terminal_safe(text, multiline=True), file=self.stdout, flush=True)

    def err(self, text: str) -> None:
        """A line on stderr (made terminal-safe like :meth:`out`)."""
        print(terminal_safe(text, multiline=True), file=self.stderr, flush=True)

    def is_tty(self, stream: IO[str]) -> bool:
        """Whether ``stream`` is a terminal (False for anything without ``isatty``)."""
        isatty = getattr(stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def client(self) -> Client:
        """A client from the global options (``--base-url``, ``--api-key``, ``--timeout``);
        unset ones fall back to ``CHARLIB_BASE_URL`` / ``CHARLIB_API_KEY`` / the defaults."""
        from charlib._client import Client
        from charlib._config import DEFAULT_TIMEOUT

        timeout = self.args.request_timeout
        return Client(
            base_url=self.args.base_url,
            api_key=self.args.api_key,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        )
