"""charlib's pytest plugin, registered through the ``pytest11`` entry point.

Fixtures (each test gets fresh state; nothing is shared between tests or xdist workers):

``charlib_client`` / ``charlib_async_client``
    A :class:`~charlib.Client` / :class:`~charlib.AsyncClient` wired to an in-process mock server
    (no sockets) with virtual time: waiting for a 20-minute set takes milliseconds.
``charlib_mock``
    That server's control handle (:class:`mock_server.MockControl`): ``advance()``,
    ``set_faults()``, ``set_scenario()``, ``requests()``, ``stats()``, ``reset()``, ...
``charlib_app``
    That server's ASGI app, for code under test that builds its own transport.
``charlib_server``
    A real uvicorn server on 127.0.0.1 (free port) with ``.url`` and ``.mock``, for code that
    builds its own client, other processes or other languages. Its clock runs ``speed`` times
    faster than real time (default 60).

One marker configures the mock of a test::

    @pytest.mark.charlib(mode="upstream", seed=7, scenario="partial", speed=120,
                         faults={"rate": 0.3, "kinds": ["503"]}, capacity=4, api_key="k")
    @pytest.mark.charlib(cassette="cassettes/ada.json")  # every job replays a recorded one

The plugin stays light to import: the mock server and uvicorn are imported inside the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from charlib import AsyncClient, Client
    from mock_server import MockApp, MockControl, RunningServer

MARKER_OPTIONS = (
    "mode",
    "seed",
    "speed",
    "scenario",
    "faults",
    "capacity",
    "api_key",
    "cassette",
)
DEFAULT_SERVER_SPEED = 60.0


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``charlib`` marker."""
    config.addinivalue_line(
        "markers",
        "charlib(mode='reference', seed=0, speed=None, scenario=None, faults=None, capacity=None,"
        " api_key=None, cassette=None): configure the charlib mock server of this test"
        " (charlib_* fixtures); cassette='path.json' makes its jobs replay that recording.",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("charlib")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError("@pytest.mark.charlib takes keyword arguments only")
    unknown = sorted(set(marker.kwargs) - set(MARKER_OPTIONS))
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.charlib: unknown option(s) {', '.join(unknown)};"
            f" known: {', '.join(MARKER_OPTIONS)}"
        )
    return dict(marker.kwargs)


def _app_options(options: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """create_app() arguments from marker options (clock, scenario and faults are set apart)."""
    chosen = ("mode", "seed", "capacity", "api_key")
    app_options = {key: options[key] for key in chosen if key in options}
    if options.get("cassette") is not None:
        app_options["cassettes"] = _cassette_path(options["cassette"], request)
    return app_options


def _cassette_path(value: object, request: pytest.FixtureRequest) -> Path:
    """The marker's cassette file (relative to the test's own file)."""
    if not isinstance(value, str | os.PathLike):
        raise pytest.UsageError("@pytest.mark.charlib(cassette=...) takes the path of a cassette")
    path = Path(request.path).parent / value
    if not path.is_file():
        raise pytest.UsageError(f"@pytest.mark.charlib: no cassette file {path}")
    return path


def _create_app(factory: Any, **more: Any) -> Any:
    """``factory(**more)`` (creating a mock); a bad cassette fails the test, by file and reason."""
    from mock_server import CassetteError

    try:
        return factory(**more)
    except CassetteError as exc:
        raise pytest.UsageError(f"@pytest.mark.charlib: {exc}") from None


def _configure(control: MockControl, options: dict[str, Any]) -> None:
    scenario = options.get("scenario")
    if options.get("cassette") is not None:
        if scenario is not None:
            raise pytest.UsageError("@pytest.mark.charlib: give scenario= or cassette=, not both")
        scenario = "cassette:" + Path(options["cassette"]).name.removesuffix(".json")
    if scenario is not None:
        try:
            control.set_scenario(scenario)
        except ValueError as exc:  # a misspelt value: as clear as a misspelt option
            raise pytest.UsageError(f"@pytest.mark.charlib: {exc}") from None
    faults = options.get("faults")
    if faults is not None:
        if not isinstance(faults, dict):
            raise pytest.UsageError("@pytest.mark.charlib(faults=...) takes a dict of set_faults()")
        control.set_faults(**faults)


@pytest.fixture
def charlib_app(request: pytest.FixtureRequest) -> MockApp:
    """A fresh in-process mock server (ASGI app) on a manual clock, configured by the marker."""
    from mock_server import ManualClock, create_app

    options = _options(request)
    app: MockApp = _create_app(create_app, clock=ManualClock(), **_app_options(options, request))
    _configure(app.mock, options)
    return app


@pytest.fixture
def charlib_mock(charlib_app: MockApp) -> MockControl:
    """The control handle of this test's in-process mock server."""
    return charlib_app.mock


@pytest.fixture
def charlib_client(charlib_app: MockApp, request: pytest.FixtureRequest) -> Iterator[Client]:
    """A Client on this test's in-process mock server, with virtual time."""
    from charlib.testing import in_process_client

    api_key = _options(request).get("api_key")
    with in_process_client(charlib_app, api_key=api_key) as client:
        yield client


@pytest.fixture
def charlib_async_client(
    charlib_app: MockApp, request: pytest.FixtureRequest
) -> Iterator[AsyncClient]:
    """An AsyncClient on this test's in-process mock server, with virtual time.

    A plain fixture (no event loop needed to build it), so it works with any async test runner
    setup; use it from ``async def`` tests.
    """
    import httpx

    from charlib import AsyncClient
    from charlib.testing import MOCK_BASE_URL, _virtual_clock

    api_key = _options(request).get("api_key")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=charlib_app))
    client = AsyncClient(
        base_url=MOCK_BASE_URL,
        api_key=api_key,
        http_client=http,
        clock=_virtual_clock(charlib_app),
    )
    yield client
    # Nothing here holds a socket; closing just marks both clients closed. A test runner that
    # keeps a loop running in this thread has closed them with it; there is nothing left to do.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_close(client, http))


async def _close(client: AsyncClient, http: Any) -> None:
    await client.aclose()
    await http.aclose()


@pytest.fixture
def charlib_server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """A real mock server (uvicorn on 127.0.0.1, a free port); ``.url`` and ``.mock``."""
    from mock_server import ScaledClock, serve

    options = _options(request)
    speed = options.get("speed") or DEFAULT_SERVER_SPEED
    with contextlib.ExitStack() as stack:
        server: RunningServer = _create_app(
            lambda **more: stack.enter_context(serve(**more)),
            clock=ScaledClock(float(speed)),
            **_app_options(options, request),
        )
        _configure(server.mock, options)
        yield server
