"""``serve()``: run the mock on uvicorn in a background thread (scripts, notebooks, tests).

::

    from mock_server import ScaledClock, serve

    with serve(clock=ScaledClock(600)) as server:
        print(server.url)                 # http://127.0.0.1:<free port>
        server.mock.set_scenario("partial")
        ...                               # point any HTTP client at server.url
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from mock_server.app import MockApp, create_app
from mock_server.clock import ScaledClock
from mock_server.control import MockControl
from mock_server.protocol import (
    KEEP_ALIVE_TIMEOUT,
    MAX_CONNECTIONS,
    REQUEST_TIMEOUT,
    guarded_protocol,
)

__all__ = ["RunningServer", "base_url_of", "bind_socket", "serve", "uvicorn_config"]


@dataclass(frozen=True)
class RunningServer:
    """A mock server running in a background thread."""

    url: str
    host: str
    port: int
    app: MockApp

    @property
    def mock(self) -> MockControl:
        """The control handle (clock, faults, scenarios, journal)."""
        return self.app.mock


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); raises OSError if it cannot bind.

    Binding before uvicorn starts turns "address in use" into a plain error for the caller
    (uvicorn itself would ``sys.exit`` from inside its event loop).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on accepted sockets whose
    # proto says TCP. Without it, Nagle + delayed ACK hold every keep-alive response ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def base_url_of(host: str, sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{sock.getsockname()[1]}"


def uvicorn_config(
    app: MockApp,
    *,
    host: str,
    port: int,
    access_log: bool,
    log_level: str = "warning",
    request_timeout: float = REQUEST_TIMEOUT,
) -> uvicorn.Config:
    """uvicorn settings for the mock: its own ``Date`` header, no lifespan, quiet by default,
    and connection limits (see :mod:`mock_server.protocol`)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(request_timeout),
        timeout_keep_alive=int(KEEP_ALIVE_TIMEOUT),
        limit_concurrency=MAX_CONNECTIONS,
        lifespan="off",
        access_log=access_log,
        log_level=log_level,
        log_config=None,  # leave the host program's logging configuration alone
        date_header=False,  # the app sends Date from the server clock
        server_header=False,
        timeout_graceful_shutdown=5,
    )


@contextmanager
def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 15.0,
    access_log: bool = False,
    speed: float | None = None,
    scenario: str | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    **options: Any,
) -> Iterator[RunningServer]:
    """Run a mock server until the ``with`` block ends.

    Args:
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one (see ``.url``).
        startup_timeout: seconds to wait for the server to listen.
        access_log: log every request (uvicorn's access log).
        speed: shorthand for ``clock=ScaledClock(speed)`` (e.g. 600: a 20-minute set in 2 s).
        scenario: the default scenario of new jobs (``server.mock.set_scenario``).
        request_timeout: seconds a client has to send a whole request once its connection is
            ready for one; a connection that is slower is closed (default 10).
        **options: passed to :func:`~mock_server.create_app` (``clock``, ``mode``, ``seed``,
            ``db_path``, ``faults``, ``api_key``, ``capacity``, ...).

    Raises:
        StoreUnavailable: ``db_path`` cannot be used (not a database, or another server's).
        RuntimeError: the server thread died while starting (e.g. the port is taken).
        TimeoutError: it did not start within ``startup_timeout``.
    """
    if speed is not None:
        if "clock" in options:
            raise TypeError("serve() takes speed= or clock=, not both")
        options["clock"] = ScaledClock(speed)
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        raise RuntimeError(f"mock server failed to start on {host}:{port}: {exc}") from exc
    try:
        app = create_app(**options)
    except BaseException:
        sock.close()
        raise
    if scenario is not None:
        app.mock.set_scenario(scenario)
    config = uvicorn_config(
        app, host=host, port=port, access_log=access_log, request_timeout=request_timeout
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="charlib-mock-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"mock server failed to start on {host}:{port}") from (
                    failure[0] if failure else None
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"mock server did not start within {startup_timeout} s")
            time.sleep(0.01)
        yield RunningServer(base_url_of(host, sock), host, sock.getsockname()[1], app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.engine.store.close()
