"""The ``charlib`` command.

``charlib demo`` will run a job end to end against the embedded reference server; until that
lands it says so and exits 0. ``charlib --version`` prints the version.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from charlib._version import __version__

__all__ = ["main"]

COMING_SOON = (
    "charlib demo: coming soon: the embedded mock demo lands with the mock server.\n"
    "Meanwhile, see docs/quickstart.md to use charlib.Client against any server."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charlib", description="Python SDK for the Character Library API."
    )
    parser.add_argument("--version", action="version", version=f"charlib {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("demo", help="run a 360° job against the embedded mock server")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``charlib`` command; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        print(COMING_SOON)
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
