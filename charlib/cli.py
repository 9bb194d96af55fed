"""The ``charlib`` command: the demo, 360° sets, jobs, characters and the mock server.

::

    charlib demo                                  # everything, offline, in a few seconds
    charlib generate-360 CHARACTER_ID --wait
    charlib generate-360 CHARACTER_ID --wait --out DIR
    charlib jobs list|status|wait|download|cancel ...
    charlib characters list|create|initial-image ...
    charlib mock serve --speed 600

Exit codes: 0 ok, 1 job failed or cancelled (or some images could not be saved), 2 usage, 3 wait
timeout, 4 the service refused the request or could not be reached, 130 interrupted. Errors are
one ``error: ...`` line on stderr, never a traceback, and never show the API key. The command's
pieces live in ``charlib._cli``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from charlib._cli.context import Context, ExitCode, UsageError
from charlib._cli.errors import api_error_line, error_line
from charlib._cli.parser import parse
from charlib._exceptions import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    CharlibError,
    InvalidParameterError,
    JobError,
    MasterReferenceRequiredError,
    WaitTimeoutError,
)

__all__ = ["ExitCode", "main"]


def _run(context: Context) -> int:
    args = context.args
    handler = args.handler
    if handler is None:  # `charlib`, `charlib jobs`, ...: show what there is
        args.help_parser.print_help()
        return ExitCode.OK
    if handler == "mock-serve":
        from mock_server.__main__ import main as mock_main

        return mock_main(args.mock_argv)
    code: int = handler(context)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``charlib`` command with ``argv`` (default: ``sys.argv[1:]``); return its exit code.

    argparse exits by itself (``SystemExit``) for ``--help``, ``--version`` and usage errors.
    """
    args = parse(list(sys.argv[1:] if argv is None else argv))
    context = Context(args)
    try:
        return _run(context)
    except KeyboardInterrupt:
        context.err("\ninterrupted")
        return ExitCode.INTERRUPTED
    except (UsageError, InvalidParameterError) as error:
        context.err(error_line(error))
        return ExitCode.USAGE
    except WaitTimeoutError as error:
        context.err(error_line(error))
        return ExitCode.TIMEOUT
    except JobError as error:
        context.err(error_line(error))
        return ExitCode.JOB_FAILED
    except MasterReferenceRequiredError as error:
        context.err(error_line(error))
        character_id = getattr(context.args, "character_id", None) or "CHARACTER_ID"
        context.err(
            "give the character a master reference image first: "
            f"charlib characters initial-image {character_id} --prompt TEXT"
        )
        return ExitCode.API_ERROR
    except APIConnectionError as error:
        context.err(error_line(error))
        if not isinstance(error, APITimeoutError):
            context.err("on the command line the service's root is given with --base-url URL")
        return ExitCode.API_ERROR
    except AuthenticationError as error:
        context.err(error_line(error))
        context.err("on the command line the key is given with --api-key KEY")
        return ExitCode.API_ERROR
    except CharlibError as error:
        context.err(api_error_line(error))
        return ExitCode.API_ERROR
    except BrokenPipeError:
        # The reader went away (`charlib jobs list | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
