"""A server for the benchmarks, in its own process: ``python -m bench.serve KIND [options]``.

Running the server in a separate process keeps it off the load generator's interpreter (two
interpreters, two cores) and lets the harness read its resident memory. It prints one JSON line,
``{"port": ..., "pid": ..., "job_ids": [...]}``, once it listens, and serves until its standard
input closes (so an orphan never outlives the harness) or it receives SIGTERM.

Kinds:

* ``mock``: the mock server (``mock_server.create_app``) with ``--jobs`` jobs already processing;
* ``bare``: a plain Starlette app with one route that returns the status document of a
  processing job as fixed bytes: the ceiling any status route can reach on the same stack.

Both run on the same uvicorn settings (``mock_server.server.uvicorn_config``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from typing import Any, cast

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server import create_app
from mock_server.app import MockApp
from mock_server.bodies import Generate360Input, parse_body
from mock_server.clock import Clock, ScaledClock, SystemClock
from mock_server.server import uvicorn_config

__all__ = ["build_mock", "main", "status_document"]

#: The status route both kinds answer on (the bare one ignores the id).
STATUS_PATH = "/api/v1/jobs/{job_id}/status"


def build_mock(jobs: int, *, speed: float = 1.0, seed: int = 0) -> tuple[MockApp, list[str]]:
    """A mock app holding ``jobs`` jobs, all processing (capacity is raised to fit them).

    Jobs are created through the engine (the same code the POST route calls), which is much
    faster than 10,000 HTTP requests and creates the same facts.
    """
    clock: Clock = SystemClock() if speed == 1.0 else ScaledClock(speed)
    app = create_app(clock=clock, seed=seed, capacity=max(1, jobs))
    engine = app.engine
    character = engine.create_character({"name": "Bench Character"})
    engine.generate_initial_image(character["id"], "bench", 768, 1024)  # jobs need a reference
    options = parse_body(Generate360Input, {}).options()
    ids = [engine.create_job(character["id"], options, "success").job_id for _ in range(jobs)]
    return app, ids


def status_document(app: MockApp, job_id: str) -> bytes:
    """The status body the mock would send for ``job_id`` now, as bytes."""
    body = app.mock.job(job_id, "http://127.0.0.1")
    assert body is not None
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def build_bare(document: bytes) -> Starlette:
    """A plain Starlette app whose status route returns ``document``."""

    async def status(request: Request) -> Response:
        return Response(document, media_type="application/json")

    return Starlette(routes=[Route(STATUS_PATH, status, methods=["GET"])])


def _watch_stdin(server: uvicorn.Server) -> None:
    # The harness holds our stdin; when it goes away (exit or crash), so do we.
    sys.stdin.read()
    server.should_exit = True


def main(argv: list[str] | None = None) -> None:
    """Start the server, print the JSON line, serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("kind", choices=("mock", "bare"))
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args(argv)

    mock, ids = build_mock(args.jobs, speed=args.speed)
    app: Any = mock if args.kind == "mock" else build_bare(status_document(mock, ids[0]))
    if args.kind == "bare":
        mock.engine.store.close()
        del mock
    config = uvicorn_config(cast(MockApp, app), host="127.0.0.1", port=0, access_log=False)
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                raise SystemExit(f"server failed to start: {task.exception()!r}")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        shown = ids if args.kind == "mock" else ids[:1]
        print(json.dumps({"port": port, "pid": os.getpid(), "job_ids": shown}), flush=True)
        threading.Thread(target=_watch_stdin, args=(server,), daemon=True).start()
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main()
