"""The ledger alone (SQLite, no network): claims, leases, dead owners, lost claims, the intent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from charlib._batch_ledger import LEDGER_NAME, Ledger, LostClaim
from charlib.batch import parse_cast

CAST = parse_cast("name\nAda\nBob\nCy\n", jsonl=False)


class Wall:
    """A wall clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / LEDGER_NAME


def test_rows_are_added_once_and_keep_their_state(path: Path) -> None:
    """Adding the same cast again adds nothing and leaves a row's progress alone."""
    ledger = Ledger(path)
    assert ledger.add_cast(CAST) == 3
    row = ledger.claim()
    assert row is not None
    assert row.key == "ada"
    ledger.character_ready("ada", "66f1c0ffee00000000000a01")
    assert ledger.add_cast(CAST) == 0
    assert ledger.rows(["ada"])[0].stage == "character"


def test_two_owners_never_claim_the_same_row(path: Path) -> None:
    """Two live processes' ledgers each take a different row, in cast order."""
    first, second = Ledger(path), Ledger(path)
    first.add_cast(CAST)
    first.heartbeat()
    second.heartbeat()
    taken = [first.claim(), second.claim(), first.claim(), second.claim()]
    assert [row.key if row else None for row in taken] == ["ada", "bob", "cy", None]


def test_rows_of_a_silent_owner_elsewhere_are_taken_after_the_lease(path: Path) -> None:
    """An owner on another host whose heartbeat is older than the lease loses its rows."""
    wall = Wall()
    first = Ledger(path, wall=wall, lease=60)
    second = Ledger(path, wall=wall, lease=60)
    first.host = "elsewhere"  # its pid cannot be looked up from here
    first.add_cast(CAST[:1])
    first.heartbeat()
    assert first.claim() is not None
    second.heartbeat()
    assert second.claim() is None  # first's heartbeat is fresh
    wall.now += 61
    second.heartbeat()
    row = second.claim()
    assert row is not None
    assert row.key == "ada"
    with pytest.raises(LostClaim):
        first.character_ready("ada", "66f1c0ffee00000000000a01")


def test_a_live_process_here_keeps_its_rows_past_the_lease(path: Path) -> None:
    """On this host a running owner is never taken over, however old its heartbeat."""
    wall = Wall()
    first = Ledger(path, wall=wall, lease=60)
    second = Ledger(path, wall=wall, lease=60)
    first.add_cast(CAST[:1])
    first.heartbeat()
    assert first.claim() is not None
    wall.now += 3600
    second.heartbeat()
    assert second.claim() is None


def test_rows_of_a_dead_process_on_this_host_are_taken_at_once(path: Path) -> None:
    """A process of this host that no longer runs (kill -9) loses its rows without a wait."""
    script = (
        "import sys; from charlib._batch_ledger import Ledger;"
        "from charlib.batch import parse_cast;"
        "l = Ledger(sys.argv[1]); l.add_cast(parse_cast('name\\nAda\\n', jsonl=False));"
        "l.heartbeat(); assert l.claim() is not None"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)
    ledger = Ledger(path)
    ledger.heartbeat()
    row = ledger.claim()
    assert row is not None
    assert row.key == "ada"


def test_intent_is_recorded_with_the_jobs_known_before(path: Path) -> None:
    """The intent keeps a fresh idempotency key and the jobs the character had."""
    ledger = Ledger(path)
    ledger.add_cast(CAST[:1])
    ledger.heartbeat()
    ledger.claim()
    key = ledger.record_intent("ada", ["old-job"])
    [row] = ledger.rows()
    assert (row.stage, row.intent_key, row.intent_known) == ("intent", key, ["old-job"])
    ledger.job_started("ada", "new-job", 1)
    assert ledger.rows()[0].stage == "started"
    assert [job["job_id"] for job in ledger.jobs()] == ["new-job"]


def test_release_all_gives_every_row_back(path: Path) -> None:
    """A clean stop leaves no row owned, so another run takes them without waiting."""
    first, second = Ledger(path), Ledger(path)
    first.add_cast(CAST)
    first.heartbeat()
    assert first.claim() is not None
    first.release_all()
    second.heartbeat()
    row = second.claim()
    assert row is not None
    assert row.key == "ada"


def test_summary_counts_shots_and_states(path: Path) -> None:
    """Shots done count a finished character whole and a running job by its progress."""
    ledger = Ledger(path)
    ledger.add_cast(parse_cast("name,image_count\nAda,4\nBob,6\n", jsonl=False))
    ledger.heartbeat()
    ledger.claim()
    ledger.character_ready("ada", "x")
    ledger.progress("ada", 3)
    done, total, counts = ledger.summary()
    assert (done, total, dict(counts)) == (3, 10, {"character": 1, "new": 1})


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_reused_pid_does_not_keep_a_dead_owners_rows(path: Path) -> None:
    """An owner whose pid now belongs to another process (started later) counts as gone."""
    first, second = Ledger(path), Ledger(path)
    first._started = "1"  # as if registered by an earlier process that had this pid
    first.add_cast(CAST[:1])
    assert first.claim() is not None
    row = second.claim()
    assert row is not None
    assert row.key == "ada"
