"""``charlib contract check`` against real mock servers on loopback, and its confirmation rules."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from charlib.contract import FACTS
from mock_server import RunningServer, ScaledClock, serve
from tests.cli.conftest import FAST, Run


@pytest.fixture(scope="module")
def upstream() -> Iterator[RunningServer]:
    """An upstream-mode mock (the live service's quirks), its clock running FAST."""
    with serve(clock=ScaledClock(FAST), mode="upstream", seed=4) as running:
        yield running


def test_reference_mode_every_fact_holds(api: Run) -> None:
    """One line per fact, all 'holds', then the summary; it says first what it creates."""
    result = api("contract", "check")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == len(FACTS) + 1
    assert [line for line in lines[:-1] if not line.startswith("holds ")] == []
    assert [line.split()[1] for line in lines[:-1]] == list(FACTS)
    assert lines[-1] == f"{len(FACTS)} facts: {len(FACTS)} hold, 0 differ, 0 skipped"
    assert "creates 1 character" in result.err
    assert "1 job of 1 image" in result.err


def test_upstream_mode_names_the_quirks(run: Run, upstream: RunningServer) -> None:
    """The upstream mock's differences carry their defect ids; --strict makes them exit 1."""
    result = run("--base-url", upstream.url, "contract", "check", "--strict")
    assert result.code == 1, result.err
    differ = [line for line in result.out.splitlines() if line.startswith("differs")]
    assert differ
    assert all(line.endswith("]") for line in differ), differ  # every one is a known quirk
    assert any(line.split()[1] == "job.total" and line.endswith("[D7]") for line in differ)
    assert "known quirks of the live service: D3, D4, D5" in result.out


def test_json_report(run: Run, upstream: RunningServer) -> None:
    """--json: one document with every fact, the defects and what was created."""
    result = run("--base-url", upstream.url, "contract", "check", "--json", "--budget-images", "2")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [fact["id"] for fact in report["facts"]] == list(FACTS)
    assert report["conforms"] is False
    assert "D7" in report["defects"]
    by_id = {fact["id"]: fact for fact in report["facts"]}
    total = by_id["job.total"]
    assert (total["title"], total["verdict"], total["defect"]) == (
        FACTS["job.total"],
        "differs",
        "D7",
    )
    # The 1-second first state (total 2) may pass between two polls on this fast clock.
    assert total["seen"].endswith("27 -> 2 (imageCount 2)")
    assert set(report["created"]) == {"characterId", "jobId"}


def test_another_host_needs_yes_when_stdin_is_not_a_terminal(run: Run) -> None:
    """Without --yes and without a terminal to ask on, it refuses clearly and sends nothing."""
    result = run("--base-url", "http://contract-check.invalid", "contract", "check")
    assert result.code == 2
    assert "not this machine: run with --yes" in result.err
    assert "nothing was sent" in result.err
    assert result.out == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_another_host_asks_on_a_terminal(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal it asks; anything but yes stops it (exit 2, nothing created)."""
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    result = run("--base-url", "http://contract-check.invalid", "contract", "check")
    assert result.code == 2
    assert "Create them on contract-check.invalid? [y/N]" in result.err
    assert "not confirmed" in result.err


def test_yes_or_a_zero_budget_skip_the_question(run: Run) -> None:
    """--yes, or --budget-images 0 (nothing to create), go straight to the server: here none
    answers, which is exit 4."""
    for extra in (["--yes"], ["--budget-images", "0"]):
        result = run("--base-url", "http://127.0.0.2:9", "contract", "check", *extra)
        assert result.code == 4, result.err
        assert "Connection error" in result.err


def test_budget_zero_on_loopback(api: Run) -> None:
    """--budget-images 0: read-only facts hold, the rest are skipped, saying why."""
    result = api("contract", "check", "--budget-images", "0")
    assert result.code == 0
    skipped = [line for line in result.out.splitlines() if line.startswith("skipped")]
    assert skipped
    assert all("the check creates nothing" in line for line in skipped)
    assert "creates nothing on the server" in result.err


def test_bad_budget_is_a_usage_error(run: Run) -> None:
    """--budget-images outside 0-27 is refused by the parser (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        run("contract", "check", "--budget-images", "28")
    assert caught.value.code == 2
