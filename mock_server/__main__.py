"""``python -m mock_server`` / ``charlib-mock``: run the mock Character Library on uvicorn.

Loopback only unless ``--host`` says otherwise; prints the URL it listens on (the real port when
``--port 0``); quiet unless ``--access-log``; Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from collections.abc import Sequence

import uvicorn

from mock_server import __version__
from mock_server.app import create_app
from mock_server.cassettes import CassetteError
from mock_server.clock import Clock, ManualClock, ScaledClock, SystemClock
from mock_server.engine import DEFAULT_CAPACITY, MODES
from mock_server.media import check_media_size
from mock_server.server import base_url_of, bind_socket, uvicorn_config
from mock_server.store import StoreUnavailable

__all__ = ["build_parser", "main"]

API_KEY_ENV = "CHARLIB_MOCK_API_KEY"


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _media_size(text: str) -> int:
    try:
        return check_media_size(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="charlib-mock",
        description="Mock Character Library server: the async 360° job API, offline, with "
        "controllable time, scenarios and faults.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="TCP port (default 8000; 0 = any free port)"
    )
    parser.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        help="server seconds per real second (60 = a 20-minute job in 20 s; default 1)",
    )
    parser.add_argument(
        "--manual-clock",
        action="store_true",
        help='time stands still until POST /_mock/clock {"advance": s}',
    )
    parser.add_argument("--mode", choices=MODES, default="reference", help="compatibility mode")
    parser.add_argument("--seed", type=int, default=0, help="server seed (default 0)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file: keep everything across restarts")
    parser.add_argument(
        "--api-key",
        help=f"require Authorization: Bearer KEY (or set {API_KEY_ENV}, which ps cannot show)",
    )
    parser.add_argument(
        "--capacity",
        type=_positive_int,
        default=None,
        help=f"jobs processing at once (default {DEFAULT_CAPACITY}; upstream mode: no limit)",
    )
    parser.add_argument("--media-base", help="absolute base URL for media links")
    parser.add_argument(
        "--cassettes",
        action="append",
        metavar="DIR",
        help="replay the recorded jobs in DIR (NAME.json files; a file works too; repeatable): "
        "a job started with X-Mock-Scenario: cassette:NAME follows the recording",
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        help="the scenario of jobs started without X-Mock-Scenario (success, partial, fail, "
        "slow, random, or cassette:NAME)",
    )
    parser.add_argument(
        "--media-size",
        type=_media_size,
        default=0,
        metavar="BYTES",
        help="pad every image to about BYTES (still a valid PNG), to try large downloads",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _clock(args: argparse.Namespace) -> Clock:
    if args.manual_clock:
        return ManualClock()
    if args.speed == 1.0:
        return SystemClock()
    return ScaledClock(args.speed)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m mock_server`` and ``charlib-mock``."""
    args = build_parser().parse_args(argv)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"charlib-mock: could not listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        if exc.errno == errno.EADDRINUSE:
            print(
                "charlib-mock: the port is taken: give another --port, or --port 0 (any free one)",
                file=sys.stderr,
            )
        return 1
    api_key = args.api_key or os.environ.get(API_KEY_ENV) or None
    # Options named as create_app's.
    same_names = ("mode", "seed", "capacity", "media_base", "media_size", "cassettes")
    try:
        app = create_app(
            clock=_clock(args),
            db_path=args.db,
            api_key=api_key,
            **{name: getattr(args, name) for name in same_names},
        )
    except (StoreUnavailable, CassetteError) as exc:
        sock.close()
        print(f"charlib-mock: {exc}", file=sys.stderr)
        return 1
    try:
        if args.scenario is not None:
            app.mock.set_scenario(args.scenario)
    except ValueError as exc:  # a scenario that does not exist, or a cassette not loaded
        sock.close()
        app.engine.store.close()
        print(f"charlib-mock: --scenario: {exc}", file=sys.stderr)
        return 2
    config = uvicorn_config(
        app,
        host=args.host,
        port=args.port,
        access_log=args.access_log,
        log_level="info" if args.access_log else "warning",
    )
    if args.access_log:
        # uvicorn leaves logging alone (log_config=None, right for serve() inside a host program),
        # so nothing would show: this command owns its process and prints the log itself.
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logging.getLogger("uvicorn").addHandler(handler)
    server = uvicorn.Server(config)
    speed = "manual clock" if args.manual_clock else f"speed {args.speed:g}x"
    auth = ", API key required" if api_key else ""
    db = f", db {args.db}" if args.db else ""
    count = len(app.engine.replays)
    tapes = f", {count} cassette{'' if count == 1 else 's'}" if args.cassettes else ""
    banner = f"charlib mock server ({args.mode} mode, {speed}{auth}{db}{tapes}) listening on"
    print(f"{banner} {base_url_of(args.host, sock)}  (Ctrl-C to stop)", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn has already shut down gracefully
    finally:
        sock.close()
        app.engine.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
