"""``charlib demo``: the whole job lifecycle against an embedded mock server, in a few seconds.

The mock runs on a free loopback port with a fast clock (``--speed``, default 300: a 27-shot set
of about 20 server minutes takes about 4 s), a fixed seed and a scenario, so a run is repeatable.
Nothing outside this process is touched: ``CHARLIB_BASE_URL`` and ``CHARLIB_API_KEY`` are ignored.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from charlib._cli.context import MOCK_EXTRA, Context, ExitCode
from charlib._cli.follow import exit_code, follow, make_reporter
from charlib._cli.render import duration, json_text, outcome_line, results_table, wire

if TYPE_CHECKING:
    from charlib._models import JobStatus

__all__ = ["DEFAULT_SPEED", "SCENARIOS", "demo"]

DEFAULT_SPEED = 300.0
DEFAULT_SEED = 7
#: ``random`` (seeded: about one attempt in ten fails and is retried), then the mock's own.
SCENARIOS = ("random", "success", "partial", "fail", "slow")

CHARACTER_NAME = "Ada Lovelace"
PROMPT = "portrait of Ada Lovelace, 1840s dress, soft studio light, neutral background"


def _server_time(status: JobStatus) -> float | None:
    results = status.results
    if results is not None and results.processing_time:
        return results.processing_time / 1000
    if status.started_at is not None and status.completed_at is not None:
        return (status.completed_at - status.started_at).total_seconds()
    return None


def demo(context: Context) -> ExitCode:
    """Start the mock, make a character with a reference image, run a set, show the results."""
    args = context.args
    try:
        from mock_server import ScaledClock, serve
        from mock_server.shots import SHOTS
    except ImportError:
        context.err(f"error: charlib demo needs the mock server: {MOCK_EXTRA}")
        return ExitCode.JOB_FAILED

    from charlib._client import Client

    say = context.err if context.json else context.out
    started = time.monotonic()
    with serve(clock=ScaledClock(args.speed), seed=args.seed) as server:
        server.mock.set_scenario(args.scenario)
        say(
            f"charlib demo: mock Character Library at {server.url} "
            f"(clock {args.speed:g}x, seed {args.seed}, scenario {args.scenario})"
        )
        # api_key="" sends no key at all, whatever CHARLIB_API_KEY holds.
        with Client(base_url=server.url, api_key="") as client:
            character = client.characters.create(name=CHARACTER_NAME)
            say(f"created character {character.name} (id {character.id})")
            image = client.characters.generate_initial_image(character.id, prompt=PROMPT)
            if image.data is not None and image.data.public_url:
                say(f"master reference image: {image.data.public_url}")
            job = client.characters.generate_360_set(character.id, image_count=args.image_count)
            say(f"started job {job.id}: {args.image_count} shots")
            reporter = make_reporter(context, description="360 set")
            try:
                # The SDK's own adaptive polling, as users get it: about one poll per shot.
                status = follow(client, job.id, reporter, timeout=None, poll=None)
            except KeyboardInterrupt:
                # The server lives in this process: the job ends with it, nothing to cancel.
                context.err("\ninterrupted (the demo's mock server stops with it)")
                return ExitCode.INTERRUPTED
    elapsed = time.monotonic() - started
    if context.json:
        context.out(json_text({"character": wire(character), "job": wire(status)}))
        return exit_code(status)
    if status.results is not None:
        context.out(results_table(status.results, order=[shot.name for shot in SHOTS]))
        attempts = status.results.total_attempts
        server_time = _server_time(status)
        facts = [f"{attempts} attempts"] if attempts else []
        if server_time is not None:
            facts.append(f"{duration(server_time)} of server time")
        facts.append(f"{duration(elapsed)} here")
        context.out("; ".join(facts))
    context.out(outcome_line(status))
    if status.status.value == "completed":
        context.out("next: docs/quickstart.md, or `charlib mock serve --speed 600` to keep one up")
    return exit_code(status)
