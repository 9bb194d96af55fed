"""mock_server: the reference Character Library server (independent of the SDK).

An offline, deterministic implementation of the async 360° job API (CONTRACT §14): real progress
derived from stored facts and a server-owned clock, scenarios, injected faults, idempotent POSTs,
SQLite persistence. Use it as an ASGI app, a background server or a command::

    from mock_server import ManualClock, create_app, serve

    app = create_app(clock=ManualClock())     # in-process: httpx.ASGITransport(app)
    app.mock.advance(120)                     # the control handle (see mock_server.control)

    with serve(mode="upstream") as server:    # uvicorn on 127.0.0.1, a free port
        print(server.url)

    $ python -m mock_server --speed 600       # or: charlib-mock --speed 600

In-process control (``app.mock`` / ``server.mock``, a :class:`MockControl`): ``now()``,
``advance(seconds)``, ``set_speed(x)``, ``set_faults(rate=, kinds=, retry_after=, latency=,
path_prefix=)``, ``clear_faults()``, ``set_scenario(name)``, ``set_capacity(n)``, ``reset()``,
``requests()``, ``stats()``, ``job(job_id)``, ``finish(job_id)``, ``finish_all()``.
"""

from __future__ import annotations

from mock_server.app import MockApp, create_app
from mock_server.cassettes import CassetteError
from mock_server.clock import Clock, ManualClock, ScaledClock, SystemClock
from mock_server.control import MockControl
from mock_server.faults import FAULT_KINDS, FaultConfig, InjectedConnectionReset
from mock_server.lifecycle import SCENARIOS
from mock_server.server import RunningServer, serve
from mock_server.store import StoreUnavailable
from mock_server.version import __version__

__all__ = [
    "FAULT_KINDS",
    "SCENARIOS",
    "CassetteError",
    "Clock",
    "FaultConfig",
    "InjectedConnectionReset",
    "ManualClock",
    "MockApp",
    "MockControl",
    "RunningServer",
    "ScaledClock",
    "StoreUnavailable",
    "SystemClock",
    "__version__",
    "create_app",
    "serve",
]
